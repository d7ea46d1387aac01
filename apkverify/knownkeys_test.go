package apkverify_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// knownKeysFixture returns a committed fixture of testdata/knownkeys
// (made by make-knownkeys.sh); a missing one fails the test.
func knownKeysFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "testdata", "knownkeys", name)
	require.FileExists(t, p, "committed fixture (testdata/make-knownkeys.sh)")
	return p
}

// debugCertSHA256 is the certificate SHA-256 of testdata/knownkeys/android-debug.
func debugCertSHA256(t testing.TB) string {
	t.Helper()
	res, err := apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "debug-min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.NotEmpty(t, res.Signers)
	return res.Signers[0].CertSHA256
}

// allowTestKeys makes a policy accept the AOSP test key, which signs some
// apksig corpus APKs that policy tests use for other rules.
func allowTestKeys(p func(t *testing.T) *apkverify.Policy) func(t *testing.T) *apkverify.Policy {
	return func(t *testing.T) *apkverify.Policy {
		q := p(t)
		q.AllowKnownKeyCategories = []string{signer.KnownKeyTestKey}
		return q
	}
}

func pins(fp string) []string {
	if fp == "" {
		return nil
	}
	return []string{fp}
}

// knownKeyWarnings lists the codes of the warnings that name known keys.
func knownKeyWarnings(res *apkverify.Result) []signer.Code {
	var codes []signer.Code
	for _, w := range res.Warnings {
		switch w.Code {
		case apkverify.CodeKnownTestKey, apkverify.CodeKnownLeakedKey, apkverify.CodeDebugCertificate, apkverify.CodeSystemSharedUserID:
			codes = append(codes, w.Code)
		}
	}
	return codes
}

func warning(t *testing.T, res *apkverify.Result, code signer.Code) string {
	t.Helper()
	for _, w := range res.Warnings {
		if w.Code == code {
			return w.Message
		}
	}
	t.Fatalf("no %s warning in %v", code, res.Warnings)
	return ""
}

// The AOSP Calculator built with the test key: the file verifies, and the
// result says plainly that anyone could have signed it.
func TestKnownKeysRealWorldTestKey(t *testing.T) {
	file := realWorldAPK(t, "aosp-com.android.calculator2_19-testkey.apk")
	res, err := apkverify.VerifyFile(context.Background(), file, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, []signer.Code{apkverify.CodeKnownTestKey}, knownKeyWarnings(res))
	msg := warning(t, res, apkverify.CodeKnownTestKey)
	require.True(t, strings.HasPrefix(msg, "signed with the AOSP testkey (the v1 signer for API 19+): anyone can sign with it"), msg)
	require.Contains(t, msg, "testkey.x509.pem")
	require.Len(t, res.Signers, 1)
	require.Equal(t, &signer.KnownKeyMatch{Name: "AOSP testkey", Category: signer.KnownKeyTestKey,
		Source: res.Signers[0].Known.Source, MatchedBy: "certificate"}, res.Signers[0].Known)
	require.Contains(t, res.Signers[0].Subject, "emailAddress=android@android.com")

	b, err := json.Marshal(res)
	require.NoError(t, err)
	var j struct {
		Signers []struct {
			Known map[string]string `json:"known"`
		} `json:"signers"`
	}
	require.NoError(t, json.Unmarshal(b, &j))
	require.Equal(t, "AOSP testkey", j.Signers[0].Known["name"])
	require.Equal(t, "test-key", j.Signers[0].Known["category"])
	require.Contains(t, j.Signers[0].Known["source"], "build/make/target/product/security/testkey.x509.pem")
}

