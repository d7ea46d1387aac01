package scheme

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stampTestSigner is a stamp key and its self-signed certificate, made in
// the test.
type stampTestSigner struct {
	key  *ecdsa.PrivateKey
	cert []byte
}

func newStampTestSigner(t testing.TB) *stampTestSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stamp test"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return &stampTestSigner{key: key, cert: der}
}

func stampTestLP(b []byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// sigs returns a signature sequence with one ECDSA-SHA256 signature over
// data.
func (s *stampTestSigner) sigs(t testing.TB, data []byte) []byte {
	t.Helper()
	h := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, h[:])
	require.NoError(t, err)
	one := binary.LittleEndian.AppendUint32(nil, uint32(AlgECDSASHA256))
	one = append(one, stampTestLP(sig)...)
	return stampTestLP(one)
}

// block builds a source stamp v2 pair value signing digests and, when
// attrs is not nil, the attributes (each {id, value}).
func (s *stampTestSigner) block(t testing.TB, digests StampDigests, attrs [][2][]byte) []byte {
	t.Helper()
	var schemes []byte
	for _, id := range []int{1, 2, 3} {
		d, ok := digests[id]
		if !ok {
			continue
		}
		one := binary.LittleEndian.AppendUint32(nil, uint32(id))
		one = append(one, stampTestLP(s.sigs(t, stampLengthPrefixedPairs(d)))...)
		schemes = append(schemes, stampTestLP(one)...)
	}
	data := stampTestLP(s.cert)
	data = append(data, stampTestLP(schemes)...)
	if attrs != nil {
		var list []byte
		for _, a := range attrs {
			list = append(list, stampTestLP(append(append([]byte(nil), a[0]...), a[1]...))...)
		}
		attrBytes := stampTestLP(list)
		data = append(data, stampTestLP(attrBytes)...)
		data = append(data, stampTestLP(s.sigs(t, attrBytes))...)
	}
	return stampTestLP(data)
}

func stampTestAttr(id uint32, value []byte) [2][]byte {
	return [2][]byte{binary.LittleEndian.AppendUint32(nil, id), value}
}

func stampTestTime(sec int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(sec)) }

