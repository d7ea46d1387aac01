package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// storedFixtures are the committed single files whose stored results must
// be judged again exactly as at verification time.
func storedFixtures(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"apk/*.apk", "history/*.apk", "sets/*.apk", "knownkeys/*.apk", "evidence/*.apk", "aab/*.aab"} {
		m, err := filepath.Glob(filepath.Join(repoRoot(), "testdata", pattern))
		require.NoError(t, err)
		files = append(files, m...)
	}
	// The committed fixtures are part of the repository: none may vanish
	// silently.
	require.GreaterOrEqual(t, len(files), 90, "committed fixtures under testdata/")
	return files
}

// evaluatePolicies are the policies every stored result is judged under:
// pins (its own key, another key), manifest facts, a signing history,
// required schemes and stamp, known-key categories.
func evaluatePolicies(t *testing.T, own string) map[string]*apkverify.Policy {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "history", "hist-abc.lineage"))
	require.NoError(t, err)
	hist, err := signer.ParseLineageFile(b)
	require.NoError(t, err)
	other := keySHA256(t, "rsa-b")
	ps := map[string]*apkverify.Policy{
		"pin-other/package/version": {TrustedCertSHA256: []string{other}, Package: "dev.apktrust.other", MinVersionCode: 1 << 40},
		"history":                   {TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}, History: hist},
		"stamp/schemes/any-signer": {InsecureAcceptAnySigner: true, RequireSourceStamp: true,
			TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}, RequireSchemes: []signer.Scheme{signer.SchemeV2, signer.SchemeV31}},
		"frosting/debuggable": {InsecureAcceptAnySigner: true, AllowDebuggable: true, AllowTestOnly: true, RequireFrosting: true,
			AllowKnownKeyCategories: []string{signer.KnownKeyDebug}},
	}
	if own != "" {
		ps["pin-own"] = &apkverify.Policy{TrustedCertSHA256: []string{own}}
		ps["pin-own/other"] = &apkverify.Policy{TrustedCertSHA256: []string{other, own}, Package: "dev.apktrust.fixture", MinVersionCode: 7}
	}
	return ps
}

// TestEvaluateStoredResult stores the result of every committed fixture as
// JSON, reads it back and judges it again: Policy.Evaluate of the decoded
// result gives the verdict, trusted signer, violations and warnings of
// verification time, the encoding does not depend on the receiver, and
// decoding and encoding again changes no byte.
func TestEvaluateStoredResult(t *testing.T) {
	ctx := context.Background()
	judged, trusted, refused := 0, 0, 0
	for _, file := range storedFixtures(t) {
		name, _ := filepath.Rel(filepath.Join(repoRoot(), "testdata"), file)
		t.Run(name, func(t *testing.T) {
			plain, err := apkverify.VerifyFile(ctx, file, apkverify.Options{})
			var ae *signer.Error
			if errors.As(err, &ae) && errors.Is(err, apkverify.ErrManifest) {
				// No manifest to take the range from: verify a range.
				plain, err = apkverify.VerifyFile(ctx, file, apkverify.Options{MinSDK: 21})
			}
			if err != nil {
				// Not an APK at all (a container the reader refuses):
				// there is no result to store.
				require.ErrorIs(t, err, apkverify.ErrNotAPK)
				return
			}
			minSDK := 0
			if plain.ManifestError != "" || plain.Manifest == nil {
				minSDK = 21
			}
			own := ""
			if n := len(plain.Signers); n > 0 {
				own = plain.Signers[n-1].CertSHA256
			}
			// Without a policy, the stored result says "not asked".
			back := roundTrip(t, plain)
			assert.Nil(t, back.Policy)
			assert.False(t, back.Trusted)

			for pname, p := range evaluatePolicies(t, own) {
				require.NoError(t, p.Validate(), pname)
				res, err := apkverify.VerifyFile(ctx, file, apkverify.Options{MinSDK: minSDK, Policy: p})
				require.NoError(t, err, pname)
				require.NotNil(t, res.Policy, pname)
				before, err := json.Marshal(res)
				require.NoError(t, err)

				got := p.Evaluate(res)
				assert.Equal(t, *res.Policy, got, "%s: Evaluate of the live result", pname)
				after, err := json.Marshal(res)
				require.NoError(t, err)
				assert.Equal(t, string(before), string(after), "%s: Evaluate changed the result", pname)

				stored := roundTrip(t, res)
				require.NotNil(t, stored.Policy, pname)
				assert.Equal(t, res.Trusted, stored.Trusted, pname)
				got = p.Evaluate(stored)
				assert.Equal(t, *res.Policy, got, "%s: Evaluate of the stored result", pname)
				assert.Equal(t, res.Trusted, got.Trusted(), pname)
				// The same policy on the result stored without one.
				assert.Equal(t, *res.Policy, p.Evaluate(back), "%s: Evaluate of the result stored without a policy", pname)
				judged++
				if res.Trusted {
					trusted++
				} else {
					refused++
				}
			}
		})
	}
	t.Logf("%d stored results judged again (%d trusted, %d refused)", judged, trusted, refused)
	// Both verdicts are exercised, not only one.
	assert.Greater(t, trusted, 50)
	assert.Greater(t, refused, 200)
}

