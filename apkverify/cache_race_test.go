//go:build race

package apkverify

// cacheDiffRangeCount is how many of cacheDiffRanges the cache differential
// tests verify every committed APK for: the race detector makes each
// verification several times slower, and the parallel pass it checks
// needs no more than two.
const cacheDiffRangeCount = 2
