// Package bench holds apktrust's performance benchmarks and the script that
// compares the verifier with Android's apksigner (compare.sh).
//
// Everything here is test code: the package exists so that `go test -bench`
// can find the benchmarks and so that TestBenchSmoke runs in CI. The big
// APKs the benchmarks use are generated on demand, signed with apksigner,
// and cached under bench/out/ (or $APKTRUST_BENCH_DIR); they are never
// committed. See README.md for how to run everything.
package bench