func TestSourceStampSynthetic(t *testing.T) {
	s := newStampTestSigner(t)
	certSum := sha256.Sum256(s.cert)
	v2 := []byte("v2 block stand-in")
	digests := StampDigests{StampSchemeV2: {DigestChunkedSHA256: frostingSHA256([]byte("apk content"))}}
	other := StampDigests{StampSchemeV2: {DigestChunkedSHA256: frostingSHA256([]byte("other content"))}}
	tests := []struct {
		name     string
		entry    []byte // stamp-cert-sha256 content; nil: no entry
		block    []byte // nil: no stamp block
		verified bool
		status   SourceStampStatus
		code     Code
		ts       int64
	}{
		{"valid, no attributes", certSum[:], s.block(t, digests, nil), true, StampVerified, "", 0},
		{"valid with timestamp", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(StampAttrTimestamp, stampTestTime(1700000000))}), true, StampVerified, "", 1700000000},
		{"zero timestamp", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(StampAttrTimestamp, stampTestTime(0))}), false, StampVerificationFailed, StampCodeInvalidTimestamp, 0},
		{"negative timestamp", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(StampAttrTimestamp, stampTestTime(-5))}), false, StampVerificationFailed, StampCodeInvalidTimestamp, 0},
		{"4-byte timestamp", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(StampAttrTimestamp, []byte{1, 2, 3, 4})}), false, StampVerificationFailed, StampCodeMalformedAttribute, 0},
		{"unknown attribute is only a warning", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(0x12345678, nil)}), true, StampVerified, "", 0},
		{"malformed lineage", certSum[:], s.block(t, digests, [][2][]byte{stampTestAttr(StampAttrProofOfRotation, []byte{1, 0})}), false, StampVerificationFailed, StampCodeMalformedLineage, 0},
		{"stamp signs other content", certSum[:], s.block(t, other, nil), false, StampVerificationFailed, StampCodeDidNotVerify, 0},
		{"stamp lacks a scheme", certSum[:], s.block(t, StampDigests{StampSchemeV3: digests[StampSchemeV2]}, nil), false, StampVerificationFailed, StampCodeNoSignature, 0},
		{"entry names another certificate", make([]byte, 32), s.block(t, digests, nil), false, StampVerificationFailed, StampCodeCertificateMismatch, 0},
		{"truncated block", certSum[:], []byte{0xff, 0, 0, 0, 1}, false, StampVerificationFailed, StampCodeMalformedSignature, 0},
		{"entry without block", certSum[:], nil, false, StampNotVerified, StampCodeSigMissing, 0},
		{"block without entry", nil, s.block(t, digests, nil), false, StampNotVerified, StampCodeSigBlockWithoutCertDigest, 0},
		{"no stamp at all", nil, nil, false, StampMissing, StampCodeCertDigestAndSigBlockMissing, 0},
	}
	t.Run("ECDSA stamp checked down to SDK 1", func(t *testing.T) {
		// Android's crypto has ECDSA only from SDK 11: like apksig, a
		// range reaching below it finds no usable stamp signature.
		entries := map[string]string{"classes.dex": "dex", StampCertDigestEntry: string(certSum[:])}
		a := buildFrostingTestAPK(t, entries, []frostingTestPair{{BlockIDV2, v2}, {BlockIDSourceStampV2, s.block(t, digests, nil)}}).open(t)
		r := VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 1})
		assert.False(t, r.Verified)
		assert.Equal(t, []Code{StampCodeNoSupportedSignature}, v4Codes(r.Errors))
		assert.True(t, VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 11}).Verified)
	})
	t.Run("version 1 block", func(t *testing.T) {
		// Android 11's format: the certificate and signatures over the
		// newest scheme's digests, no per-scheme list, no attributes.
		v1Block := func(d map[ContentDigestAlgorithm][]byte) []byte {
			data := stampTestLP(s.cert)
			data = append(data, stampTestLP(s.sigs(t, stampLengthPrefixedPairs(d)))...)
			return stampTestLP(data)
		}
		entries := map[string]string{"classes.dex": "dex", StampCertDigestEntry: string(certSum[:])}
		for _, c := range []struct {
			name     string
			signed   map[ContentDigestAlgorithm][]byte
			verified bool
		}{{"valid", digests[StampSchemeV2], true}, {"other content", other[StampSchemeV2], false}} {
			a := buildFrostingTestAPK(t, entries, []frostingTestPair{{BlockIDV2, v2}, {BlockIDSourceStampV1, v1Block(c.signed)}}).open(t)
			r := VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 30})
			assert.Equal(t, c.verified, r.Verified, c.name)
			assert.Equal(t, 1, r.BlockVersion, c.name)
			assert.Equal(t, []Code{StampCodeV1Block}, v4Codes(r.Warnings), c.name)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries := map[string]string{"AndroidManifest.xml": "not binary xml", "classes.dex": "dex"}
			if tc.entry != nil {
				entries[StampCertDigestEntry] = string(tc.entry)
			}
			pairs := []frostingTestPair{{BlockIDV2, v2}}
			if tc.block != nil {
				pairs = append(pairs, frostingTestPair{BlockIDSourceStampV2, tc.block})
			}
			a := buildFrostingTestAPK(t, entries, pairs).open(t)
			// Android's installer checks stamps from Android 11 (SDK 30).
			r := VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 30})
			assert.Equal(t, tc.verified, r.Verified, "errors: %v", r.Errors)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.ts, r.Timestamp)
			assert.Equal(t, tc.entry != nil || tc.block != nil, r.Present)
			if tc.code == "" {
				assert.Empty(t, r.Errors)
			} else {
				assert.Equal(t, []Code{tc.code}, v4Codes(r.Errors))
			}
			// Markers of an unparsable manifest are simply absent.
			assert.Empty(t, r.Source)
		})
	}
}

