package scheme

import (
	"bytes"
	"crypto"
	"errors"
	"math/big"
	"strings"

	"github.com/apktrust/apktrust/internal/ber"
	"github.com/apktrust/apktrust/internal/pkcs7"
)

// The PKCS #7 / CMS SignedData of v1 signature blocks is read by
// internal/pkcs7 (see there why go.mozilla.org/pkcs7 cannot serve). What
// stays here is v1 scheme logic: how its errors become v1 issues, and
// what Android requires of the certificates that identify a signer.

func pkcs7Errorf(format string, args ...any) *Error {
	return v1Errorf(CodePKCS7Malformed, format, args...)
}

// parsePKCS7 is pkcs7.Parse with its errors reported as the v1 issue codes
// they always carried (PKCS7_MALFORMED, or PKCS7_UNSUPPORTED_CONTENT for a
// ContentInfo that is not SignedData), with the same text.
func parsePKCS7(b []byte) (*pkcs7.SignedData, error) {
	sd, err := pkcs7.Parse(b)
	if err != nil {
		return nil, pkcs7Error(err)
	}
	return sd, nil
}

// pkcs7ParseSignedAttrs is pkcs7.ParseSignedAttrs with parsePKCS7's error
// codes.
func pkcs7ParseSignedAttrs(raw []byte) ([]pkcs7.Attribute, error) {
	attrs, err := pkcs7.ParseSignedAttrs(raw)
	if err != nil {
		return nil, pkcs7Error(err)
	}
	return attrs, nil
}

func pkcs7Error(err error) error {
	var pe *pkcs7.Error
	if errors.As(err, &pe) {
		if pe.UnsupportedContent {
			return v1Errorf(CodePKCS7UnsupportedContent, "%s", pe.Msg)
		}
		return pkcs7Errorf("%s", pe.Msg)
	}
	return berError(err)
}

// pkcs7CertID is what v1 verification needs from a certificate, read
// directly from its (BER or DER) encoding so that certificates crypto/x509
// refuses still identify their signer as on Android.
type pkcs7CertID struct {
	Raw        []byte
	Serial     *big.Int
	IssuerRaw  []byte
	SubjectRaw []byte
	SPKI       []byte
	// KeyUsage is nil when the certificate has no keyUsage extension.
	KeyUsage []byte
	// UnknownCritical is set when a critical extension is not one Android
	// understands.
	UnknownCritical bool

	pub    crypto.PublicKey // parsed on first use
	pubErr error
}

// Extensions Android's certificate implementation understands; a critical
// extension outside this set makes it refuse the signing certificate.
var pkcs7KnownExtensions = map[string]bool{
	"2.5.29.9": true, "2.5.29.14": true, "2.5.29.15": true, "2.5.29.16": true,
	"2.5.29.17": true, "2.5.29.18": true, "2.5.29.19": true, "2.5.29.30": true,
	"2.5.29.31": true, "2.5.29.32": true, "2.5.29.33": true, "2.5.29.35": true,
	"2.5.29.36": true, "2.5.29.37": true, "2.5.29.46": true, "2.5.29.54": true,
	"1.3.6.1.5.5.7.1.1": true, "1.3.6.1.5.5.7.1.11": true,
	"2.16.840.1.113730.1.1": true, "1.3.6.1.5.5.7.48.1.5": true,
}

// pkcs7ParseCertID reads what v1 verification needs from a certificate;
// a malformed encoding is PKCS7_MALFORMED, a well-formed one that is not a
// certificate PKCS7_CERTIFICATE_MALFORMED.
func pkcs7ParseCertID(raw []byte) (*pkcs7CertID, error) {
	id, err := pkcs7ReadCertID(raw)
	if err != nil {
		return nil, berError(err)
	}
	return id, nil
}

