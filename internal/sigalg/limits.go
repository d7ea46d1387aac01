package sigalg

import (
	"crypto"
	//lint:ignore SA1019 Android still verifies DSA signatures.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"math/bits"

	"github.com/apktrust/apktrust/internal/workbudget"
)

// Android API levels at which v2 and v3 signature algorithms became
// available.
const (
	sdkNougat = 24
	sdkP      = 28
)

// LimitError is a verification refused before any arithmetic: the key is
// outside the sizes Android's providers accept (signer's
// CodeKeyUnsupported) or the file's work budget is spent (Budget true:
// CodeWorkBudgetExceeded).
type LimitError struct {
	Budget bool
	Msg    string
}

func (e *LimitError) Error() string { return e.Msg }

// charge takes the cost of one signature verification with pub from the
// budget, or fails with a budget LimitError without taking it. Call it
// before the verification, after CheckKeyLimits.
func charge(b *workbudget.Budget, pub crypto.PublicKey) error {
	if b == nil {
		return nil
	}
	cost := verifyCost(pub)
	if !b.Take(cost) {
		return &LimitError{Budget: true, Msg: fmt.Sprintf("a %s verification of cost %d exceeds what remains of the per-file budget (%d)", KeyFamily(pub), cost, b.Remaining())}
	}
	return nil
}

// verifyCost estimates one verification in word multiplications: an RSA
// verification is one exponentiation by e (a squaring per bit of e and a
// multiplication per set bit), a DSA one two exponentiations mod p by
// exponents as long as q (windowed: about 1.25 multiplications per bit),
// an ECDSA one a fixed cost per curve measured against the others. Every
// verification costs at least minVerifyCost (hashing, parsing, setup).
func verifyCost(pub crypto.PublicKey) int64 {
	const minVerifyCost = 10_000
	words := func(n int) int64 { w := int64(n+63) / 64; return w * w }
	c := int64(1_000_000)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N != nil && k.E > 0 {
			e := uint64(k.E)
			c = words(k.N.BitLen()) * int64(bits.Len64(e)+bits.OnesCount64(e))
		}
	case *dsa.PublicKey:
		if k.P != nil && k.Q != nil {
			c = words(k.P.BitLen()) * int64(k.Q.BitLen()) * 5 / 2
		}
	case *ecdsa.PublicKey:
		switch n := k.Curve.Params().BitSize; {
		case n <= 256:
			c = 60_000
		case n <= 384:
			c = 1_500_000
		default:
			c = 5_000_000
		}
	}
	return max(c, minVerifyCost)
}

// Key limits Android's providers apply before any arithmetic.
const (
	// Java's RSAKeyFactory (and BoringSSL) refuse moduli over 16384 bits,
	// and over 3072 bits an exponent longer than 64 bits
	// (MAX_MODLEN_RESTRICT_EXPONENT, MAX_RESTRICTED_EXPLEN).
	maxRSABits            = 16384
	maxRSABitsAnyExponent = 3072
	maxRSAExponentBits    = 64
	// DSA: FIPS 186-3 sizes. q must be 160, 224 or 256 bits (BoringSSL's
	// DSA_do_check_signature refuses any other q; OpenJDK's DSA accepts
	// only these N). p from 512 bits (Java's oldest DSA keys) to 3072, the
	// largest L that Java's DSA key generator and keytool produce and
	// Android's providers are tested with. The digest is cut to the length
	// of q (FIPS 186-3 section 4.6); a digest shorter than q is used
	// whole, as Android and apksig accept SHA-1 with a 256-bit q (apksig's
	// v1-only-with-dsa-sha1-*-2048 cases).
	minDSAPBits = 512
	maxDSAPBits = 3072
)

// CheckKeyLimits refuses a key outside the sizes Android accepts, with a
// LimitError.
func CheckKeyLimits(pub crypto.PublicKey) error {
	bad := func(format string, args ...any) error {
		return &LimitError{Msg: fmt.Sprintf(format, args...)}
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.Sign() <= 0 {
			return bad("RSA key without a modulus")
		}
		n := k.N.BitLen()
		if n > maxRSABits {
			return bad("RSA key of %d bits, over the %d-bit limit", n, maxRSABits)
		}
		if n > maxRSABitsAnyExponent && bits.Len64(uint64(k.E)) > maxRSAExponentBits {
			return bad("RSA key of %d bits with a %d-bit exponent", n, bits.Len64(uint64(k.E)))
		}
	case *dsa.PublicKey:
		if k.P == nil || k.Q == nil || k.G == nil || k.Y == nil || k.Q.Sign() <= 0 || k.P.Sign() <= 0 {
			return bad("malformed DSA key")
		}
		switch q := k.Q.BitLen(); q {
		case 160, 224, 256:
		default:
			return bad("DSA key with a %d-bit q (160, 224 or 256 bits allowed)", q)
		}
		if p := k.P.BitLen(); p < minDSAPBits || p > maxDSAPBits {
			return bad("DSA key with a %d-bit p (%d to %d bits allowed)", p, minDSAPBits, maxDSAPBits)
		}
	}
	return nil
}

// PrepareVerify applies the key limits and charges the budget: the two
// steps before every signature verification.
func PrepareVerify(b *workbudget.Budget, pub crypto.PublicKey) error {
	if err := CheckKeyLimits(pub); err != nil {
		return err
	}
	return charge(b, pub)
}

// KeyFamily names a public key's algorithm family as v1 signature
// algorithms do.
func KeyFamily(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *dsa.PublicKey:
		return "DSA"
	case *ecdsa.PublicKey:
		return "EC"
	}
	return "unknown"
}
