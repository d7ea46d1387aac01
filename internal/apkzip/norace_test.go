//go:build !race

package apkzip_test

const raceEnabled = false
