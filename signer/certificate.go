package signer

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
	"time"

	"github.com/apktrust/apktrust/internal/certparse"
)

// Certificate is a signer certificate as Android sees it. Its identity is
// the SHA-256 of Raw, the exact bytes found in the signature, never of a
// re-encoding.
//
// Android accepts certificates that crypto/x509 refuses (negative serial
// numbers, some DER quirks); those still parse here, with X509 nil.
// Validity dates and chains are reported but never checked, as on Android.
type Certificate struct {
	Raw    []byte
	SHA256 [32]byte
	// SHA1 and MD5 are the older fingerprints of Raw that the Play
	// Console (SHA-1) and older reports and tools (MD5) show. They are for
	// matching such reports only; the identity is SHA256.
	SHA1 [20]byte
	MD5  [16]byte
	// PublicKeySHA256 is the SHA-256 of RawSubjectPublicKeyInfo, the
	// "public key SHA-256 digest" apksigner prints: it stays the same when
	// a key is re-certified.
	PublicKeySHA256 [32]byte

	// Subject and Issuer are the distinguished names in RFC 4514 form,
	// with the usual attribute names (CN, O, emailAddress, DC, UID...).
	// They are the certificate's own text: they may hold control
	// characters or invalid UTF-8, so escape them before printing.
	Subject      string
	Issuer       string
	SerialNumber *big.Int
	NotBefore    time.Time
	NotAfter     time.Time

	PublicKey crypto.PublicKey
	// RawSubjectPublicKeyInfo is the DER SubjectPublicKeyInfo, which the
	// v2/v3 signed data must repeat exactly.
	RawSubjectPublicKeyInfo []byte
	// PublicKeyAlgorithm is "RSA", "EC", "DSA", "Ed25519" or the OID of an
	// algorithm this package does not know.
	PublicKeyAlgorithm string
	// KeySize is the RSA/DSA modulus size or the EC field size, in bits.
	KeySize int

	// X509 is the standard library's view, when it accepts the bytes.
	X509 *x509.Certificate
}

// SHA256Hex returns the lowercase hex SHA-256 of the certificate bytes, the
// fingerprint the Play Console shows (without colons).
func (c *Certificate) SHA256Hex() string { return hex.EncodeToString(c.SHA256[:]) }

// ParseCertificate parses one certificate the way Android accepts it: DER,
// or what Java's CertificateFactory also takes (BER length forms, a PEM
// block, trailing bytes after the certificate, negative serial numbers).
// The identity (Raw, SHA256) is always the bytes exactly as given, as
// Android keeps them: given a PEM file, that is the PEM text, so decode it
// first (encoding/pem) to get the fingerprint apksigner and the Play
// Console show. Errors are *Error with CodeCertMalformed or
// CodeCertPublicKey.
//
// Each call parses afresh: the certificate shares nothing with other
// calls or with the certificates verification caches, so it may be
// modified.
func ParseCertificate(der []byte) (*Certificate, error) {
	c, err := certparse.Parse(der)
	if err != nil {
		return nil, certError(err)
	}
	return (*Certificate)(c), nil
}

// certError reports a certificate certparse refused under its code.
func certError(err error) error {
	var ce *certparse.Error
	if !errors.As(err, &ce) {
		return err
	}
	code := CodeCertMalformed
	if ce.PublicKey {
		code = CodeCertPublicKey
	}
	return &Error{Code: code, Msg: ce.Msg}
}
