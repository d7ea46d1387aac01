package scheme

import (
	"crypto"
	//lint:ignore SA1019 Android still accepts DSA v1 signatures.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"math/big"

	"github.com/apktrust/apktrust/internal/ber"
	"github.com/apktrust/apktrust/internal/pkcs7"
)

// DigestInfo prefixes of PKCS #1 v1.5 signatures, by hash.
var v1DigestInfoPrefix = map[crypto.Hash][]byte{
	crypto.MD5:    {0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10},
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// v1VerifySignature verifies sig over data, given as its digest by h. It
// returns false for a signature that does not match and an error for one
// Android's verifier would refuse to even check (wrong length or
// encoding), which Android reports differently.
//
// Key sizes are bounded and the work charged to b before any arithmetic
// (prepareVerify): a hostile certificate could otherwise make one modular
// exponentiation take minutes, and a block of identical SignerInfos
// multiply that.
func v1VerifySignature(b *WorkBudget, pub crypto.PublicKey, h crypto.Hash, digest, sig []byte) (bool, error) {
	if err := prepareVerify(b, pub); err != nil {
		return false, err
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return v1VerifyRSA(k, h, digest, sig)
	case *dsa.PublicKey:
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
			return false, errors.New("invalid DSA signature encoding")
		}
		if n := (k.Q.BitLen() + 7) / 8; len(digest) > n {
			// FIPS 186-3: use the leftmost bits of the digest, as Java does.
			digest = digest[:n]
		}
		return dsa.Verify(k, digest, rs.R, rs.S), nil
	case *ecdsa.PublicKey:
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
			return false, errors.New("invalid ECDSA signature encoding")
		}
		if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
			return false, nil
		}
		return ecdsa.VerifyASN1(k, digest, sig), nil
	}
	return false, errors.New("unsupported public key type")
}

// v1VerifyRSA checks an RSASSA-PKCS1-v1_5 signature, with plain arithmetic
// where crypto/rsa fails: it refuses keys under 1024 bits without a GODEBUG
// setting, and Android accepts them.
func v1VerifyRSA(pub *rsa.PublicKey, h crypto.Hash, digest, sig []byte) (bool, error) {
	prefix, ok := v1DigestInfoPrefix[h]
	if !ok {
		return false, errors.New("unsupported RSA digest")
	}
	if pub.N == nil || pub.N.Sign() <= 0 || pub.E < 2 {
		return false, errors.New("invalid RSA public key")
	}
	// The common case, a key crypto/rsa takes with a valid signature, is
	// faster there and allocates a third as much. It accepts only what the
	// arithmetic below accepts; whatever it refuses, the arithmetic decides.
	if rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil {
		return true, nil
	}
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return false, errors.New("RSA signature length does not match the key size")
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false, nil
	}
	m := s.Exp(s, big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, k))
	tLen := len(prefix) + len(digest)
	if k < tLen+11 {
		return false, nil
	}
	want := make([]byte, k)
	want[1] = 0x01
	for i := 2; i < k-tLen-1; i++ {
		want[i] = 0xff
	}
	copy(want[k-tLen:], prefix)
	copy(want[k-len(digest):], digest)
	return subtle.ConstantTimeCompare(em, want) == 1, nil
}

// v1LenientRSAKey reads an RSA SubjectPublicKeyInfo whose modulus or
// exponent crypto/x509 refuses because its INTEGER encoding is negative.
// Java's provider reads both as unsigned magnitudes, so a certificate with
// such a "negative" modulus still verifies on Android.
func v1LenientRSAKey(spki []byte) (*rsa.PublicKey, bool) {
	top, _, err := readBER(spki, 0)
	if err != nil {
		return nil, false
	}
	f, err := ber.Children(top, 0)
	if err != nil || len(f) != 2 {
		return nil, false
	}
	alg, err := pkcs7.ParseAlgorithmID(f[0])
	if err != nil || alg.OID != oidV1SigRSA {
		return nil, false
	}
	bits, err := ber.Primitive(f[1], 3, 1)
	if err != nil || len(bits) < 1 || bits[0] != 0 {
		return nil, false
	}
	seq, _, err := readBER(bits[1:], 1)
	if err != nil {
		return nil, false
	}
	ne, err := ber.Children(seq, 1)
	if err != nil || len(ne) != 2 {
		return nil, false
	}
	n, err1 := ber.Primitive(ne[0], 2, 2)
	e, err2 := ber.Primitive(ne[1], 2, 2)
	if err1 != nil || err2 != nil || len(e) > 4 {
		return nil, false
	}
	ev := new(big.Int).SetBytes(e)
	if !ev.IsInt64() || ev.Int64() < 2 || ev.Int64() > 1<<31-1 {
		return nil, false
	}
	nv := new(big.Int).SetBytes(n)
	if nv.BitLen() < 256 {
		return nil, false
	}
	return &rsa.PublicKey{N: nv, E: int(ev.Int64())}, true
}
