//go:build race

package apkverify_test

// propFiles is how many recombined files the property test generates: the
// race detector makes each verification several times slower.
const propFiles = 300
