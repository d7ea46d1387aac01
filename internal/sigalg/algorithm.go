// Package sigalg is the signature core that package signer and the
// scheme verifiers share: the table of APK Signature Scheme v2+ signature
// algorithms, picking the signatures Android verifies, verifying one
// (with the key limits and the per-file work budget applied first), and
// parsing a public key for an algorithm. It sits below signer, so its
// types are plain: IDs and digest algorithms are numbers that signer's
// SignatureAlgorithmID and ContentDigestAlgorithm convert from, and a
// refusal by the key limits or the budget is a *LimitError that callers
// report under signer's codes.
package sigalg

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

	"github.com/apktrust/apktrust/internal/workbudget"
)

// ID is a signature algorithm ID of APK Signature Schemes v2 and newer
// (signer.SignatureAlgorithmID).
type ID uint32

// Signature algorithm IDs, as written in signing blocks and lineages.
const (
	AlgRSAPSSSHA256         ID = 0x0101
	AlgRSAPSSSHA512         ID = 0x0102
	AlgRSAPKCS1SHA256       ID = 0x0103
	AlgRSAPKCS1SHA512       ID = 0x0104
	AlgECDSASHA256          ID = 0x0201
	AlgECDSASHA512          ID = 0x0202
	AlgDSASHA256            ID = 0x0301
	AlgVerityRSAPKCS1SHA256 ID = 0x0421
	AlgVerityECDSASHA256    ID = 0x0423
	AlgVerityDSASHA256      ID = 0x0425
)

// Digest is a way of digesting an APK's contents that v2+ signatures sign
// (signer.ContentDigestAlgorithm, with the same values).
type Digest int

// Content digest algorithms, in the order apksig prefers them from least
// to most (see Preference).
const (
	// DigestChunkedSHA256 is SHA-256 over 1 MiB chunks.
	DigestChunkedSHA256 Digest = 1
	// DigestChunkedSHA512 is SHA-512 over 1 MiB chunks.
	DigestChunkedSHA512 Digest = 2
	// DigestVerityChunkedSHA256 is the fs-verity Merkle tree root over
	// 4 KiB blocks followed by the 8-byte content length.
	DigestVerityChunkedSHA256 Digest = 3
)

// Preference ranks content digest algorithms as apksig does when it picks
// the strongest signature: SHA-512 over verity over SHA-256.
func (c Digest) Preference() int {
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
	digest Digest
	key    string // "RSA", "EC" or "DSA"
	hash   crypto.Hash
	pss    bool
	// minSDK is the first Android version that verifies this algorithm in
	// v2+ signatures, as apksig models it.
	minSDK int
}

var algorithms = map[ID]algorithmInfo{
	AlgRSAPSSSHA256:         {"RSA_PSS_WITH_SHA256", DigestChunkedSHA256, "RSA", crypto.SHA256, true, sdkNougat},
	AlgRSAPSSSHA512:         {"RSA_PSS_WITH_SHA512", DigestChunkedSHA512, "RSA", crypto.SHA512, true, sdkNougat},
	AlgRSAPKCS1SHA256:       {"RSA_PKCS1_V1_5_WITH_SHA256", DigestChunkedSHA256, "RSA", crypto.SHA256, false, sdkNougat},
	AlgRSAPKCS1SHA512:       {"RSA_PKCS1_V1_5_WITH_SHA512", DigestChunkedSHA512, "RSA", crypto.SHA512, false, sdkNougat},
	AlgECDSASHA256:          {"ECDSA_WITH_SHA256", DigestChunkedSHA256, "EC", crypto.SHA256, false, sdkNougat},
	AlgECDSASHA512:          {"ECDSA_WITH_SHA512", DigestChunkedSHA512, "EC", crypto.SHA512, false, sdkNougat},
	AlgDSASHA256:            {"DSA_WITH_SHA256", DigestChunkedSHA256, "DSA", crypto.SHA256, false, sdkNougat},
	AlgVerityRSAPKCS1SHA256: {"VERITY_RSA_PKCS1_V1_5_WITH_SHA256", DigestVerityChunkedSHA256, "RSA", crypto.SHA256, false, sdkP},
	AlgVerityECDSASHA256:    {"VERITY_ECDSA_WITH_SHA256", DigestVerityChunkedSHA256, "EC", crypto.SHA256, false, sdkP},
	AlgVerityDSASHA256:      {"VERITY_DSA_WITH_SHA256", DigestVerityChunkedSHA256, "DSA", crypto.SHA256, false, sdkP},
}

// Info describes a known signature algorithm to signer: apksig's name
// and the content digest it signs.
func Info(id ID) (name string, digest Digest, ok bool) {
	a, ok := algorithms[id]
	return a.name, a.digest, ok
}

// DigestPreference is Preference of the algorithm's content digest (-1
// for an unknown algorithm).
func DigestPreference(id ID) int {
	if a, ok := algorithms[id]; ok {
		return a.digest.Preference()
	}
	return -1
}

// Signing returns the hash and whether the algorithm is RSA-PSS, for
// tests that sign.
func Signing(id ID) (crypto.Hash, bool) { return algorithms[id].hash, algorithms[id].pss }

// ErrNoSupportedSignatures is returned by SignaturesToVerify when Android
// would find no usable signature on some version of the range.
var ErrNoSupportedSignatures = errors.New("no supported signatures")

// SignaturesToVerify picks, like Android, the strongest known signature for
// every distinct minimum SDK among the algorithms present, limited to those
// a version in [minSDK, maxSDK] supports, sorted by algorithm ID. Each
// Android version verifies only its strongest signature, so weaker ones
// are never checked. It fails when the oldest version of the range has no
// signature it supports.
func SignaturesToVerify[T ~uint32](ids []T, minSDK, maxSDK int) ([]int, error) {
	best := map[int]int{} // algorithm min SDK -> index into ids
	minProvided := int(^uint(0) >> 1)
	for i, id := range ids {
		a, ok := algorithms[ID(id)]
		if !ok || a.minSDK > maxSDK {
			continue
		}
		if a.minSDK < minProvided {
			minProvided = a.minSDK
		}
		if j, ok := best[a.minSDK]; !ok || a.digest.Preference() > algorithms[ID(ids[j])].digest.Preference() {
			best[a.minSDK] = i
		}
	}
	if minSDK < minProvided || len(best) == 0 {
		return nil, ErrNoSupportedSignatures
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

// ParsePublicKeyFor parses a DER SubjectPublicKeyInfo for the key type of
// the algorithm, as Android's KeyFactory.generatePublic would.
func ParsePublicKeyFor(id ID, spki []byte) (crypto.PublicKey, error) {
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
	if err := CheckKeyLimits(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// VerifySignature checks sig over data with pub using algorithm id. It
// returns (false, nil) for a well-formed signature that does not verify
// and an error when verification cannot be performed (Android's
// InvalidKeyException / SignatureException).
//
// The key limits and the budget b are applied first (a nil b is not
// charged): a refusal there is an error too, a *LimitError.
func VerifySignature(b *workbudget.Budget, id ID, pub crypto.PublicKey, data, sig []byte) (bool, error) {
	a, ok := algorithms[id]
	if !ok {
		return false, fmt.Errorf("unknown signature algorithm %s", id)
	}
	if err := PrepareVerify(b, pub); err != nil {
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

// String returns apksig's name for the algorithm, or its hex ID (what
// signer.SignatureAlgorithmID prints).
func (id ID) String() string {
	if a, ok := algorithms[id]; ok {
		return a.name
	}
	return fmt.Sprintf("0x%04x", uint32(id))
}
