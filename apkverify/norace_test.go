//go:build !race

package apkverify_test

// propFiles is how many recombined files the property test generates.
const propFiles = 1000
