package scheme

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func frostingSHA256(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// frostingTestEntry describes one entry of a frosting block built by a
// test.
type frostingTestEntry struct {
	disabled bool
	keyIndex uint64
	digest   []byte
	key      *ecdsa.PrivateKey // signs the entry; nil leaves it unsigned
}

func frostingAppendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// buildFrostingValue lays a frosting block out as Play does and signs each
// entry from the metadata length through the end of the entry.
func buildFrostingValue(t testing.TB, metadata []byte, entries []frostingTestEntry) []byte {
	t.Helper()
	var encEntries [][]byte
	for _, e := range entries {
		var body []byte
		if e.disabled {
			body = append(body, 1)
		} else {
			body = append(body, 0)
		}
		body = binary.AppendUvarint(body, e.keyIndex)
		body = append(body, e.digest...)
		encEntries = append(encEntries, frostingAppendBytes(nil, body))
	}
	var entryArray []byte
	for _, e := range encEntries {
		entryArray = append(entryArray, e...)
	}
	section := frostingAppendBytes(nil, metadata)
	section = frostingAppendBytes(section, entryArray)
	// Where entry i ends inside the section.
	prefixLen := len(frostingAppendBytes(nil, metadata)) + len(binary.AppendUvarint(nil, uint64(len(entryArray))))
	var sigs []byte
	for i, e := range entries {
		prefixLen += len(encEntries[i])
		var sig []byte
		if e.key != nil {
			h := sha256.Sum256(section[:prefixLen])
			var err error
			sig, err = ecdsa.SignASN1(rand.Reader, e.key, h[:])
			require.NoError(t, err)
		}
		sigs = frostingAppendBytes(sigs, sig)
	}
	out := frostingAppendBytes(nil, section)
	return frostingAppendBytes(out, sigs)
}

func TestFrostingRealPlayDeliveries(t *testing.T) {
	dir, _ := conformance.RealWorld(t)
	for _, name := range []string{"play-google-calculator_78000303.apk", "play-reasily-base.apk"} {
		t.Run(name, func(t *testing.T) {
			a := testutil.OpenAPK(t, filepath.Join(dir, name))
			r := VerifyFrosting(a, nil)
			assert.True(t, r.Present)
			assert.True(t, r.Verified, "errors: %v", r.Errors)
			require.NotNil(t, r.KeyIndex)
			assert.EqualValues(t, 0, *r.KeyIndex)
			assert.Empty(t, r.Errors)
			assert.Equal(t, r.APKSHA256, r.ComputedSHA256)

			// The library's streamed hash equals one computed here from
			// the raw bytes with the recipe spelled out.
			raw, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			blk := a.SigningBlock()
			v2, ok := blk.Find(BlockIDV2)
			require.True(t, ok)
			want := frostingIndependentDigest(raw, int(blk.Offset), int(a.CentralDirectoryOffset), int(a.EOCDOffset),
				BlockIDV2, raw[v2.ValueOffset:v2.ValueOffset+v2.ValueSize])
			got, err := FrostingAPKDigest(a)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got))
			assert.Equal(t, r.APKSHA256, hex.EncodeToString(want))

			// Without the Play key, the block is reported, not verified.
			u := VerifyFrosting(a, []*ecdsa.PublicKey{nil})
			assert.True(t, u.Present)
			assert.False(t, u.Verified)
			require.Len(t, u.Warnings, 1)
			assert.Equal(t, FrostingCodeUnknownKeyIndex, u.Warnings[0].Code)
			assert.Contains(t, u.Warnings[0].Message, "unknown key index 0")
		})
	}
}

func TestFrostingAbsentOnNonPlayFiles(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	for _, app := range apps {
		name := app["file"]
		if name == "play-google-calculator_78000303.apk" || name == "play-reasily-base.apk" || filepath.Ext(name) != ".apk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			r := VerifyFrosting(testutil.OpenAPK(t, filepath.Join(dir, name)), nil)
			assert.False(t, r.Present)
			assert.False(t, r.Verified)
			assert.Empty(t, r.Errors)
		})
	}
}