func TestKnownKeysDebugCertificate(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "debug-min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, []signer.Code{apkverify.CodeDebugCertificate}, knownKeyWarnings(res), "one warning for the one key, although it signs v1, v2 and v3")
	require.True(t, strings.HasPrefix(warning(t, res, apkverify.CodeDebugCertificate), "signed with the Android debug certificate"))
	for _, s := range res.Signers {
		require.NotNil(t, s.Known, s.Scheme)
		require.Equal(t, signer.KnownKeyDebug, s.Known.Category)
		require.Equal(t, "subject", s.Known.MatchedBy)
	}

	// A stored result keeps what was found.
	b, err := json.Marshal(res)
	require.NoError(t, err)
	require.Contains(t, string(b), `"known":{"name":"Android debug certificate","category":"debug"`)
	require.Contains(t, string(b), `"sourceStamp":{"present":false`)
	var back apkverify.Result
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, res.Signers[0].Known, back.Signers[0].Known)
	b2, err := json.Marshal(&back)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(b2))
}

// The old key of a proof-of-rotation is looked up too: the lineage node
// says it is a debug key, while the new key (v3) is not known.
func TestKnownKeysLineageNode(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "debug-rotated-to-rsa-a.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Len(t, res.Lineage, 2)
	require.NotNil(t, res.Lineage[0].Known)
	require.Equal(t, signer.KnownKeyDebug, res.Lineage[0].Known.Category)
	require.Nil(t, res.Lineage[1].Known)
	for _, s := range res.Signers {
		require.Equal(t, s.Scheme != signer.SchemeV3, s.Known != nil, "%s signer %s", s.Scheme, s.CertSHA256)
	}
	require.Equal(t, []signer.Code{apkverify.CodeDebugCertificate}, knownKeyWarnings(res))
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var j struct {
		Lineage []struct {
			Known *signer.KnownKeyMatch `json:"known"`
		} `json:"lineage"`
	}
	require.NoError(t, json.Unmarshal(b, &j))
	require.Equal(t, res.Lineage[0].Known, j.Lineage[0].Known)
	require.Nil(t, j.Lineage[1].Known)
	require.NotContains(t, string(b), `"known":{}`)

	// With only API 28+ checked, v3 (the new key) is the only signer, and
	// the debug key is reported as the lineage node it is.
	res, err = apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "debug-rotated-to-rsa-a.apk"), apkverify.Options{MinSDK: 28})
	require.NoError(t, err)
	require.Len(t, res.Signers, 1)
	require.Nil(t, res.Signers[0].Known)
	require.Contains(t, warning(t, res, apkverify.CodeDebugCertificate), "(certificate 1 of 2 of the proof-of-rotation)")
}

// android:sharedUserId="android.uid.system" is reported with what it asks
// for; signed with a leaked platform key, the warning says it is the attack.
func TestKnownKeysSystemSharedUID(t *testing.T) {
	file := knownKeysFixture(t, "debug-shareduid-system-v123.apk")
	res, err := apkverify.VerifyFile(context.Background(), file, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, "android.uid.system", res.Manifest.SharedUserID)
	require.Equal(t, []signer.Code{apkverify.CodeDebugCertificate, apkverify.CodeSystemSharedUserID}, knownKeyWarnings(res))
	msg := warning(t, res, apkverify.CodeSystemSharedUserID)
	require.Contains(t, msg, "UID 1000")
	require.Contains(t, msg, "platform key")
	require.NotContains(t, msg, "attack")

	// Say the debug key were a vendor's leaked platform key.
	leaked := []signer.KnownKey{{CertSHA256: debugCertSHA256(t), Name: "Example OEM platform (leaked)",
		Category: signer.KnownKeyLeakedPlatform, Source: "test"}}
	res, err = apkverify.VerifyFile(context.Background(), file, apkverify.Options{KnownKeys: leaked})
	require.NoError(t, err)
	require.Equal(t, []signer.Code{apkverify.CodeKnownLeakedKey, apkverify.CodeSystemSharedUserID}, knownKeyWarnings(res))
	require.Contains(t, warning(t, res, apkverify.CodeKnownLeakedKey), "signed with the Example OEM platform (leaked)")
	msg = warning(t, res, apkverify.CodeSystemSharedUserID)
	require.Contains(t, msg, "signed with the Example OEM platform (leaked), a leaked platform key: this is the attack itself")

	// Or a public test key: dangerous on devices built with the test keys.
	test := []signer.KnownKey{{CertSHA256: debugCertSHA256(t), Name: "Example test key", Category: signer.KnownKeyTestKey, Source: "test"}}
	res, err = apkverify.VerifyFile(context.Background(), file, apkverify.Options{KnownKeys: test})
	require.NoError(t, err)
	msg = warning(t, res, apkverify.CodeSystemSharedUserID)
	require.Contains(t, msg, "signed with the Example test key, a public test key: on a device whose system image is signed with the AOSP test keys")
	require.NotContains(t, msg, "attack")
}

