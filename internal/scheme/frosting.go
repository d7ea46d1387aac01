package scheme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Play frosting is the metadata Google Play adds to the APK Signing Block
// of the APKs it delivers (pair ID BlockIDFrosting). Google announced it in
// 2018 but never published its format; what this file implements is known
// from public reverse engineering and was checked against real Play
// deliveries (see the tests):
//
//	varint  length of the signed section
//	  varint  length of the protobuf, then the protobuf (Play metadata)
//	  varint  length of the entry array, then entries, each
//	          varint length, then {varint disabled, varint key index,
//	          32-byte SHA-256 of the APK}
//	varint  length of the signature array, then signatures, each
//	        varint length, then an ASN.1 ECDSA P-256/SHA-256 signature;
//	        signature i belongs to entry i
//
// The signature of an entry covers the signed section from the protobuf's
// length varint through the end of that entry. The APK hash covers the file
// as the v2 scheme sees it, except that of the signing block only the v2
// pair (ID and value) is hashed; see FrostingAPKDigest. So frosting covers
// the JAR signers (their files are entries) and the v2 signers, and no
// v3/v3.1 signer (see EvidenceBinding).
//
// Frosting is evidence of delivery, never part of the signature verdict:
// a frosting failure is reported in FrostingResult and nowhere else.

func frostingErrorf(format string, args ...any) error {
	return &Error{Code: FrostingCodeMalformed, Msg: fmt.Sprintf(format, args...)}
}

// FrostingEntry is one entry of a frosting block.
type FrostingEntry struct {
	Disabled bool
	KeyIndex uint64
	// APKSHA256 is the digest of the APK the entry vouches for.
	APKSHA256 []byte
	// Signature is the entry's signature (ASN.1 ECDSA), from the parallel
	// signature array.
	Signature []byte
	// SignedData is what the signature covers.
	SignedData []byte
}

// Frosting is a parsed frosting block.
type Frosting struct {
	// Metadata is the raw protobuf of Play metadata. Its schema is not
	// public, so it is not decoded.
	Metadata []byte
	Entries  []FrostingEntry
}

// maxFrostingEntries bounds the entry array; real blocks hold one.
const maxFrostingEntries = 64

// frostingVarint reads a varint length and checks it against what remains.
func frostingVarint(b []byte, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, frostingErrorf("%s: truncated or overlong varint", what)
	}
	return v, b[n:], nil
}

func frostingSlice(b []byte, what string) (val, rest []byte, err error) {
	n, b, err := frostingVarint(b, what+" length")
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(b)) {
		return nil, nil, frostingErrorf("%s length %d exceeds the %d bytes that remain", what, n, len(b))
	}
	return b[:n], b[n:], nil
}

// ParseFrosting parses the value of a frosting pair. It never panics and
// allocates nothing beyond the slices of value it returns.
func ParseFrosting(value []byte) (*Frosting, error) {
	section, rest, err := frostingSlice(value, "signed section")
	if err != nil {
		return nil, err
	}
	sigs, rest, err := frostingSlice(rest, "signature array")
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, frostingErrorf("%d unexpected bytes after the signature array", len(rest))
	}
	f := &Frosting{}
	f.Metadata, rest, err = frostingSlice(section, "metadata")
	if err != nil {
		return nil, err
	}
	entries, tail, err := frostingSlice(rest, "entry array")
	if err != nil {
		return nil, err
	}
	if len(tail) != 0 {
		return nil, frostingErrorf("%d unexpected bytes after the entry array", len(tail))
	}
	for len(entries) > 0 {
		if len(f.Entries) == maxFrostingEntries {
			return nil, frostingErrorf("more than %d entries", maxFrostingEntries)
		}
		var e []byte
		e, entries, err = frostingSlice(entries, fmt.Sprintf("entry #%d", len(f.Entries)))
		if err != nil {
			return nil, err
		}
		// The signed data runs from the metadata length to the end of
		// this entry: a prefix of the signed section.
		end := len(section) - len(entries)
		disabled, e, err := frostingVarint(e, "disabled flag")
		if err != nil {
			return nil, err
		}
		key, e, err := frostingVarint(e, "key index")
		if err != nil {
			return nil, err
		}
		if len(e) != sha256.Size {
			return nil, frostingErrorf("entry #%d holds a %d-byte digest, want %d", len(f.Entries), len(e), sha256.Size)
		}
		f.Entries = append(f.Entries, FrostingEntry{
			Disabled:   disabled != 0,
			KeyIndex:   key,
			APKSHA256:  e,
			SignedData: section[:end],
		})
	}
	for i := 0; len(sigs) > 0; i++ {
		var s []byte
		s, sigs, err = frostingSlice(sigs, fmt.Sprintf("signature #%d", i))
		if err != nil {
			return nil, err
		}
		if i >= len(f.Entries) {
			return nil, frostingErrorf("more signatures than the %d entries", len(f.Entries))
		}
		f.Entries[i].Signature = s
	}
	return f, nil
}

