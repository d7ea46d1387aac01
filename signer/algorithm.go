package signer

import (
	"crypto"
	//lint:ignore SA1019 Android still verifies DSA signatures.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// Signature algorithm IDs of APK Signature Schemes v2 and newer, as
// written in signing blocks and lineages.
const (
	AlgRSAPSSSHA256         SignatureAlgorithmID = 0x0101
	AlgRSAPSSSHA512         SignatureAlgorithmID = 0x0102
	AlgRSAPKCS1SHA256       SignatureAlgorithmID = 0x0103
	AlgRSAPKCS1SHA512       SignatureAlgorithmID = 0x0104
	AlgECDSASHA256          SignatureAlgorithmID = 0x0201
	AlgECDSASHA512          SignatureAlgorithmID = 0x0202
	AlgDSASHA256            SignatureAlgorithmID = 0x0301
	AlgVerityRSAPKCS1SHA256 SignatureAlgorithmID = 0x0421
	AlgVerityECDSASHA256    SignatureAlgorithmID = 0x0423
	AlgVerityDSASHA256      SignatureAlgorithmID = 0x0425
)

// ContentDigestAlgorithm is a way of digesting an APK's contents that v2+
// signatures sign.
type ContentDigestAlgorithm int

// Content digest algorithms, in the order apksig prefers them from least
// to most (see preference).
const (
	// DigestChunkedSHA256 is SHA-256 over 1 MiB chunks.
	DigestChunkedSHA256 ContentDigestAlgorithm = 1
	// DigestChunkedSHA512 is SHA-512 over 1 MiB chunks.
	DigestChunkedSHA512 ContentDigestAlgorithm = 2
	// DigestVerityChunkedSHA256 is the fs-verity Merkle tree root over
	// 4 KiB blocks followed by the 8-byte content length.
	DigestVerityChunkedSHA256 ContentDigestAlgorithm = 3
)

// String returns apksig's name for the algorithm.
func (c ContentDigestAlgorithm) String() string {
	switch c {
	case DigestChunkedSHA256:
		return "CHUNKED_SHA256"
	case DigestChunkedSHA512:
		return "CHUNKED_SHA512"
	case DigestVerityChunkedSHA256:
		return "VERITY_CHUNKED_SHA256"
	}
	return fmt.Sprintf("ContentDigestAlgorithm(%d)", int(c))
}

// preference ranks content digest algorithms as apksig does when it picks
// the strongest signature: SHA-512 over verity over SHA-256.
func (c ContentDigestAlgorithm) preference() int {
	switch c {
	case DigestChunkedSHA256:
		return 0
	case DigestVerityChunkedSHA256:
		return 1
	case DigestChunkedSHA512:
		return 2
	}
	return -1
}

// algorithmInfo describes one known signature algorithm.
type algorithmInfo struct {
	name   string
	digest ContentDigestAlgorithm
	key    string // "RSA", "EC" or "DSA"
	hash   crypto.Hash
	pss    bool
	// minSDK is the first Android version that verifies this algorithm in
	// v2+ signatures, as apksig models it.
	minSDK int
}

var algorithms = map[SignatureAlgorithmID]algorithmInfo{
	AlgRSAPSSSHA256:         {"RSA_PSS_WITH_SHA256", DigestChunkedSHA256, "RSA", crypto.SHA256, true, SDKNougat},
	AlgRSAPSSSHA512:         {"RSA_PSS_WITH_SHA512", DigestChunkedSHA512, "RSA", crypto.SHA512, true, SDKNougat},
	AlgRSAPKCS1SHA256:       {"RSA_PKCS1_V1_5_WITH_SHA256", DigestChunkedSHA256, "RSA", crypto.SHA256, false, SDKNougat},
	AlgRSAPKCS1SHA512:       {"RSA_PKCS1_V1_5_WITH_SHA512", DigestChunkedSHA512, "RSA", crypto.SHA512, false, SDKNougat},
	AlgECDSASHA256:          {"ECDSA_WITH_SHA256", DigestChunkedSHA256, "EC", crypto.SHA256, false, SDKNougat},
	AlgECDSASHA512:          {"ECDSA_WITH_SHA512", DigestChunkedSHA512, "EC", crypto.SHA512, false, SDKNougat},
	AlgDSASHA256:            {"DSA_WITH_SHA256", DigestChunkedSHA256, "DSA", crypto.SHA256, false, SDKNougat},
	AlgVerityRSAPKCS1SHA256: {"VERITY_RSA_PKCS1_V1_5_WITH_SHA256", DigestVerityChunkedSHA256, "RSA", crypto.SHA256, false, SDKP},
	AlgVerityECDSASHA256:    {"VERITY_ECDSA_WITH_SHA256", DigestVerityChunkedSHA256, "EC", crypto.SHA256, false, SDKP},
	AlgVerityDSASHA256:      {"VERITY_DSA_WITH_SHA256", DigestVerityChunkedSHA256, "DSA", crypto.SHA256, false, SDKP},
}

// Known reports whether Android knows this signature algorithm.
func (id SignatureAlgorithmID) Known() bool {
	_, ok := algorithms[id]
	return ok
}

// ContentDigest returns the content digest algorithm the signature
// algorithm signs, and false for unknown IDs.
func (id SignatureAlgorithmID) ContentDigest() (ContentDigestAlgorithm, bool) {
	a, ok := algorithms[id]
	return a.digest, ok
}

// String returns apksig's name for the algorithm, or its hex ID.
func (id SignatureAlgorithmID) String() string {
	if a, ok := algorithms[id]; ok {
		return a.name
	}
	return fmt.Sprintf("0x%04x", uint32(id))
}

// errNoSupportedSignatures is returned by signaturesToVerify when Android
// would find no usable signature on some version of the range.
var errNoSupportedSignatures = errors.New("no supported signatures")

// signaturesToVerify picks, like Android, the strongest known signature for
// every distinct minimum SDK among the algorithms present, limited to those
// a version in [minSDK, maxSDK] supports, sorted by algorithm ID. Each
// Android version verifies only its strongest signature, so weaker ones
// are never checked. It fails when the oldest version of the range has no
// signature it supports.
func signaturesToVerify(ids []SignatureAlgorithmID, minSDK, maxSDK int) ([]int, error) {
	best := map[int]int{} // algorithm min SDK -> index into ids
	minProvided := int(^uint(0) >> 1)
	for i, id := range ids {
		a, ok := algorithms[id]
		if !ok || a.minSDK > maxSDK {
			continue
		}
		if a.minSDK < minProvided {
			minProvided = a.minSDK
		}
		if j, ok := best[a.minSDK]; !ok || a.digest.preference() > algorithms[ids[j]].digest.preference() {
			best[a.minSDK] = i
		}
	}
	if minSDK < minProvided || len(best) == 0 {
		return nil, errNoSupportedSignatures
	}
	out := make([]int, 0, len(best))
	for _, i := range best {
		out = append(out, i)
	}
	sort.Slice(out, func(x, y int) bool { return ids[out[x]] < ids[out[y]] })
	return out, nil
}

// errKeyAlgorithm means the public key is not of the type the signature
// algorithm needs (Android's KeyFactory refuses it).
var errKeyAlgorithm = errors.New("public key type does not match the signature algorithm")

// parsePublicKeyFor parses a DER SubjectPublicKeyInfo for the key type of
// the algorithm, as Android's KeyFactory.generatePublic would.
func parsePublicKeyFor(id SignatureAlgorithmID, spki []byte) (crypto.PublicKey, error) {
	a, ok := algorithms[id]
	if !ok {
		return nil, fmt.Errorf("unknown signature algorithm %s", id)
	}
	pub, alg, err := parseSPKICached(spki)
	if err != nil {
		return nil, err
	}
	if alg != a.key {
		return nil, fmt.Errorf("%w: %s key for %s", errKeyAlgorithm, alg, id)
	}
	if err := checkKeyLimits(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// verifySignature checks sig over data with pub using algorithm id. It
// returns (false, nil) for a well-formed signature that does not verify
// and an error when verification cannot be performed (Android's
// InvalidKeyException / SignatureException).
//
// The key limits and the budget b are applied first (a nil b is not
// charged): a refusal there is an error too, an *Error with
// CodeKeyUnsupported or CodeWorkBudgetExceeded.
func verifySignature(b *WorkBudget, id SignatureAlgorithmID, pub crypto.PublicKey, data, sig []byte) (bool, error) {
	a, ok := algorithms[id]
	if !ok {
		return false, fmt.Errorf("unknown signature algorithm %s", id)
	}
	if err := prepareVerify(b, pub); err != nil {
		return false, err
	}
	var digest []byte
	switch a.hash {
	case crypto.SHA256:
		d := sha256.Sum256(data)
		digest = d[:]
	case crypto.SHA512:
		d := sha512.Sum512(data)
		digest = d[:]
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if a.key != "RSA" {
			return false, errKeyAlgorithm
		}
		if len(sig) != (k.N.BitLen()+7)/8 {
			// Java's RSA Signature throws on a length mismatch
			// (a verify exception rather than a plain mismatch).
			return false, fmt.Errorf("RSA signature of %d bytes for a %d-bit key", len(sig), k.N.BitLen())
		}
		var err error
		if a.pss {
			err = rsa.VerifyPSS(k, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: a.hash.Size(), Hash: a.hash})
		} else {
			err = rsa.VerifyPKCS1v15(k, a.hash, digest, sig)
		}
		if err == nil {
			return true, nil
		}
		if k.N.BitLen() < 1024 && !a.pss {
			// Go refuses keys under 1024 bits; Android does not.
			return verifyPKCS1v15Small(k, a.hash, digest, sig), nil
		}
		return false, nil
	case *ecdsa.PublicKey:
		if a.key != "EC" {
			return false, errKeyAlgorithm
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
			return false, fmt.Errorf("malformed ECDSA signature")
		}
		return ecdsa.VerifyASN1(k, digest, sig), nil
	case *dsa.PublicKey:
		if a.key != "DSA" {
			return false, errKeyAlgorithm
		}
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(sig, &rs)
		if err != nil || len(rest) != 0 {
			return false, fmt.Errorf("malformed DSA signature")
		}
		// FIPS 186-3: use the leftmost bits of the hash, as long as q.
		if n := (k.Q.BitLen() + 7) / 8; len(digest) > n {
			digest = digest[:n]
		}
		return dsa.Verify(k, digest, rs.R, rs.S), nil
	}
	return false, errKeyAlgorithm
}

// verifyPKCS1v15Small verifies an RSASSA-PKCS1-v1_5 signature with plain
// big-integer arithmetic, for keys the standard library refuses as too
// small but Android accepts.
func verifyPKCS1v15Small(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) bool {
	prefix, ok := pkcs1DigestInfoPrefix[h]
	if !ok || k.N.Sign() <= 0 || k.E < 2 {
		return false
	}
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return false
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N)
	em := m.FillBytes(make([]byte, size))
	tLen := len(prefix) + len(digest)
	if size < tLen+11 || em[0] != 0 || em[1] != 1 {
		return false
	}
	for _, b := range em[2 : size-tLen-1] {
		if b != 0xff {
			return false
		}
	}
	if em[size-tLen-1] != 0 {
		return false
	}
	t := em[size-tLen:]
	return string(t[:len(prefix)]) == string(prefix) && string(t[len(prefix):]) == string(digest)
}

var pkcs1DigestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}
