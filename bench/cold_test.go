package bench

import (
	"context"
	"testing"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/sigalg"
)

// BenchmarkVerifyFixture45KBCold is BenchmarkVerifyFixture45KB with the
// process-wide certificate and key caches emptied before every call: what
// a service pays for an app whose signer it has not seen yet (the caches
// only help with certificates met before).
func BenchmarkVerifyFixture45KBCold(b *testing.B) {
	path, _, ok := smallFixture(b)
	if !ok {
		b.Fatal("no normal small fixture in the committed testdata/fixtures.json")
	}
	ctx := context.Background()
	b.SetBytes(fileSize(b, path))
	b.ReportAllocs()
	for b.Loop() {
		certparse.ResetCache()
		sigalg.ResetKeyCache()
		res, err := apkverify.VerifyFile(ctx, path, apkverify.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Verified {
			b.Fatalf("%s did not verify: %v", path, res.Errors)
		}
	}
}