func failFrosting(r *FrostingResult, code Code, format string, args ...any) *FrostingResult {
	r.Errors = append(r.Errors, Issue{Code: code, Message: fmt.Sprintf(format, args...), Signer: -1})
	return r
}

// PlayFrostingKeyBase64 is key index 0 of the frosting keys the Play Store
// app published in its configuration (finsky.peer_app_sharing_api.
// frosting_public_keys, 2018): an ECDSA P-256 SubjectPublicKeyInfo. Play
// deliveries of 2019 and 2026 verify with it.
const PlayFrostingKeyBase64 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZH2+1+E07dnErAD3L6BbTnaohU0bbXriNlJI7VxJU+LjdSwPyXR5pomARAMoyPkMksLz/gitUPtFuJoPL2ziEw=="

// PlayFrostingKeys returns the known Play frosting keys, indexed by key
// index. The slice is fresh on every call.
func PlayFrostingKeys() []*ecdsa.PublicKey {
	der, err := base64.StdEncoding.DecodeString(PlayFrostingKeyBase64)
	if err != nil {
		panic("signer: bad built-in frosting key: " + err.Error())
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		panic("signer: bad built-in frosting key: " + err.Error())
	}
	return []*ecdsa.PublicKey{k.(*ecdsa.PublicKey)}
}

// VerifyFrosting checks the APK's Play frosting block, if any, with keys
// indexed by key index (nil entries for unknown indexes); a nil keys uses
// PlayFrostingKeys. A block whose key index has no key is reported present
// but not verified, with a FROSTING_UNKNOWN_KEY_INDEX warning.
//
// The file is streamed; only the frosting pair is loaded.
func VerifyFrosting(a *apkzip.Archive, keys []*ecdsa.PublicKey) *FrostingResult {
	r, e := frostingCheckEntryOnce(a, keys)
	if e == nil {
		return r
	}
	sum, err := NewContentDigester(a).frostingDigest(context.Background())
	if err != nil {
		return failFrosting(r, FrostingCodeIO, "hashing the APK: %v", err)
	}
	r.ComputedSHA256 = hex.EncodeToString(sum)
	if r.ComputedSHA256 != r.APKSHA256 {
		return failFrosting(r, FrostingCodeAPKDigestMismatch, "frosting vouches for APK digest %s, the file's is %s", r.APKSHA256, r.ComputedSHA256)
	}
	r.Verified = true
	return r
}

// frostingNeedsDigest reports whether VerifyFrosting will hash the file:
// there is a frosting block whose enabled entry's signature verifies.
func frostingNeedsDigest(a *apkzip.Archive, keys []*ecdsa.PublicKey) bool {
	_, e := frostingCheckEntryOnce(a, keys)
	return e != nil
}

// frostingCheckKey memoises frostingCheckEntry on the archive: the digest
// plan asks whether the file must be hashed for frosting, and
// VerifyFrosting then needs the same answer, so the block is read, parsed
// and its ECDSA signature checked once per file.
type frostingCheckKey struct{}

type frostingCheck struct {
	once sync.Once
	keys []*ecdsa.PublicKey
	r    *FrostingResult
	e    *FrostingEntry
}

