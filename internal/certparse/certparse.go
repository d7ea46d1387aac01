// Package certparse parses signer certificates the way Android accepts
// them: through crypto/x509 when it can, else leniently (BER lengths,
// negative serial numbers and moduli, PEM armour, trailing bytes), with
// names formatted as RFC 4514 text and the fingerprints other tools show.
//
// It sits below package signer, which wraps it as ParseCertificate, and
// below internal/scheme and internal/sigalg, which use its SPKI reader.
// Certificate has exactly the fields of signer.Certificate, so that either
// converts to the other without a copy.
package certparse

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"time"
)

// Certificate is signer.Certificate without its methods; see there for
// the fields. The two must keep the same fields in the same order (a
// conversion between them then compiles).
type Certificate struct {
	Raw                     []byte
	SHA256                  [32]byte
	SHA1                    [20]byte
	MD5                     [16]byte
	PublicKeySHA256         [32]byte
	Subject                 string
	Issuer                  string
	SerialNumber            *big.Int
	NotBefore               time.Time
	NotAfter                time.Time
	PublicKey               crypto.PublicKey
	RawSubjectPublicKeyInfo []byte
	PublicKeyAlgorithm      string
	KeySize                 int
	X509                    *x509.Certificate
}

// Parse parses one certificate: DER through crypto/x509, or what Java's
// CertificateFactory also takes. The identity (Raw, SHA256) is always the
// bytes exactly as given. Errors are *Error.
func Parse(der []byte) (*Certificate, error) {
	raw := append([]byte(nil), der...)
	if xc, err := x509.ParseCertificate(raw); err == nil {
		return FromX509(raw, xc, xc), nil
	}
	return Lenient(raw)
}

// FromX509 fills a Certificate from what crypto/x509 parsed, keeping raw
// (the bytes as given) as the identity. std is the standard library's
// certificate to expose as X509, nil when it parsed only a re-encoding of
// raw (its Raw would then not be the certificate's bytes).
func FromX509(raw []byte, xc, std *x509.Certificate) *Certificate {
	c := &Certificate{
		Raw:                     raw,
		SHA256:                  sha256.Sum256(raw),
		Subject:                 xc.Subject.String(),
		Issuer:                  xc.Issuer.String(),
		SerialNumber:            xc.SerialNumber,
		NotBefore:               xc.NotBefore,
		NotAfter:                xc.NotAfter,
		PublicKey:               xc.PublicKey,
		RawSubjectPublicKeyInfo: xc.RawSubjectPublicKeyInfo,
		X509:                    std,
	}
	c.PublicKeyAlgorithm, c.KeySize = DescribeKey(xc.PublicKey, xc.PublicKeyAlgorithm)
	c.FillNamesAndDigests(xc.RawSubject, xc.RawIssuer)
	return c
}
