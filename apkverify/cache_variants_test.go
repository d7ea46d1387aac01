package apkverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/internal/sigalg"
)

// cacheVariants builds, from min21-v123.apk (v1, v2 and v3 by key A),
// files whose v2 or v3 signer carries certificate bytes met elsewhere in
// another form or role: A's certificate PEM-armoured or with trailing
// bytes (only the lenient parser reads them, and their identity is the
// bytes as given), B's or the stamp's certificate in place of A's, and a
// lineage (A then B) that reuses the signer's certificate as a node.
func cacheVariants(t *testing.T) map[string][]byte {
	ka, kb := loadKey(t, "rsa-a"), loadKey(t, "rsa-b")
	base := splitAPK(t, readFile(t, fixture(t, "min21-v123.apk")))
	v2, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV2))[0], false)
	require.NoError(t, err)
	v3, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	stamp := verifyBytes(t, readFile(t, fixture(t, "evidence-min21-v1234-stamp.apk")), apkverify.Options{})
	require.NotNil(t, stamp.SourceStamp.Certificate)
	lineageAB := lineageAttr(t, "min21-v123-rot-ab.apk")

	withCert := func(k *sbKey, cert []byte) *sbKey { c := *k; c.cert = cert; return &c }
	pemA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ka.cert})
	trailing := append(append([]byte(nil), ka.cert...), 0, 0)
	signed := func(v2k, v3k *sbKey, attrs ...sbPair) []byte {
		return base.build([]sbPair{
			{scheme.BlockIDV2, makeBlock(v2k.signRecord(t, false, v2.digests, 0, 0))},
			{scheme.BlockIDV3, makeBlock(v3k.signRecord(t, true, v3.digests, 24, maxSDK, attrs...))},
		})
	}
	return map[string][]byte{
		"re-signed as is":                   signed(ka, ka),
		"v2 certificate PEM-armoured":       signed(withCert(ka, pemA), ka),
		"v3 certificate PEM-armoured":       signed(ka, withCert(ka, pemA)),
		"v2 and v3 PEM-armoured":            signed(withCert(ka, pemA), withCert(ka, pemA)),
		"v3 certificate with trailing":      signed(ka, withCert(ka, trailing)),
		"v2 certificate is B's":             signed(withCert(ka, kb.cert), ka),
		"v3 certificate is the stamp's":     signed(ka, withCert(ka, stamp.SourceStamp.Certificate.Raw)),
		"v3 by A with the A-to-B lineage":   signed(ka, ka, sbPair{attrLineage, lineageAB}),
		"v3 by B with the A-to-B lineage":   signed(ka, kb, sbPair{attrLineage, lineageAB}),
		"v3 by B, PEM, A-to-B lineage":      signed(ka, withCert(kb, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kb.cert})), sbPair{attrLineage, lineageAB}),
		"v2 by B (PEM), v3 by A (trailing)": signed(withCert(kb, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kb.cert})), withCert(ka, trailing)),
	}
}

// The hostile variants above, verified among the genuine files they were
// made from (and the stamp and rotation fixtures whose certificates they
// reuse), give the same JSON cold (caches emptied before each) as warm,
// in either order and from two goroutines at once, for three API ranges.
func TestCachesNeverChangeVariantVerdicts(t *testing.T) {
	files := cacheVariants(t)
	for _, f := range []string{"min21-v123.apk", "min21-v123-rot-ab.apk", "evidence-min21-v1234-stamp.apk", "min21-v1-rsa.apk"} {
		files[f] = readFile(t, fixture(t, f))
	}
	type job struct {
		name string
		opts apkverify.Options
	}
	var jobs []job
	for name := range files {
		for _, r := range [][2]int{{0, 0}, {24, 27}, {28, 0}} {
			jobs = append(jobs, job{name, apkverify.Options{MinSDK: r[0], MaxSDK: r[1]}})
		}
	}
	verify := func(j job) string {
		b := files[j.name]
		res, err := apkverify.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), j.opts)
		if err != nil {
			return "tool error: " + err.Error()
		}
		out, err := json.Marshal(res)
		assert.NoError(t, err)
		return string(out)
	}
	cold := make([]string, len(jobs))
	for i, j := range jobs {
		certparse.ResetCache()
		sigalg.ResetKeyCache()
		cold[i] = verify(j)
	}
	check := func(order string, i int) {
		j := jobs[i]
		assert.Equal(t, cold[i], verify(j), "%s: %s (API %d-%d)", order, j.name, j.opts.MinSDK, j.opts.MaxSDK)
	}
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	for i := range jobs {
		check("warm", i)
	}
	for i := len(jobs) - 1; i >= 0; i-- {
		check("warm, reversed", i)
	}
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(jobs); k += 2 {
				check(fmt.Sprintf("parallel %d", w), k)
			}
		}()
	}
	wg.Wait()
	for name, b := range files {
		res := verifyBytes(t, b, apkverify.Options{})
		var first string
		if len(res.Errors) > 0 {
			first = string(res.Errors[0].Code)
		}
		t.Logf("%-36s verified %-5v %s", name, res.Verified, first)
	}
	t.Logf("%d files (%d generated) x 3 ranges = %d verdicts compared cold with 3 warm runs", len(files), len(files)-4, len(jobs))
}
