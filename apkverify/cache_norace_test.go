//go:build !race

package apkverify

// cacheDiffRangeCount is how many of cacheDiffRanges the cache differential
// tests verify every committed APK for (all of them without -race).
const cacheDiffRangeCount = 4
