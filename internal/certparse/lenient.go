package certparse

import (
	"bytes"
	"crypto"
	//lint:ignore SA1019 Android still accepts DSA keys.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/apktrust/apktrust/internal/ber"
)

// Error is a certificate this package refused. PublicKey tells the two
// codes signer reports apart: CERT_PUBLIC_KEY_MALFORMED (the certificate
// parses but its key does not) or CERT_MALFORMED.
type Error struct {
	PublicKey bool
	Msg       string
}

func (e *Error) Error() string { return e.Msg }

func certErr(publicKey bool, format string, args ...any) *Error {
	return &Error{PublicKey: publicKey, Msg: fmt.Sprintf(format, args...)}
}

// Limits on hostile input: certificates are a few KiB; nesting in X.509 is
// shallow.
const (
	maxCertSize  = 1 << 20
	maxBERNodes  = 1 << 14
	berTagSeq    = 0x10
	berTagSet    = 0x11
	berTagInt    = 0x02
	berTagBitStr = 0x03
)

// berNode is one TLV of a BER/DER encoding.
type berNode struct {
	class       int // 0 universal, 1 application, 2 context, 3 private
	constructed bool
	tag         int
	raw         []byte // the whole TLV exactly as found
	content     []byte // content octets, without any end-of-contents marker
	children    []*berNode
}

// berParser reads BER: definite lengths in any (also non-minimal) form and
// indefinite lengths for constructed values, which is what Android's
// certificate parsing tolerates and crypto/x509 (DER only) refuses.
type berParser struct{ nodes int }

func (p *berParser) parse(b []byte, depth int) (*berNode, []byte, error) {
	if depth > ber.MaxDepth {
		return nil, nil, errors.New("nesting too deep")
	}
	if p.nodes++; p.nodes > maxBERNodes {
		return nil, nil, errors.New("too many elements")
	}
	e, rest, err := ber.Read(b, depth)
	if err != nil {
		var be *ber.Error
		if errors.As(err, &be) {
			err = errors.New(be.Msg)
		}
		return nil, nil, err
	}
	n := &berNode{class: e.Class, constructed: e.Constructed, tag: e.Tag, raw: e.Raw, content: e.Content}
	if n.constructed {
		for inner := e.Content; len(inner) > 0; {
			c, r, err := p.parse(inner, depth+1)
			if err != nil {
				return nil, nil, err
			}
			n.children = append(n.children, c)
			inner = r
		}
	}
	return n, rest, nil
}

