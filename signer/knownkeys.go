package signer

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// Known key categories. A certificate in one of them proves nothing about
// who built a file: the private key is public, leaked, or made on any
// developer's machine.
const (
	// KnownKeyTestKey: a key whose private half is published, like the
	// AOSP test keys in build/make/target/product/security.
	KnownKeyTestKey = "test-key"
	// KnownKeyLeakedPlatform: an OEM platform key that leaked and signed
	// malware. Apps signed with it can run as android.uid.system on that
	// vendor's devices.
	KnownKeyLeakedPlatform = "leaked-platform-key"
	// KnownKeyDebug: a debug certificate, generated per machine by the
	// Android SDK (CN=Android Debug, O=Android, C=US).
	KnownKeyDebug = "debug"
)

// KnownKeyFormat is the "format" value of a known-keys file.
const KnownKeyFormat = "apktrust-known-keys/1"

// KnownKey is one entry of a known-keys table: a signing key anyone can
// use, with the fact's source. It matches a certificate by the SHA-256 of
// the certificate, or by the SHA-256 of its DER SubjectPublicKeyInfo (the
// "public key SHA-256 digest" apksigner prints), which also catches a
// certificate re-issued over the same key. At least one of the two is set.
type KnownKey struct {
	CertSHA256      string `json:"certSha256,omitempty"`
	PublicKeySHA256 string `json:"publicKeySha256,omitempty"`
	// Name says which key it is ("AOSP testkey").
	Name string `json:"name"`
	// Category is KnownKeyTestKey, KnownKeyLeakedPlatform or KnownKeyDebug.
	Category string `json:"category"`
	// Source is where the fact comes from: file path or advisory URL, and
	// its date.
	Source string `json:"source"`
}

// KnownKeyMatch is a certificate found among the known keys.
type KnownKeyMatch struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Source   string `json:"source"`
	// MatchedBy is "certificate", "public key" or "subject".
	MatchedBy string `json:"matchedBy"`
}

// knownKeysFile is the data file format.
type knownKeysFile struct {
	Format string     `json:"format"`
	Note   string     `json:"note,omitempty"`
	Keys   []KnownKey `json:"keys"`
}

// maxKnownKeysFile bounds a known-keys file: the built-in table is a few
// kilobytes, and a user's list of revoked keys is not megabytes.
const maxKnownKeysFile = 4 << 20

//go:embed knownkeys.json
var builtinKnownKeysJSON []byte

var builtinKnownKeys = sync.OnceValue(func() []KnownKey {
	keys, err := ParseKnownKeys(builtinKnownKeysJSON)
	if err != nil {
		// The table is part of the source tree and tested.
		panic(err)
	}
	return keys
})

// BuiltinKnownKeys returns a copy of the table embedded in this package:
// the AOSP test keys and the platform certificates disclosed as leaked by
// the Android Partner Vulnerability Initiative, each with its source.
// Debug certificates are recognised by subject instead (LookupKnownKey).
func BuiltinKnownKeys() []KnownKey {
	return append([]KnownKey(nil), builtinKnownKeys()...)
}