// frostingCheckEntryOnce is frostingCheckEntry, computed once per archive
// for the same keys (a call with other keys computes afresh). The result
// is a copy callers may complete.
func frostingCheckEntryOnce(a *apkzip.Archive, keys []*ecdsa.PublicKey) (*FrostingResult, *FrostingEntry) {
	// The check runs outside Memo's lock: it reads the signing block,
	// which the archive memoises too.
	c := a.Memo(frostingCheckKey{}, func() any { return &frostingCheck{} }).(*frostingCheck)
	c.once.Do(func() {
		c.keys = keys
		c.r, c.e = frostingCheckEntry(a, keys)
	})
	if !slices.Equal(c.keys, keys) {
		return frostingCheckEntry(a, keys)
	}
	r := *c.r
	r.Errors = slices.Clone(c.r.Errors)
	r.Warnings = slices.Clone(c.r.Warnings)
	return &r, c.e
}

// frostingCheckEntry does everything VerifyFrosting checks before hashing
// the file: it returns the entry whose APK digest is to be compared, or
// nil with the final result.
func frostingCheckEntry(a *apkzip.Archive, keys []*ecdsa.PublicKey) (*FrostingResult, *FrostingEntry) {
	r := &FrostingResult{}
	block := a.SigningBlock()
	pair, ok := block.Find(BlockIDFrosting)
	if !ok {
		return r, nil
	}
	r.Present = true
	if keys == nil {
		keys = PlayFrostingKeys()
	}
	// Frosting blocks are a few KiB; refuse anything far larger before
	// loading it.
	const maxFrostingSize = 1 << 20
	if pair.ValueSize > maxFrostingSize {
		return failFrosting(r, FrostingCodeTooLarge, "frosting block is %d bytes, over the %d-byte limit", pair.ValueSize, maxFrostingSize), nil
	}
	value, err := a.PairValue(pair)
	if err != nil {
		return failFrosting(r, FrostingCodeIO, "reading the frosting block: %v", err), nil
	}
	f, err := ParseFrosting(value)
	if err != nil {
		return failFrosting(r, FrostingCodeMalformed, "%v", err), nil
	}
	r.MetadataSize = len(f.Metadata)
	var e *FrostingEntry
	for i := range f.Entries {
		if !f.Entries[i].Disabled {
			e = &f.Entries[i]
			break
		}
	}
	if e == nil {
		return failFrosting(r, FrostingCodeNoEnabledEntry, "none of the %d frosting entries is enabled", len(f.Entries)), nil
	}
	idx := e.KeyIndex
	r.KeyIndex = &idx
	r.APKSHA256 = hex.EncodeToString(e.APKSHA256)
	if idx >= uint64(len(keys)) || keys[idx] == nil {
		r.Warnings = append(r.Warnings, Issue{Code: FrostingCodeUnknownKeyIndex, Signer: -1,
			Message: fmt.Sprintf("frosting present, unknown key index %d: not verified", idx)})
		return r, nil
	}
	key := keys[idx]
	if key.Curve != elliptic.P256() {
		return failFrosting(r, FrostingCodeSignatureDidNotVer, "key index %d is not a P-256 key", idx), nil
	}
	h := sha256.Sum256(e.SignedData)
	if len(e.Signature) == 0 || !ecdsa.VerifyASN1(key, h[:], e.Signature) {
		return failFrosting(r, FrostingCodeSignatureDidNotVer, "signature of the frosting entry (key index %d) did not verify", idx), nil
	}
	return r, e
}

// FrostingAPKDigest computes the SHA-256 that a frosting entry vouches for:
// the bytes before the APK Signing Block, the v2 pair as its 4-byte
// little-endian ID followed by its value (without the 8-byte length; no
// other pair), the central directory, and the EOCD with its central
// directory offset pointing at the signing block's start. Without a v2
// pair, no pair bytes are hashed.
func FrostingAPKDigest(a *apkzip.Archive) ([]byte, error) {
	if a.SigningBlock() == nil {
		return nil, errors.New("no APK Signing Block")
	}
	return NewContentDigester(a).frostingDigest(context.Background())
}