// roundTrip encodes res (through the pointer and the value alike),
// decodes it and checks that encoding the decoded result gives the same
// bytes and the same signing history.
func roundTrip(t *testing.T, res *apkverify.Result) *apkverify.Result {
	t.Helper()
	b, err := json.Marshal(res)
	require.NoError(t, err)
	byValue, err := json.Marshal(*res)
	require.NoError(t, err)
	require.Equal(t, string(b), string(byValue), "json.Marshal(*res) and json.Marshal(res) differ")

	var back apkverify.Result
	require.NoError(t, json.Unmarshal(b, &back))
	again, err := json.Marshal(&back)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(again))

	for i, s := range res.Signers {
		if s.Certificate != nil {
			require.NotNil(t, back.Signers[i].Certificate)
			assert.Equal(t, s.Certificate.Raw, back.Signers[i].Certificate.Raw)
		}
		assert.Equal(t, s.Lineage != nil, back.Signers[i].Lineage != nil)
	}
	if l := res.LineageOf(); l != nil {
		bl := back.LineageOf()
		require.NotNil(t, bl, "LineageOf lost")
		require.Len(t, bl.Nodes, len(l.Nodes))
		for i, n := range l.Nodes {
			assert.Equal(t, n.Certificate.SHA256, bl.Nodes[i].Certificate.SHA256)
			assert.Equal(t, n.Flags, bl.Nodes[i].Flags)
		}
	}
	return &back
}

// TestDecodeRefusesSwappedCertificate: a stored result whose certificate
// bytes are not the certificate its fingerprint names is refused, so a
// stored result cannot show one key and be judged as another.
func TestDecodeRefusesSwappedCertificate(t *testing.T) {
	a, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	b, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123-ec.apk"), apkverify.Options{})
	require.NoError(t, err)
	a.Signers[0].Certificate = b.Signers[0].Certificate
	j, err := json.Marshal(a)
	require.NoError(t, err)
	var back apkverify.Result
	require.ErrorContains(t, json.Unmarshal(j, &back), "not the certSha256")
}

// TestEvaluateInvalidPolicy: an invalid policy trusts nothing, and
// Validate says why, as Verify does.
func TestEvaluateInvalidPolicy(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	for name, p := range map[string]*apkverify.Policy{
		"bad fingerprint":         {TrustedCertSHA256: []string{"not hex"}},
		"stamp without cert":      {InsecureAcceptAnySigner: true, RequireSourceStamp: true},
		"stamp cert without rule": {InsecureAcceptAnySigner: true, TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
		"unknown scheme":          {InsecureAcceptAnySigner: true, RequireSchemes: []signer.Scheme{"v9"}},
		"unknown category":        {InsecureAcceptAnySigner: true, AllowKnownKeyCategories: []string{"nope"}},
	} {
		err := p.Validate()
		require.ErrorIs(t, err, apkverify.ErrInvalidOptions, name)
		_, verr := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"), apkverify.Options{Policy: p})
		require.ErrorIs(t, verr, apkverify.ErrInvalidOptions, name)
		pr := p.Evaluate(res)
		assert.False(t, pr.Trusted(), name)
		require.Len(t, pr.Violations, 1, name)
		assert.Equal(t, apkverify.PolicyInvalid, pr.Violations[0].Code, name)
		assert.Equal(t, err.Error(), pr.Violations[0].Message, name)
	}
	var none *apkverify.Policy
	require.ErrorIs(t, none.Validate(), apkverify.ErrInvalidOptions)
	pr := none.Evaluate(res)
	assert.False(t, pr.Trusted())
	assert.Equal(t, apkverify.PolicyInvalid, pr.Violations[0].Code)
}

// TestEvaluateStoredWithoutManifest: an APK whose AndroidManifest.xml is
// not binary XML, verified for a range below Android 8 (which needs no
// manifest fact), is judged again from its JSON with the
// same reason for POLICY_MANIFEST_UNAVAILABLE.
func TestEvaluateStoredWithoutManifest(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string]string{"AndroidManifest.xml": "<manifest/>", "classes.dex": "dex\n035\x00"} {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(data))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())

	p := &apkverify.Policy{InsecureAcceptAnySigner: true, Package: "dev.apktrust.fixture"}
	res, err := apkverify.Verify(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), apkverify.Options{MinSDK: 21, MaxSDK: 25, Policy: p})
	require.NoError(t, err)
	require.Nil(t, res.Manifest)
	require.NotEmpty(t, res.ManifestError)
	var codes []signer.Code
	for _, v := range res.Policy.Violations {
		codes = append(codes, v.Code)
		if v.Code == apkverify.PolicyManifestUnavailable {
			assert.Contains(t, v.Message, res.ManifestError)
		}
	}
	require.Contains(t, codes, apkverify.PolicyManifestUnavailable)

	stored := roundTrip(t, res)
	assert.Equal(t, res.ManifestError, stored.ManifestError)
	assert.Equal(t, *res.Policy, p.Evaluate(stored))
}

// TestSetJSONByValue: an install set encodes the same through a pointer
// and by value (the "trusted" key and the APKs' evidence included).
func TestSetJSONByValue(t *testing.T) {
	set, err := apkverify.VerifySetFiles(context.Background(), []string{filepath.Join(repoRoot(), "testdata", "sets", "ok.xapk")},
		apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}}})
	require.NoError(t, err)
	byPtr, err := json.Marshal(set)
	require.NoError(t, err)
	byValue, err := json.Marshal(*set)
	require.NoError(t, err)
	assert.Equal(t, string(byPtr), string(byValue))
	assert.Contains(t, string(byValue), `"trusted":true`)
	apk, err := json.Marshal(*set.Base)
	require.NoError(t, err)
	assert.Contains(t, string(apk), `"certDer":`)
}
