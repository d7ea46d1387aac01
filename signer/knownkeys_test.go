package signer_test

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/signer"
)

// Every entry of the built-in table is usable and says where it comes
// from; no fingerprint is listed twice.
func TestBuiltinKnownKeysAreSourced(t *testing.T) {
	keys := signer.BuiltinKnownKeys()
	require.NotEmpty(t, keys)
	seen := map[string]string{}
	categories := map[string]int{}
	for _, k := range keys {
		require.NotEmpty(t, strings.TrimSpace(k.Source), "entry %q has no source", k.Name)
		require.NotEmpty(t, k.Name)
		require.NoError(t, signer.CheckKnownKey(k))
		categories[k.Category]++
		for _, fp := range []string{k.CertSHA256, k.PublicKeySHA256} {
			if fp == "" {
				continue
			}
			require.Len(t, fp, 64)
			require.Empty(t, seen[fp], "%s listed by %q and %q", fp, seen[fp], k.Name)
			seen[fp] = k.Name
		}
	}
	require.Equal(t, 15, categories[signer.KnownKeyTestKey], "AOSP test keys")
	require.Equal(t, 10, categories[signer.KnownKeyLeakedPlatform], "APVI 2022 platform certificates")
}

// The AOSP certificates committed under testdata are found under their own
// name, by certificate and, for a re-issued certificate over the same key,
// by public key; the table's public-key hashes are those of the files.
func TestBuiltinKnownKeysFindAOSPCertificates(t *testing.T) {
	files, err := filepath.Glob("../testdata/knownkeys/aosp/*.x509.pem")
	require.NoError(t, err)
	require.Len(t, files, 13, "committed AOSP certificates")
	byName := map[string]signer.KnownKey{}
	for _, k := range signer.BuiltinKnownKeys() {
		byName[k.Name] = k
	}
	for _, f := range files {
		name := "AOSP " + strings.TrimSuffix(filepath.Base(f), ".x509.pem")
		t.Run(name, func(t *testing.T) {
			c := surfaceCert(t, f)
			m, ok := signer.LookupKnownKey(c)
			require.True(t, ok)
			require.Equal(t, signer.KnownKeyMatch{Name: name, Category: signer.KnownKeyTestKey, Source: byName[name].Source, MatchedBy: "certificate"}, m)
			spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
			require.Equal(t, hex.EncodeToString(spki[:]), byName[name].PublicKeySHA256)

			reissued := &signer.Certificate{SHA256: sha256.Sum256([]byte("another certificate")), RawSubjectPublicKeyInfo: c.RawSubjectPublicKeyInfo}
			m, ok = signer.LookupKnownKey(reissued)
			require.True(t, ok)
			require.Equal(t, name, m.Name)
			require.Equal(t, "public key", m.MatchedBy)
		})
	}
}

// The project's own test keys are not known keys; the debug fixture key is
// recognised by its subject only.
func TestKnownKeysSparesProjectKeys(t *testing.T) {
	files, err := filepath.Glob("../testdata/keys/*.x509.pem")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		_, ok := signer.LookupKnownKey(surfaceCert(t, f))
		require.False(t, ok, f)
	}
	m, ok := signer.LookupKnownKey(surfaceCert(t, "../testdata/knownkeys/android-debug.x509.pem"))
	require.True(t, ok)
	require.Equal(t, signer.KnownKeyDebug, m.Category)
	require.Equal(t, "subject", m.MatchedBy)
	require.Contains(t, m.Source, "CN=Android Debug,O=Android,C=US")
}

func TestKnownKeysDebugSubject(t *testing.T) {
	for subject, want := range map[string]bool{
		"CN=Android Debug,O=Android,C=US":            true,
		"C=US,O=Android,CN=Android Debug":            true,
		"O=Android,CN=Android Debug+C=US":            true,
		"CN=Android Debug,O=Android,C=DE":            false,
		"CN=Android Debug,OU=Android,O=Android,C=US": false,
		"CN=Android Debug,O=Android,C=US,C=US":       false,
		`CN=Android Debug\,O=Android,C=US`:           false,
		"CN=Android,O=Android,C=US":                  false,
		"":                                           false,
	} {
		_, got := signer.LookupKnownKey(&signer.Certificate{Subject: subject})
		require.Equal(t, want, got, subject)
	}
	_, ok := signer.LookupKnownKey(nil)
	require.False(t, ok)
}