// ParseKnownKeys reads a known-keys file: a JSON object with "format"
// (KnownKeyFormat) and "keys", a list of KnownKey. Fingerprints are
// normalised to lowercase hex; every entry is checked with CheckKnownKey.
func ParseKnownKeys(data []byte) ([]KnownKey, error) {
	if len(data) > maxKnownKeysFile {
		return nil, &Error{Code: CodeKnownKeys, Msg: fmt.Sprintf("file of %d bytes exceeds %d", len(data), maxKnownKeysFile)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f knownKeysFile
	if err := dec.Decode(&f); err != nil {
		return nil, &Error{Code: CodeKnownKeys, Msg: "not a known-keys JSON file", Err: err}
	}
	if dec.More() {
		return nil, &Error{Code: CodeKnownKeys, Msg: "data after the JSON object"}
	}
	if f.Format != KnownKeyFormat {
		return nil, &Error{Code: CodeKnownKeys, Msg: fmt.Sprintf("format is %q, want %q", f.Format, KnownKeyFormat)}
	}
	out := make([]KnownKey, 0, len(f.Keys))
	for i, k := range f.Keys {
		k, err := normaliseKnownKey(k)
		if err != nil {
			return nil, &Error{Code: CodeKnownKeys, Msg: fmt.Sprintf("entry %d (%q)", i+1, k.Name), Err: err}
		}
		out = append(out, k)
	}
	return out, nil
}

// CheckKnownKey reports why an entry cannot be used: no name, an unknown
// category, no source, or neither fingerprint a SHA-256.
func CheckKnownKey(k KnownKey) error {
	_, err := normaliseKnownKey(k)
	if err != nil {
		return &Error{Code: CodeKnownKeys, Msg: fmt.Sprintf("entry %q", k.Name), Err: err}
	}
	return nil
}

func normaliseKnownKey(k KnownKey) (KnownKey, error) {
	switch {
	case strings.TrimSpace(k.Name) == "":
		return k, fmt.Errorf("no name")
	case k.Category != KnownKeyTestKey && k.Category != KnownKeyLeakedPlatform && k.Category != KnownKeyDebug:
		return k, fmt.Errorf("category %q is not %s, %s or %s", k.Category, KnownKeyTestKey, KnownKeyLeakedPlatform, KnownKeyDebug)
	case strings.TrimSpace(k.Source) == "":
		return k, fmt.Errorf("no source: every entry says where the fact comes from")
	case k.CertSHA256 == "" && k.PublicKeySHA256 == "":
		return k, fmt.Errorf("neither certSha256 nor publicKeySha256")
	}
	for _, fp := range []*string{&k.CertSHA256, &k.PublicKeySHA256} {
		if *fp == "" {
			continue
		}
		b, ok := parseSHA256(*fp)
		if !ok {
			return k, fmt.Errorf("%q is not a SHA-256 fingerprint (64 hex digits)", *fp)
		}
		*fp = hex.EncodeToString(b[:])
	}
	return k, nil
}

// parseSHA256 accepts plain hex or keytool's colon-separated form.
func parseSHA256(s string) ([32]byte, bool) {
	var out [32]byte
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil || len(b) != len(out) {
		return out, false
	}
	copy(out[:], b)
	return out, true
}

// KnownKeySet looks certificates up in known-keys tables.
type KnownKeySet struct {
	byCert, byKey map[[32]byte]KnownKey
}

// NewKnownKeySet indexes tables, earlier entries winning over later ones
// for the same fingerprint (put a user's own entries first). Entries are
// checked with CheckKnownKey.
func NewKnownKeySet(tables ...[]KnownKey) (*KnownKeySet, error) {
	s := &KnownKeySet{byCert: map[[32]byte]KnownKey{}, byKey: map[[32]byte]KnownKey{}}
	for _, t := range tables {
		for _, k := range t {
			k, err := normaliseKnownKey(k)
			if err != nil {
				return nil, &Error{Code: CodeKnownKeys, Msg: fmt.Sprintf("entry %q", k.Name), Err: err}
			}
			add := func(m map[[32]byte]KnownKey, fp string) {
				if b, ok := parseSHA256(fp); ok {
					if _, dup := m[b]; !dup {
						m[b] = k
					}
				}
			}
			add(s.byCert, k.CertSHA256)
			add(s.byKey, k.PublicKeySHA256)
		}
	}
	return s, nil
}

var builtinKnownKeySet = sync.OnceValue(func() *KnownKeySet {
	s, err := NewKnownKeySet(builtinKnownKeys())
	if err != nil {
		panic(err)
	}
	return s
})

// LookupKnownKey looks c up in the built-in table; see KnownKeySet.Lookup.
func LookupKnownKey(c *Certificate) (KnownKeyMatch, bool) {
	return builtinKnownKeySet().Lookup(c)
}

// Lookup finds c by certificate SHA-256, then by public-key SHA-256, then
// by the debug-certificate subject (CN=Android Debug, O=Android, C=US, in
// any order, nothing else), which the Android SDK gives every debug key it
// generates. A nil set has only the subject rule.
func (s *KnownKeySet) Lookup(c *Certificate) (KnownKeyMatch, bool) {
	if c == nil {
		return KnownKeyMatch{}, false
	}
	if s != nil {
		if k, ok := s.byCert[c.SHA256]; ok {
			return match(k, "certificate"), true
		}
		if len(c.RawSubjectPublicKeyInfo) > 0 {
			if k, ok := s.byKey[sha256.Sum256(c.RawSubjectPublicKeyInfo)]; ok {
				return match(k, "public key"), true
			}
		}
	}
	if isDebugSubject(c.Subject) {
		return KnownKeyMatch{Name: "Android debug certificate", Category: KnownKeyDebug, Source: debugCertificateSource, MatchedBy: "subject"}, true
	}
	return KnownKeyMatch{}, false
}

func match(k KnownKey, by string) KnownKeyMatch {
	return KnownKeyMatch{Name: k.Name, Category: k.Category, Source: k.Source, MatchedBy: by}
}

// debugCertificateSource documents the debug-certificate rule.
const debugCertificateSource = "Android SDK debug keystore (~/.android/debug.keystore, alias androiddebugkey, password android), generated on each developer's machine with subject CN=Android Debug,O=Android,C=US: https://developer.android.com/studio/publish/app-signing#debug-mode; https://www.jetbrains.com/help/idea/2020.1/exporting-an-android-application-package-in-the-debug-mode.html"

// isDebugSubject reports whether a subject, as Certificate.Subject writes
// it, has exactly the attributes CN=Android Debug, O=Android and C=US.
func isDebugSubject(subject string) bool {
	want := map[string]bool{"CN=Android Debug": false, "O=Android": false, "C=US": false}
	parts := splitName(subject)
	if len(parts) != len(want) {
		return false
	}
	for _, p := range parts {
		seen, ok := want[p]
		if !ok || seen {
			return false
		}
		want[p] = true
	}
	return true
}

// splitName splits an RFC 2253-style name at the separators ',' and '+'
// that are not escaped with a backslash.
func splitName(s string) []string {
	var parts []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ',' || s[i] == '+':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if s != "" {
		parts = append(parts, s[start:])
	}
	return parts
}