// der re-encodes the node in DER length form (minimal definite lengths).
// Primitive contents are kept as they are.
func (n *berNode) der() []byte {
	var body []byte
	if n.constructed {
		for _, c := range n.children {
			body = append(body, c.der()...)
		}
	} else {
		body = n.content
	}
	var out []byte
	first := byte(n.class<<6) | byte(n.tag)
	if n.constructed {
		first |= 0x20
	}
	if n.tag >= 0x1f {
		first = byte(n.class<<6) | 0x1f
		if n.constructed {
			first |= 0x20
		}
		out = append(out, first)
		var t []byte
		for v := n.tag; ; v >>= 7 {
			t = append([]byte{byte(v & 0x7f)}, t...)
			if v < 0x80 {
				break
			}
		}
		for i := 0; i < len(t)-1; i++ {
			t[i] |= 0x80
		}
		out = append(out, t...)
	} else {
		out = append(out, first)
	}
	switch l := len(body); {
	case l < 0x80:
		out = append(out, byte(l))
	case l < 0x100:
		out = append(out, 0x81, byte(l))
	case l < 0x10000:
		out = append(out, 0x82, byte(l>>8), byte(l))
	case l < 0x1000000:
		out = append(out, 0x83, byte(l>>16), byte(l>>8), byte(l))
	default:
		out = append(out, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	return append(out, body...)
}

func (n *berNode) is(class, tag int, constructed bool) bool {
	return n != nil && n.class == class && n.tag == tag && n.constructed == constructed
}

// Lenient parses what crypto/x509 refuses but Android
// accepts: BER length forms, negative serial numbers, negative RSA
// moduli and similar quirks. Only the fields this package reports are
// extracted; extensions are not interpreted (Android ignores them for APK
// signers too).
//
// Like Java's CertificateFactory, which Android uses, it reads one
// certificate and ignores bytes after it, and accepts a PEM block. The
// identity (Raw, SHA256) stays the bytes as given, trailing bytes and PEM
// armour included, as Android's verbatim certificate wrappers keep them.
func Lenient(given []byte) (*Certificate, error) {
	if len(given) > maxCertSize {
		return nil, certErr(false, "certificate of %d bytes is over the %d-byte limit", len(given), maxCertSize)
	}
	der := given
	if bytes.HasPrefix(bytes.TrimLeft(given, " \t\r\n"), []byte("-----BEGIN")) {
		blk, _ := pem.Decode(given)
		if blk == nil {
			return nil, certErr(false, "malformed PEM block")
		}
		der = blk.Bytes
	}
	var p berParser
	root, _, err := p.parse(der, 0)
	if err != nil {
		return nil, certErr(false, "%v", err)
	}
	raw := append([]byte(nil), given...)
	// A certificate that is only BER-encoded or followed by other bytes
	// parses with crypto/x509 once re-encoded; its fields are then read
	// by the standard library.
	if xc, err := x509.ParseCertificate(root.der()); err == nil {
		return FromX509(raw, xc, nil), nil
	}
	if !root.is(0, berTagSeq, true) || len(root.children) < 3 {
		return nil, certErr(false, "not a certificate SEQUENCE")
	}
	tbs := root.children[0]
	if !tbs.is(0, berTagSeq, true) {
		return nil, certErr(false, "tbsCertificate is not a SEQUENCE")
	}
	f := tbs.children
	if len(f) > 0 && f[0].is(2, 0, true) { // [0] EXPLICIT version
		f = f[1:]
	}
	if len(f) < 6 {
		return nil, certErr(false, "tbsCertificate has %d fields, want at least 6", len(f))
	}
	serialN, algN, issuerN, validityN, subjectN, spkiN := f[0], f[1], f[2], f[3], f[4], f[5]
	if !serialN.is(0, berTagInt, false) || len(serialN.content) == 0 {
		return nil, certErr(false, "serial number is not an INTEGER")
	}
	if !algN.is(0, berTagSeq, true) || !issuerN.is(0, berTagSeq, true) || !subjectN.is(0, berTagSeq, true) ||
		!validityN.is(0, berTagSeq, true) || len(validityN.children) != 2 || !spkiN.is(0, berTagSeq, true) {
		return nil, certErr(false, "tbsCertificate fields have unexpected types")
	}
	c := &Certificate{
		Raw:          raw,
		SHA256:       sha256.Sum256(raw),
		SerialNumber: twosComplement(serialN.content),
	}
	c.Issuer = nameString(issuerN)
	c.Subject = nameString(subjectN)
	c.NotBefore = berTime(validityN.children[0])
	c.NotAfter = berTime(validityN.children[1])
	// The SPKI exactly as found; offsets into raw keep it aliasing the
	// certificate's own copy.
	spkiDER := spkiN.der()
	if bytes.Equal(spkiDER, spkiN.raw) {
		c.RawSubjectPublicKeyInfo = spkiDER
	} else {
		c.RawSubjectPublicKeyInfo = append([]byte(nil), spkiN.raw...)
	}
	pub, alg, err := ParseSPKI(spkiDER)
	if err != nil {
		return nil, certErr(true, "%v", err)
	}
	c.PublicKey = pub
	c.PublicKeyAlgorithm, c.KeySize = DescribeKey(pub, alg)
	c.FillNamesAndDigests(subjectN.raw, issuerN.raw)
	return c, nil
}

// twosComplement decodes a DER INTEGER's content, negative values
// included (crypto/x509 refuses negative serial numbers; Android does not).
func twosComplement(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return v
}

func nameString(n *berNode) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(n.der(), &rdn); err != nil || len(rest) != 0 {
		return ""
	}
	var name pkix.Name
	name.FillFromRDNSequence(&rdn)
	return name.String()
}

func berTime(n *berNode) time.Time {
	if n.constructed {
		return time.Time{}
	}
	s := string(n.content)
	switch {
	case n.is(0, 23, false): // UTCTime
		for _, layout := range []string{"0601021504Z0700", "060102150405Z0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				if t.Year() >= 2050 {
					t = t.AddDate(-100, 0, 0)
				}
				return t.UTC()
			}
		}
	case n.is(0, 24, false): // GeneralizedTime
		for _, layout := range []string{"20060102150405Z0700", "20060102150405.999999999Z0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}

var (
	oidRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidDSA = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidEC  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

// ParseSPKI parses a SubjectPublicKeyInfo into a public key and its
// algorithm name ("RSA", "EC", "DSA", "Ed25519" or an OID string). It
// falls back to its own decoding for RSA keys crypto/x509 refuses, such as
// a modulus encoded as a negative INTEGER, which Java reads as unsigned.
func ParseSPKI(spki []byte) (crypto.PublicKey, string, error) {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	rest, err := asn1.Unmarshal(spki, &info)
	if err != nil {
		return nil, "", fmt.Errorf("malformed SubjectPublicKeyInfo: %v", err)
	}
	if len(rest) != 0 {
		return nil, "", errors.New("trailing data after SubjectPublicKeyInfo")
	}
	alg := info.Algorithm.Algorithm
	if pub, err := x509.ParsePKIXPublicKey(spki); err == nil {
		name, _ := DescribeKey(pub, nil)
		return pub, name, nil
	} else if !alg.Equal(oidRSA) {
		switch {
		case alg.Equal(oidEC):
			return nil, "EC", err
		case alg.Equal(oidDSA):
			return nil, "DSA", err
		}
		return nil, alg.String(), err
	}
	// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER },
	// both read as unsigned magnitudes like Java's getPositiveBigInteger.
	var p berParser
	n, r, err := p.parse(info.PublicKey.RightAlign(), 0)
	if err != nil || len(r) != 0 || !n.is(0, berTagSeq, true) || len(n.children) != 2 ||
		!n.children[0].is(0, berTagInt, false) || !n.children[1].is(0, berTagInt, false) {
		return nil, "RSA", errors.New("malformed RSA public key")
	}
	mod := new(big.Int).SetBytes(n.children[0].content)
	e := new(big.Int).SetBytes(n.children[1].content)
	if mod.Sign() == 0 || !e.IsInt64() || e.Int64() < 2 || e.Int64() > 1<<31-1 {
		return nil, "RSA", errors.New("RSA public key out of range")
	}
	return &rsa.PublicKey{N: mod, E: int(e.Int64())}, "RSA", nil
}

// DescribeKey names a public key's algorithm ("RSA", "EC", "DSA",
// "Ed25519", or for keys this package does not know the x509 algorithm or
// OID) and returns its size in bits: the modulus for RSA, the prime p for
// DSA, the curve field for EC.
func DescribeKey(pub any, alg any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil {
			return "RSA", 0
		}
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		if k.Curve == nil {
			return "EC", 0
		}
		return "EC", k.Curve.Params().BitSize
	case *dsa.PublicKey:
		if k.P == nil {
			return "DSA", 0
		}
		return "DSA", k.P.BitLen()
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	switch a := alg.(type) {
	case x509.PublicKeyAlgorithm:
		if a != x509.UnknownPublicKeyAlgorithm {
			return a.String(), 0
		}
	case string:
		return a, 0
	case fmt.Stringer:
		return a.String(), 0
	}
	return "unknown", 0
}
