package bench

import (
	"path/filepath"
	"testing"

	"github.com/apktrust/apktrust/apkverify"
)

// BenchmarkVerifyV31Rotated verifies an apksig corpus file signed with
// v3 (original key, SDK 28-32) and v3.1 (rotated key, SDK 33+). Android
// reads both blocks on some level of the default range, so both are
// verified: the cost of the v3-under-v3.1 rule.
func BenchmarkVerifyV31Rotated(b *testing.B) {
	benchVerify(b, filepath.Join("..", "testdata", "apksig", "v31-rsa-2048_2-tgt-33-1-tgt-28.apk"), apkverify.Options{})
}
