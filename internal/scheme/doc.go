// Package scheme holds the APK signature schemes behind apkverify: the v1
// JAR signature (as apksig and as the platform read it), APK Signature
// Schemes v2, v3, v3.1 (v3.2 recognised), v4 signature files, source
// stamps and Play frosting, with the content digesters (one pass over the
// file), the per-file work budget and their tests, fuzz targets and
// conformance replays.
//
// Each verifier reports per scheme, in package signer's vocabulary
// (SchemeResult, SignerResult, Issue and their codes, named here through
// the aliases of vocab.go), and decides nothing about which scheme counts
// on which Android version: apkverify does. A verifier learns about the
// other schemes only through Blocks, the container's list of signature
// blocks, never through another verifier's result (v3.1 and v3, one
// family, are verified by one call, VerifyV3Schemes). It is internal because it
// reads the container through internal/apkzip. The certificate, lineage
// and signature core it shares with signer lies below both, in
// internal/certparse, internal/lineage and internal/sigalg.
package scheme