func pkcs7ReadCertID(raw []byte) (*pkcs7CertID, error) {
	bad := func(why string) error { return v1Errorf(CodePKCS7CertificateMalformed, "certificate: %s", why) }
	c, _, err := readBER(raw, 0)
	if err != nil {
		return nil, err
	}
	if !ber.IsUniversal(c, 16) {
		return nil, bad("not a SEQUENCE")
	}
	// Stack buffers: the elements are looked at here, never kept.
	var topBuf [3]ber.Element
	var tbsBuf [10]ber.Element
	var xBuf [3]ber.Element
	top, err := ber.AppendChildren(topBuf[:0], c, 0)
	if err != nil {
		return nil, err
	}
	if len(top) != 3 || !ber.IsUniversal(top[0], 16) {
		return nil, bad("expected tbsCertificate, signatureAlgorithm, signature")
	}
	tbs, err := ber.AppendChildren(tbsBuf[:0], top[0], 1)
	if err != nil {
		return nil, err
	}
	i := 0
	if len(tbs) > 0 && ber.IsContext(tbs[0], 0) {
		i++
	}
	if len(tbs) < i+6 {
		return nil, bad("tbsCertificate too short")
	}
	id := &pkcs7CertID{Raw: c.Raw}
	if id.Serial, err = ber.Integer(tbs[i]); err != nil {
		return nil, err
	}
	if !ber.IsUniversal(tbs[i+2], 16) || !ber.IsUniversal(tbs[i+4], 16) || !ber.IsUniversal(tbs[i+5], 16) {
		return nil, bad("malformed issuer, subject or subjectPublicKeyInfo")
	}
	id.IssuerRaw, id.SubjectRaw, id.SPKI = tbs[i+2].Raw, tbs[i+4].Raw, tbs[i+5].Raw
	for _, f := range tbs[i+6:] {
		if !ber.IsContext(f, 3) {
			continue
		}
		w, err := ber.Children(f, 2)
		if err != nil || len(w) != 1 {
			return nil, bad("malformed extensions")
		}
		exts, err := ber.Children(w[0], 3)
		if err != nil {
			return nil, err
		}
		for _, x := range exts {
			xf, err := ber.AppendChildren(xBuf[:0], x, 4)
			if err != nil || len(xf) < 2 {
				return nil, bad("malformed extension")
			}
			oid, err := ber.OID(xf[0])
			if err != nil {
				return nil, err
			}
			critical := false
			v := xf[len(xf)-1]
			if len(xf) == 3 && ber.IsUniversal(xf[1], 1) {
				critical = len(xf[1].Content) == 1 && xf[1].Content[0] != 0
			}
			val, err := ber.Primitive(v, 4, 5)
			if err != nil {
				return nil, err
			}
			if critical && !pkcs7KnownExtensions[oid] {
				id.UnknownCritical = true
			}
			if oid == "2.5.29.15" {
				ku, _, err := readBER(val, 5)
				if err != nil {
					return nil, err
				}
				bits, err := ber.Primitive(ku, 3, 5)
				if err != nil || len(bits) < 1 {
					return nil, bad("malformed keyUsage")
				}
				id.KeyUsage = append([]byte{}, bits[1:]...)
			}
		}
	}
	return id, nil
}

// keyUsageAllowsSigning applies Android's rule: without a keyUsage
// extension any use is allowed; with one, digitalSignature or
// nonRepudiation must be set.
func (id *pkcs7CertID) keyUsageAllowsSigning() bool {
	if id.KeyUsage == nil {
		return true
	}
	return len(id.KeyUsage) > 0 && id.KeyUsage[0]&0xC0 != 0
}

// pkcs7SameName compares two encoded X.500 names the way Java's
// X500Principal.equals does, approximately: equal encodings match, and so
// do names whose attribute values differ only in letter case and
// surrounding or repeated white space.
func pkcs7SameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, okA := pkcs7CanonicalName(a)
	cb, okB := pkcs7CanonicalName(b)
	return okA && okB && ca == cb
}

func pkcs7CanonicalName(raw []byte) (string, bool) {
	e, _, err := readBER(raw, 0)
	if err != nil || !ber.IsUniversal(e, 16) {
		return "", false
	}
	rdns, err := ber.Children(e, 1)
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	for _, rdn := range rdns {
		atvs, err := ber.Children(rdn, 2)
		if err != nil {
			return "", false
		}
		sb.WriteByte('/')
		for _, atv := range atvs {
			f, err := ber.Children(atv, 3)
			if err != nil || len(f) != 2 {
				return "", false
			}
			oid, err := ber.OID(f[0])
			if err != nil {
				return "", false
			}
			v := string(f[1].Content)
			if f[1].Class != 0 || f[1].Constructed {
				v = string(f[1].Raw)
			} else {
				v = strings.ToLower(strings.Join(strings.Fields(v), " "))
			}
			sb.WriteString(oid + "=" + v + "+")
		}
	}
	return sb.String(), true
}