// Under a policy a known signer is a violation even when pinned, unless
// the policy allows its category.
func TestKnownKeysPolicy(t *testing.T) {
	debugFP := debugCertSHA256(t)
	rsaA := keySHA256(t, "rsa-a")
	internal := []signer.KnownKey{{CertSHA256: rsaA, Name: "internal CI key", Category: signer.KnownKeyTestKey, Source: "ci/keys/README"}}
	for _, tc := range []struct {
		name      string
		file      string
		pin       string
		allow     []string
		known     []signer.KnownKey
		violation bool
		warning   signer.Code
	}{
		{"pinned debug key", knownKeysFixture(t, "debug-min21-v123.apk"), debugFP, nil, nil, true, apkverify.CodeDebugCertificate},
		{"pinned debug key, test keys allowed", knownKeysFixture(t, "debug-min21-v123.apk"), debugFP, []string{signer.KnownKeyTestKey}, nil, true, apkverify.CodeDebugCertificate},
		{"pinned debug key, debug allowed", knownKeysFixture(t, "debug-min21-v123.apk"), debugFP, []string{signer.KnownKeyDebug}, nil, false, apkverify.CodeDebugCertificate},
		{"old key of the rotation is debug, new key pinned", knownKeysFixture(t, "debug-rotated-to-rsa-a.apk"), rsaA, nil, nil, true, apkverify.CodeDebugCertificate},
		{"user entry, pinned", fixture(t, "min21-v123.apk"), rsaA, nil, internal, true, apkverify.CodeKnownTestKey},
		{"user entry, category allowed", fixture(t, "min21-v123.apk"), rsaA, []string{signer.KnownKeyTestKey}, internal, false, apkverify.CodeKnownTestKey},
		{"no entry", fixture(t, "min21-v123.apk"), rsaA, nil, nil, false, ""},
		{"pinned AOSP testkey", knownKeysFixture(t, "aosp-testkey-min21-v123.apk"), aospTestKey, nil, nil, true, apkverify.CodeKnownTestKey},
		{"pinned AOSP testkey, test keys allowed", knownKeysFixture(t, "aosp-testkey-min21-v123.apk"), aospTestKey, []string{signer.KnownKeyTestKey}, nil, false, apkverify.CodeKnownTestKey},
		{"pinned AOSP testkey, any signer, debug allowed", knownKeysFixture(t, "aosp-testkey-min21-v123.apk"), "", []string{signer.KnownKeyDebug}, nil, true, apkverify.CodeKnownTestKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(context.Background(), tc.file, apkverify.Options{
				KnownKeys: tc.known,
				Policy: &apkverify.Policy{TrustedCertSHA256: pins(tc.pin), InsecureAcceptAnySigner: tc.pin == "",
					AllowKnownKeyCategories: tc.allow},
			})
			require.NoError(t, err)
			require.True(t, res.Verified)
			var codes []signer.Code
			for _, v := range res.Policy.Violations {
				codes = append(codes, v.Code)
			}
			if tc.violation {
				require.Equal(t, []signer.Code{apkverify.PolicyKnownKey}, codes)
				require.False(t, res.Trusted)
				require.ErrorIs(t, res.Err(), apkverify.ErrUntrusted)
			} else {
				require.Empty(t, codes)
				require.True(t, res.Trusted)
			}
			if tc.warning != "" {
				require.Contains(t, knownKeyWarnings(res), tc.warning, "allowed or not, the warning stays")
			} else {
				require.Empty(t, knownKeyWarnings(res))
			}
		})
	}

	t.Run("AOSP testkey pinned", func(t *testing.T) {
		file := realWorldAPK(t, "aosp-com.android.calculator2_19-testkey.apk")
		res, err := apkverify.VerifyFile(context.Background(), file, apkverify.Options{
			Policy: &apkverify.Policy{TrustedCertSHA256: []string{aospTestKey}}})
		require.NoError(t, err)
		require.Len(t, res.Policy.Violations, 1)
		require.Equal(t, apkverify.PolicyKnownKey, res.Policy.Violations[0].Code)
		require.Contains(t, res.Policy.Violations[0].Message, "signed with AOSP testkey")
	})
}

