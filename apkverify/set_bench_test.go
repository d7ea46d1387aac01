package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// BenchmarkSetAppManager compares verifying the 27-APK AppManager bundle
// as one set in process (bundle: inflating the parts included; set: the
// parts already in memory) with the sum of verifying its parts one by one
// (one-by-one), the way a caller without VerifySet would.
//
//	go test -run=^$ -bench=SetAppManager -benchtime=10x ./apkverify/
func BenchmarkSetAppManager(b *testing.B) {
	path := realWorldAPK(b, "dev-appmanager-2.5.22.apks")
	zr, err := zip.OpenReader(path)
	require.NoError(b, err)
	defer zr.Close()
	var parts []apkverify.Part
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(b, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(b, err)
		parts = append(parts, apkverify.Part{Name: f.Name, R: bytes.NewReader(data), Size: int64(len(data))})
	}
	require.Len(b, parts, 27)
	ctx := context.Background()
	b.Run("bundle", func(b *testing.B) {
		for b.Loop() {
			res, err := apkverify.VerifySetFiles(ctx, []string{path}, apkverify.Options{})
			if err != nil || !res.Verified {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
	b.Run("set", func(b *testing.B) {
		for b.Loop() {
			res, err := apkverify.VerifySet(ctx, parts, apkverify.Options{})
			if err != nil || !res.Verified {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for _, p := range parts {
				res, err := apkverify.Verify(ctx, p.R, p.Size, apkverify.Options{})
				if err != nil || !res.Verified {
					b.Fatalf("%s: %v", p.Name, err)
				}
			}
		}
	})
}