func TestFrostingSynthetic(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	keys := []*ecdsa.PublicKey{&key.PublicKey}
	entries := map[string]string{"AndroidManifest.xml": "manifest", "classes.dex": "dex code", "res/a.txt": "hello"}
	v2Value := []byte("pretend v2 signature block value")
	meta := []byte{0x08, 0x07, 0x10, 0x00}

	// The digest does not cover the frosting pair, so it is computed on
	// an APK with a placeholder frosting block and stays valid after the
	// real one is put in.
	base := buildFrostingTestAPK(t, entries, []frostingTestPair{{BlockIDV2, v2Value}, {BlockIDFrosting, []byte{0}}})
	digest := frostingIndependentDigest(base.raw, base.blockStart, base.cdStart, base.eocdStart, BlockIDV2, v2Value)
	wrong := frostingSHA256([]byte("another APK"))

	tests := []struct {
		name     string
		entries  []frostingTestEntry
		value    []byte // overrides entries
		tamper   func(raw []byte, apk *frostingTestAPK)
		verified bool
		keyIndex int64 // -1: none reported
		errCode  Code
		warnCode Code
	}{
		{name: "valid", entries: []frostingTestEntry{{keyIndex: 0, digest: digest, key: key}}, verified: true, keyIndex: 0},
		{name: "tampered hash", entries: []frostingTestEntry{{keyIndex: 0, digest: wrong, key: key}}, keyIndex: 0, errCode: FrostingCodeAPKDigestMismatch},
		{name: "tampered APK content", entries: []frostingTestEntry{{keyIndex: 0, digest: digest, key: key}}, keyIndex: 0, errCode: FrostingCodeAPKDigestMismatch,
			tamper: func(raw []byte, apk *frostingTestAPK) { raw[apk.blockStart-30] ^= 1 }},
		{name: "tampered signature", entries: []frostingTestEntry{{keyIndex: 0, digest: digest, key: other}}, keyIndex: 0, errCode: FrostingCodeSignatureDidNotVer},
		{name: "unsigned entry", entries: []frostingTestEntry{{keyIndex: 0, digest: digest}}, keyIndex: 0, errCode: FrostingCodeSignatureDidNotVer},
		{name: "disabled entry skipped", entries: []frostingTestEntry{
			{disabled: true, keyIndex: 3, digest: wrong},
			{keyIndex: 0, digest: digest, key: key},
		}, verified: true, keyIndex: 0},
		{name: "all entries disabled", entries: []frostingTestEntry{{disabled: true, keyIndex: 0, digest: digest, key: key}}, keyIndex: -1, errCode: FrostingCodeNoEnabledEntry},
		{name: "unknown key index", entries: []frostingTestEntry{{keyIndex: 7, digest: digest, key: key}}, keyIndex: 7, warnCode: FrostingCodeUnknownKeyIndex},
		{name: "truncated block", value: []byte{0x40, 0x01}, keyIndex: -1, errCode: FrostingCodeMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			value := tc.value
			if value == nil {
				value = buildFrostingValue(t, meta, tc.entries)
			}
			apk := buildFrostingTestAPK(t, entries, []frostingTestPair{{BlockIDV2, v2Value}, {BlockIDFrosting, value}})
			if tc.tamper != nil {
				tc.tamper(apk.raw, apk)
			}
			a := apk.open(t)
			assert.Equal(t, tc.verified, frostingNeedsDigest(a, keys) && tc.errCode == "", "the plan hashes the file for a verifying entry")
			r := VerifyFrosting(a, keys)
			assert.True(t, r.Present)
			assert.Equal(t, tc.verified, r.Verified, "errors %v warnings %v", r.Errors, r.Warnings)
			if tc.keyIndex < 0 {
				assert.Nil(t, r.KeyIndex)
			} else if assert.NotNil(t, r.KeyIndex) {
				assert.EqualValues(t, tc.keyIndex, *r.KeyIndex)
			}
			if tc.errCode == "" {
				assert.Empty(t, r.Errors)
			} else if assert.Len(t, r.Errors, 1) {
				assert.Equal(t, tc.errCode, r.Errors[0].Code)
			}
			if tc.warnCode != "" && assert.Len(t, r.Warnings, 1) {
				assert.Equal(t, tc.warnCode, r.Warnings[0].Code)
			}

			// The plan's check and this verification read the block
			// once per archive: verifying again answers the same, a
			// caller completing a result changes no later one, and other
			// keys are checked afresh.
			again := VerifyFrosting(a, keys)
			assert.Equal(t, r, again)
			r.Verified = !r.Verified
			r.Warnings = append(r.Warnings, Issue{Code: FrostingCodeMalformed})
			assert.Equal(t, again, VerifyFrosting(a, keys))
			if tc.verified {
				assert.False(t, VerifyFrosting(a, []*ecdsa.PublicKey{&other.PublicKey}).Verified)
			}
		})
	}
}

func TestFrostingJSON(t *testing.T) {
	zero := uint64(0)
	b, err := json.Marshal(&FrostingResult{Present: true, Verified: true, KeyIndex: &zero})
	require.NoError(t, err)
	assert.JSONEq(t, `{"present":true,"verified":true,"keyIndex":0}`, string(b))
}

func TestParseFrostingRejectsHostileLengths(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
	}{
		{"empty", nil},
		{"section length past end", []byte{0xff, 0xff, 0x03}},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"trailing bytes", []byte{0x02, 0x00, 0x00, 0x00, 0x07}},
		{"entry digest too short", append([]byte{0x07, 0x00, 0x05, 0x04, 0x00, 0x00, 0xaa, 0xbb}, 0x00)},
		{"signature without entry", []byte{0x02, 0x00, 0x00, 0x02, 0x01, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFrosting(tc.value)
			require.Error(t, err)
			assert.ErrorIs(t, err, FrostingCodeMalformed)
		})
	}
}

func FuzzParseFrosting(f *testing.F) {
	f.Add(buildFrostingValue(f, []byte{1, 2, 3}, []frostingTestEntry{{digest: make([]byte, 32)}}))
	f.Add([]byte{0x54, 0x2f})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ParseFrosting(b)
		if err != nil {
			assert.ErrorIs(t, err, FrostingCodeMalformed)
			return
		}
		for _, e := range fr.Entries {
			assert.Len(t, e.APKSHA256, 32)
			assert.LessOrEqual(t, len(e.SignedData), len(b))
		}
	})
}