func TestKnownKeysInvalidOptions(t *testing.T) {
	file := knownKeysFixture(t, "debug-min21-v123.apk")
	for name, opts := range map[string]apkverify.Options{
		"entry without source": {KnownKeys: []signer.KnownKey{{CertSHA256: aospTestKey, Name: "x", Category: signer.KnownKeyTestKey}}},
		"entry without hash":   {KnownKeys: []signer.KnownKey{{Name: "x", Category: signer.KnownKeyTestKey, Source: "s"}}},
		"unknown category":     {Policy: &apkverify.Policy{InsecureAcceptAnySigner: true, AllowKnownKeyCategories: []string{"test-keys"}}},
	} {
		_, err := apkverify.VerifyFile(context.Background(), file, opts)
		require.ErrorIs(t, err, apkverify.ErrInvalidOptions, name)
	}
}

// signedWithKnownKeys are the corpus files whose signer is a known key
// (apksigner prints the same certificate SHA-256 as the table).
var signedWithKnownKeys = map[string]string{
	"aosp-com.android.calculator2_19-testkey.apk": "AOSP testkey",
	"debuggable-boolean.apk":                      "AOSP testkey", // apksig's test APKs built with the platform's test key
	"debuggable-resource.apk":                     "AOSP testkey",
}

// No false positive: no certificate of the apksig corpus, the real-world
// corpus or the project's fixtures is a known key, whether or not its
// scheme verified, except the files above, which are (true positives).
func TestKnownKeysNoFalsePositives(t *testing.T) {
	var files []string
	for _, pattern := range []string{
		filepath.Join(repoRoot(), "testdata", "apk", "*.apk"),
		filepath.Join(conformance.Dir(t), "*.apk"),
		filepath.Join(conformance.RealWorldDir(t), "*.apk"),
	} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		require.NotEmpty(t, m, pattern)
		files = append(files, m...)
	}
	checked, found, certs := 0, 0, map[[32]byte]bool{}
	for _, f := range files {
		res, err := apkverify.VerifyFile(context.Background(), f, apkverify.Options{})
		if err != nil {
			continue // not an APK, no manifest: nothing to look up
		}
		var known []string
		for _, s := range res.Signers {
			if s.Known != nil {
				known = append(known, s.Known.Name)
			}
		}
		if name, ok := signedWithKnownKeys[filepath.Base(f)]; ok {
			found++
			require.Contains(t, knownKeyWarnings(res), apkverify.CodeKnownTestKey, f)
			require.Contains(t, known, name, f)
			continue
		}
		checked++
		require.Empty(t, known, f)
		var codes []signer.Code
		for _, c := range knownKeyWarnings(res) {
			if c != apkverify.CodeSystemSharedUserID {
				codes = append(codes, c)
			}
		}
		require.Empty(t, codes, f)
		for _, sr := range res.SchemeResults {
			for _, s := range sr.Signers {
				if c := s.Cert(); c != nil {
					certs[c.SHA256] = true
					_, ok := signer.LookupKnownKey(c)
					require.False(t, ok, "%s: %s", f, c.SHA256Hex())
				}
			}
		}
		if st := res.SourceStamp; st != nil && st.Certificate != nil {
			certs[st.Certificate.SHA256] = true
			_, ok := signer.LookupKnownKey(st.Certificate)
			require.False(t, ok, f)
		}
	}
	require.Equal(t, len(signedWithKnownKeys), found)
	require.Greater(t, checked, 100)
	t.Logf("no known key among %d certificates of %d files; %d files signed with a known key found as such", len(certs), checked, found)
}

