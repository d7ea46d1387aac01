package signer

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"math/big"
	"time"

	"github.com/apktrust/apktrust/internal/apkzip"
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

// certKey is the archive memo key of a parsed certificate.
type certKey [sha256.Size]byte

// certResult is a parsed certificate or the error parsing it.
type certResult struct {
	c   *Certificate
	err error
}

// archiveCertificate parses der once per archive: the v2, v3 and v3.1
// blocks of one app usually carry the same certificate, and each
// verification of a small app would otherwise spend a good part of its
// time and memory parsing it again. Certificates are never modified after
// parsing, so the results share them. Without an archive it just parses.
func archiveCertificate(a *apkzip.Archive, der []byte) (*Certificate, error) {
	if a == nil {
		return ParseCertificate(der)
	}
	r := a.Memo(certKey(sha256.Sum256(der)), func() any {
		c, err := ParseCertificate(der)
		return certResult{c, err}
	}).(certResult)
	return r.c, r.err
}

// ParseCertificate parses one certificate the way Android accepts it: DER,
// or what Java's CertificateFactory also takes (BER length forms, a PEM
// block, trailing bytes after the certificate, negative serial numbers).
// The identity (Raw, SHA256) is always the bytes exactly as given.
//
// Parses are cached process-wide (bounded, keyed by the SHA-256 of der);
// every call returns a certificate of its own, apart from the deeper parts
// of its X509 view (names, OIDs, URLs), which calls may share and which
// are to be treated as read-only.
func ParseCertificate(der []byte) (*Certificate, error) {
	return certCache.get(der, parseCertificate)
}

// parseCertificate is ParseCertificate without the cache.
func parseCertificate(der []byte) (*Certificate, error) {
	raw := append([]byte(nil), der...)
	if xc, err := x509.ParseCertificate(raw); err == nil {
		return certificateFromX509(raw, xc, xc), nil
	}
	return parseCertificateLenient(raw)
}

// certificateFromX509 fills a Certificate from what crypto/x509 parsed,
// keeping raw (the bytes as given) as the identity. std is the standard
// library's certificate to expose as X509, nil when it parsed only a
// re-encoding of raw (its Raw would then not be the certificate's bytes).
func certificateFromX509(raw []byte, xc, std *x509.Certificate) *Certificate {
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
	c.PublicKeyAlgorithm, c.KeySize = describeKey(xc.PublicKey, xc.PublicKeyAlgorithm)
	c.fillNamesAndDigests(xc.RawSubject, xc.RawIssuer)
	return c
}