// A user's entries win over the built-in ones and match by either hash.
func TestKnownKeySetUserEntries(t *testing.T) {
	c := surfaceCert(t, "../testdata/keys/rsa-a.x509.pem")
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	testkey := surfaceCert(t, "../testdata/knownkeys/aosp/testkey.x509.pem")
	user := []signer.KnownKey{
		{CertSHA256: strings.ToUpper(c.SHA256Hex()), Name: "our revoked key", Category: signer.KnownKeyLeakedPlatform, Source: "incident 42"},
		{PublicKeySHA256: hex.EncodeToString(spki[:]), Name: "never used", Category: signer.KnownKeyTestKey, Source: "x"},
		{CertSHA256: testkey.SHA256Hex(), Name: "lab key", Category: signer.KnownKeyTestKey, Source: "our lab"},
	}
	set, err := signer.NewKnownKeySet(user, signer.BuiltinKnownKeys())
	require.NoError(t, err)
	m, ok := set.Lookup(c)
	require.True(t, ok)
	require.Equal(t, signer.KnownKeyMatch{Name: "our revoked key", Category: signer.KnownKeyLeakedPlatform, Source: "incident 42", MatchedBy: "certificate"}, m)
	m, _ = set.Lookup(testkey)
	require.Equal(t, "lab key", m.Name)

	_, err = signer.NewKnownKeySet([]signer.KnownKey{{CertSHA256: c.SHA256Hex(), Name: "no source", Category: signer.KnownKeyTestKey}})
	require.ErrorIs(t, err, signer.CodeKnownKeys)
}

func TestParseKnownKeys(t *testing.T) {
	const fp = "a40da80a59d170caa950cf15c18c454d47a39b26989d8b640ecd745ba71bf5dc"
	entry := func(fields string) string {
		return `{"format":"apktrust-known-keys/1","keys":[{` + fields + `}]}`
	}
	keys, err := signer.ParseKnownKeys([]byte(entry(`"certSha256":"` + strings.ToUpper(fp[:2]) + ":" + fp[2:] + `","name":"n","category":"test-key","source":"s"`)))
	require.NoError(t, err)
	require.Equal(t, []signer.KnownKey{{CertSHA256: fp, Name: "n", Category: "test-key", Source: "s"}}, keys)

	for name, data := range map[string]string{
		"no source":      entry(`"certSha256":"` + fp + `","name":"n","category":"test-key"`),
		"blank source":   entry(`"certSha256":"` + fp + `","name":"n","category":"test-key","source":"  "`),
		"no name":        entry(`"certSha256":"` + fp + `","category":"test-key","source":"s"`),
		"bad category":   entry(`"certSha256":"` + fp + `","name":"n","category":"evil","source":"s"`),
		"no fingerprint": entry(`"name":"n","category":"test-key","source":"s"`),
		"short hash":     entry(`"certSha256":"a40da80a","name":"n","category":"test-key","source":"s"`),
		"not hex":        entry(`"publicKeySha256":"` + strings.Repeat("zz", 32) + `","name":"n","category":"test-key","source":"s"`),
		"unknown field":  entry(`"certSha256":"` + fp + `","name":"n","category":"test-key","source":"s","sha1":"x"`),
		"wrong format":   `{"format":"other/1","keys":[]}`,
		"no format":      `{"keys":[]}`,
		"not JSON":       `certSha256=` + fp,
		"trailing data":  `{"format":"apktrust-known-keys/1","keys":[]} {}`,
		"too large":      `{"format":"apktrust-known-keys/1","keys":[],"note":"` + strings.Repeat("x", 5<<20) + `"}`,
	} {
		_, err := signer.ParseKnownKeys([]byte(data))
		require.ErrorIs(t, err, signer.CodeKnownKeys, name)
	}
}

// Subjects print an emailAddress attribute decoded, as openssl does.
func TestCertificateSubjectEmailAddress(t *testing.T) {
	c := surfaceCert(t, "../testdata/knownkeys/aosp/testkey.x509.pem")
	require.Equal(t, "CN=Android,OU=Android,O=Android,L=Mountain View,ST=California,C=US,emailAddress=android@android.com", c.Subject)
	require.Equal(t, c.Subject, c.Issuer)
}

func FuzzParseKnownKeys(f *testing.F) {
	b, err := os.ReadFile("knownkeys.json")
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte(`{"format":"apktrust-known-keys/1","keys":[{"publicKeySha256":"` + strings.Repeat("ab", 32) + `","name":"n","category":"debug","source":"s"}]}`))
	f.Add([]byte(`{"format":"apktrust-known-keys/1","keys":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := signer.ParseKnownKeys(data)
		if err != nil {
			require.ErrorIs(t, err, signer.CodeKnownKeys)
			return
		}
		// Whatever parses is usable as is.
		_, err = signer.NewKnownKeySet(keys)
		require.NoError(t, err)
		for _, k := range keys {
			require.NoError(t, signer.CheckKnownKey(k))
		}
	})
}

// The AOSP private keys committed to sign fixtures belong to the committed
// certificates.
func TestAOSPPrivateKeysMatchCertificates(t *testing.T) {
	for _, name := range []string{"testkey", "platform"} {
		b, err := os.ReadFile("../testdata/knownkeys/aosp/" + name + ".pk8")
		require.NoError(t, err, "committed fixture missing")
		key, err := x509.ParsePKCS8PrivateKey(b)
		require.NoError(t, err)
		pub, err := x509.MarshalPKIXPublicKey(key.(crypto.Signer).Public())
		require.NoError(t, err)
		c := surfaceCert(t, "../testdata/knownkeys/aosp/"+name+".x509.pem")
		require.Equal(t, c.RawSubjectPublicKeyInfo, pub, name)
	}
}