// The networkstack module asks for its system shared UID and says so;
// its signer (Google's) is no known key.
func TestKnownKeysSharedUIDRealWorld(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), realWorldAPK(t, "google-networkstack_210000000.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.Equal(t, []signer.Code{apkverify.CodeSystemSharedUserID}, knownKeyWarnings(res))
	require.Contains(t, warning(t, res, apkverify.CodeSystemSharedUserID), `android:sharedUserId="android.uid.networkstack": to run as UID 1073`)
}

// The source stamp certificate is looked up too; the stamp object in the
// JSON says what it is.
func TestKnownKeysStampCertificate(t *testing.T) {
	file := realWorldAPK(t, "play-reasily-base.apk")
	stamp := []signer.KnownKey{{CertSHA256: apkverify.PlayStoreStampCertSHA256, Name: "stamp key under test",
		Category: signer.KnownKeyTestKey, Source: "test"}}
	res, err := apkverify.VerifyFile(context.Background(), file, apkverify.Options{KnownKeys: stamp})
	require.NoError(t, err)
	require.True(t, res.SourceStamp.Verified)
	require.Equal(t, []signer.Code{apkverify.CodeKnownTestKey}, knownKeyWarnings(res))
	require.Contains(t, warning(t, res, apkverify.CodeKnownTestKey), "(the source stamp)")
	require.Equal(t, "stamp key under test", res.SourceStampKnown().Name)

	b, err := json.Marshal(res)
	require.NoError(t, err)
	var j struct {
		SourceStamp struct {
			Known *signer.KnownKeyMatch `json:"known"`
		} `json:"sourceStamp"`
	}
	require.NoError(t, json.Unmarshal(b, &j))
	require.Equal(t, res.SourceStampKnown(), j.SourceStamp.Known)
	var back apkverify.Result
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, res.SourceStampKnown(), back.SourceStampKnown())

	// Without the entry the Play stamp is no known key: "known" is null.
	res, err = apkverify.VerifyFile(context.Background(), file, apkverify.Options{})
	require.NoError(t, err)
	require.Nil(t, res.SourceStampKnown())
	b, err = json.Marshal(res)
	require.NoError(t, err)
	require.Contains(t, string(b), `"known":null`)
}