func FuzzSourceStampBlock(f *testing.F) {
	s := newStampTestSigner(f)
	digests := StampDigests{StampSchemeV2: {DigestChunkedSHA256: make([]byte, 32)}}
	f.Add(s.block(f, digests, nil))
	f.Add(s.block(f, digests, [][2][]byte{stampTestAttr(StampAttrTimestamp, stampTestTime(1)), stampTestAttr(StampAttrProofOfRotation, []byte{1, 0, 0, 0})}))
	f.Add([]byte{})
	certSum := sha256.Sum256(s.cert)
	cert, err := ParseCertificate(s.cert)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &stampRun{SourceStampResult: &SourceStampResult{}}
		stampVerifyV2(r, b, certSum[:], digests, 30, MaxSDK)
		for _, i := range r.Errors {
			assert.NotEmpty(t, i.Code)
		}
		m := map[ContentDigestAlgorithm][]byte{}
		_ = stampSignerDigests(b, m)
		stampParseAttributes(&stampRun{SourceStampResult: &SourceStampResult{}}, b, cert)
	})
}

// TestSourceStampEmptyDigests: a stamp signature over the empty digest
// encoding would be a valid stamp for every APK without digests (a v1-only
// APK without a JAR manifest, a V1 stamp block on a v1-only APK). Neither
// block version verifies over nothing.
func TestSourceStampEmptyDigests(t *testing.T) {
	s := newStampTestSigner(t)
	certSum := sha256.Sum256(s.cert)
	empty := map[ContentDigestAlgorithm][]byte{}
	v1Block := func(d map[ContentDigestAlgorithm][]byte) []byte {
		data := stampTestLP(s.cert)
		data = append(data, stampTestLP(s.sigs(t, stampLengthPrefixedPairs(d)))...)
		return stampTestLP(data)
	}
	v2Digests := StampDigests{StampSchemeV2: {DigestChunkedSHA256: frostingSHA256([]byte("apk content"))}}
	entries := map[string]string{"classes.dex": "dex", StampCertDigestEntry: string(certSum[:])}
	cases := []struct {
		name     string
		pair     frostingTestPair
		digests  StampDigests
		minSDK   int
		maxSDK   int
		verified bool
		code     Code
	}{
		{"V2 block signing the empty JAR digest set", frostingTestPair{BlockIDSourceStampV2, s.block(t, StampDigests{StampSchemeJAR: empty}, nil)},
			StampDigests{StampSchemeJAR: empty}, 30, MaxSDK, false, StampCodeNoDigests},
		{"V2 block with no scheme to sign", frostingTestPair{BlockIDSourceStampV2, s.block(t, StampDigests{}, nil)},
			StampDigests{}, 33, MaxSDK, false, StampCodeNoDigests},
		{"V1 block over nothing on a v1-only APK (Android 11 needs v2/v3 digests)", frostingTestPair{BlockIDSourceStampV1, v1Block(empty)},
			StampDigests{StampSchemeJAR: empty}, 30, MaxSDK, false, StampCodeNoDigests},
		{"V1 block when the range leaves out Android 11", frostingTestPair{BlockIDSourceStampV1, v1Block(v2Digests[StampSchemeV2])},
			v2Digests, 31, MaxSDK, false, StampCodeV1Block},
		{"V1 block below Android 11", frostingTestPair{BlockIDSourceStampV1, v1Block(v2Digests[StampSchemeV2])},
			v2Digests, 24, 29, false, StampCodeV1Block},
		{"V1 block verified as Android 11 does", frostingTestPair{BlockIDSourceStampV1, v1Block(v2Digests[StampSchemeV2])},
			v2Digests, 30, MaxSDK, true, ""},
		{"V2 block, JAR digest set empty but v2 signed", frostingTestPair{BlockIDSourceStampV2, s.block(t, v2Digests, nil)},
			StampDigests{StampSchemeJAR: empty, StampSchemeV2: v2Digests[StampSchemeV2]}, 30, MaxSDK, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := buildFrostingTestAPK(t, entries, []frostingTestPair{{BlockIDV2, []byte("v2")}, c.pair}).open(t)
			r := VerifySourceStamp(a, c.digests, SourceStampOptions{MinSDK: c.minSDK, MaxSDK: c.maxSDK})
			assert.Equal(t, c.verified, r.Verified, "errors %v", r.Errors)
			if c.code == "" {
				assert.Empty(t, r.Errors)
			} else {
				assert.Equal(t, []Code{c.code}, v4Codes(r.Errors))
			}
		})
	}
}
