package scheme

import (
	"crypto"
	"encoding/binary"
	"errors"
	"maps"
	"slices"

	"github.com/apktrust/apktrust/internal/lpblock"
)

// stampDigestSHA256 is the content digest algorithm ID (AOSP
// ContentDigestAlgorithm.SHA256) under which a source stamp signs the
// SHA-256 of META-INF/MANIFEST.MF for the v1 scheme.
const stampDigestSHA256 ContentDigestAlgorithm = 4

// stampJCAMinSDK is, per signature algorithm, the first Android release
// whose crypto provider implements it. apksig checks source stamp
// signatures against these, not against the v2 scheme's minimum SDKs.
var stampJCAMinSDK = map[SignatureAlgorithmID]int{
	AlgRSAPSSSHA256:         23,
	AlgRSAPSSSHA512:         23,
	AlgRSAPKCS1SHA256:       1,
	AlgRSAPKCS1SHA512:       1,
	AlgECDSASHA256:          11,
	AlgECDSASHA512:          11,
	AlgDSASHA256:            1,
	AlgVerityRSAPKCS1SHA256: 1,
	AlgVerityECDSASHA256:    11,
	AlgVerityDSASHA256:      1,
}

// stampSignaturesToVerify is signaturesToVerify with the crypto
// provider's minimum SDKs, as apksig selects source stamp signatures: the
// strongest signature for each distinct minimum SDK, failing when the
// oldest version of [minSDK, maxSDK] supports none.
func stampSignaturesToVerify(ids []SignatureAlgorithmID, minSDK, maxSDK int) ([]int, error) {
	best := map[int]int{}
	minProvided := int(^uint(0) >> 1)
	for i, id := range ids {
		sdk, ok := stampJCAMinSDK[id]
		if !ok || sdk > maxSDK {
			continue
		}
		minProvided = min(minProvided, sdk)
		if j, ok := best[sdk]; !ok || digestPreference(id) > digestPreference(ids[j]) {
			best[sdk] = i
		}
	}
	if minSDK < minProvided || len(best) == 0 {
		return nil, errNoSupportedSignatures
	}
	out := make([]int, 0, len(best))
	for _, i := range best {
		out = append(out, i)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && ids[out[j]] < ids[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

var errStampBadSignature = errors.New("signature did not verify")

// stampVerify checks sig over data with pub under algorithm id using the
// package's signature verification. A well-formed signature that does not
// verify gives errStampBadSignature; a key or algorithm that cannot be used
// gives another error (apksig's VERIFY_EXCEPTION).
func stampVerify(b *WorkBudget, pub crypto.PublicKey, id SignatureAlgorithmID, data, sig []byte) error {
	ok, err := verifySignature(b, id, pub, data, sig)
	if err != nil {
		return err
	}
	if !ok {
		return errStampBadSignature
	}
	return nil
}

// stampReader is lpblock.Reader with a sticky error, which suits the stamp
// and v4 structures that are read field after field: after the first
// failure every read returns zero values, and err says what went wrong.
type stampReader struct {
	lpblock.Reader
	err error
}

var errStampTruncated = errors.New("truncated or length out of range")

// fixed returns the next n bytes, failing when fewer remain.
func (r *stampReader) fixed(n int) []byte {
	if r.err != nil {
		return nil
	}
	v, ok := r.Fixed(n)
	if !ok {
		r.err = errStampTruncated
	}
	return v
}

func (r *stampReader) uint32() uint32 {
	if b := r.fixed(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *stampReader) byte1() byte {
	if b := r.fixed(1); b != nil {
		return b[0]
	}
	return 0
}

// bytes reads a uint32 length and that many bytes (a sub-slice, not a
// copy), with lpblock.Reader's bounds checks.
func (r *stampReader) bytes() []byte {
	if r.err != nil {
		return nil
	}
	v, err := r.LengthPrefixedBytes()
	if err != nil {
		r.err = errStampTruncated
		return nil
	}
	return v
}

// sub reads a length-prefixed field as a reader of its own. Readers are
// values, so walking a block's nested fields allocates nothing.
func (r *stampReader) sub() stampReader {
	b := r.bytes()
	if r.err != nil {
		return stampReader{err: r.err}
	}
	return newStampReader(b)
}

func newStampReader(b []byte) stampReader { return stampReader{Reader: lpblock.New(b)} }

func (r *stampReader) more() bool { return r.err == nil && r.HasRemaining() }

// stampLengthPrefixedPairs encodes digests as apksig's
// encodeAsSequenceOfLengthPrefixedPairsOfIntAndLengthPrefixedBytes, sorted
// by ID: for each, uint32 length, uint32 ID, uint32 length, bytes.
func stampLengthPrefixedPairs(digests map[ContentDigestAlgorithm][]byte) []byte {
	ids := slices.Sorted(maps.Keys(digests))
	var out []byte
	for _, id := range ids {
		d := digests[id]
		out = binary.LittleEndian.AppendUint32(out, uint32(8+len(d)))
		out = binary.LittleEndian.AppendUint32(out, uint32(id))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(d)))
		out = append(out, d...)
	}
	return out
}