// APKs signed with AOSP's published test keys are named after the key.
func TestKnownKeysAOSPFixtures(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "aosp-testkey-min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, []signer.Code{apkverify.CodeKnownTestKey}, knownKeyWarnings(res))
	require.Len(t, res.Signers, 3)
	for _, s := range res.Signers {
		require.Equal(t, "AOSP testkey", s.Known.Name, s.Scheme)
		require.Equal(t, aospTestKey, s.CertSHA256)
	}

	// The platform key with android.uid.system: what devices built with the
	// AOSP test keys (emulators, some ROMs) would run as system.
	res, err = apkverify.VerifyFile(context.Background(), knownKeysFixture(t, "aosp-platform-shareduid-system-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, []signer.Code{apkverify.CodeKnownTestKey, apkverify.CodeSystemSharedUserID}, knownKeyWarnings(res))
	require.True(t, strings.HasPrefix(warning(t, res, apkverify.CodeKnownTestKey), "signed with the AOSP platform (the v1 signer for API 21-23): anyone can sign with it"))
	require.Equal(t, "c8a2e9bccf597c2fb6dc66bee293fc13f2fc47ec77bc6b2b0d52c11f51192ab8", res.Signers[0].CertSHA256)
	msg := warning(t, res, apkverify.CodeSystemSharedUserID)
	require.Contains(t, msg, `android:sharedUserId="android.uid.system": to run as UID 1000`)
	require.Contains(t, msg, "signed with the AOSP platform, a public test key")
}

// The attacker holding a known key's private half re-issues a certificate
// over it with an innocent subject: the public key gives it away.
func TestKnownKeysReissuedCertificate(t *testing.T) {
	tool, err := exec.LookPath("apksigner")
	if err != nil {
		t.Skip("apksigner not installed")
	}
	b, err := os.ReadFile(knownKeysFixture(t, "aosp/testkey.pk8"))
	require.NoError(t, err)
	key, err := x509.ParsePKCS8PrivateKey(b)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(20),
		Subject:      pkix.Name{CommonName: "Totally Legit Apps Ltd", Country: []string{"GB"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2056, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	priv := key.(crypto.Signer)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	require.NoError(t, err)
	dir := t.TempDir()
	cert := filepath.Join(dir, "reissued.x509.pem")
	require.NoError(t, os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	out := filepath.Join(dir, "reissued.apk")
	cmd := exec.Command(tool, "sign", "--key", knownKeysFixture(t, "aosp/testkey.pk8"), "--cert", cert,
		"--out", out, fixture(t, "unsigned-min21.apk"))
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)

	res, err := apkverify.VerifyFile(context.Background(), out, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.NotEqual(t, aospTestKey, res.Signers[0].CertSHA256)
	require.Equal(t, []signer.Code{apkverify.CodeKnownTestKey}, knownKeyWarnings(res))
	require.Equal(t, "public key", res.Signers[0].Known.MatchedBy)
	require.Contains(t, warning(t, res, apkverify.CodeKnownTestKey), "signed with the AOSP testkey (same public key, different certificate)")
}

// The signer preview builds use is looked up too, and held to the policy:
// here a v3.1 signer for previews of Android 13 (SDK 32) by a key the
// caller lists as an internal test key.
func TestKnownKeysDevReleaseSigner(t *testing.T) {
	ka, kc := loadKey(t, "rsa-a"), loadKey(t, "rsa-c")
	base := splitAPK(t, readFile(t, fixture(t, "min28-v123.apk")))
	rec, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	d := rec.digests
	apk := base.build([]sbPair{
		{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK))},
		{scheme.BlockIDV31, makeBlock(kc.signRecord(t, true, d, 24, 32), ka.signRecord(t, true, d, 33, maxSDK))},
	})
	opts := pinOpts(t, 0, "rsa-a", "rsa-c")
	res := verifyBytes(t, apk, opts)
	require.True(t, res.Trusted, "both keys pinned: %v", res.Policy.Violations)

	opts.KnownKeys = []signer.KnownKey{{CertSHA256: keySHA256(t, "rsa-c"), Name: "lab key C", Category: signer.KnownKeyTestKey, Source: "test"}}
	res = verifyBytes(t, apk, opts)
	require.Len(t, res.DevReleaseSigners, 1)
	require.Equal(t, "lab key C", res.DevReleaseSigners[0].Known.Name)
	for _, s := range res.Signers {
		require.Nil(t, s.Known)
	}
	require.Contains(t, warning(t, res, apkverify.CodeKnownTestKey), "signed with lab key C (the v31 signer for preview builds of API 32)")
	require.False(t, res.Trusted)
	require.Len(t, res.Policy.Violations, 1)
	require.Equal(t, apkverify.PolicyKnownKey, res.Policy.Violations[0].Code)
}
