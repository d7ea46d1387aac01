package signer

import (
	"bytes"
	"crypto"
	"math/big"
	"strconv"
	"strings"

	"github.com/apktrust/apktrust/internal/ber"
)

// This file reads the PKCS #7 / CMS SignedData of v1 signature blocks.
//
// go.mozilla.org/pkcs7 cannot serve here: it parses certificates with
// crypto/x509 (which refuses negative serial numbers and BER-encoded
// certificates that Android accepts), re-encodes signed attributes before
// verifying (Android signs and verifies their original encoding, even when
// it is not in DER order), verifies neither DSA nor MD5, and checks signing
// times Android ignores. So the structure is read here with a small BER
// reader that keeps every element's original bytes. See
// pkcs7_gap_test.go for the inputs that library refuses.

// Object identifiers used by v1 signatures.
const (
	pkcs7OIDSignedData    = "1.2.840.113549.1.7.2"
	pkcs7OIDData          = "1.2.840.113549.1.7.1"
	pkcs7OIDContentType   = "1.2.840.113549.1.9.3"
	pkcs7OIDMessageDigest = "1.2.840.113549.1.9.4"
)

func pkcs7Errorf(format string, args ...any) *Error {
	return v1Errorf(CodePKCS7Malformed, format, args...)
}

// v1Children returns the elements a constructed element contains.
func v1Children(e ber.Element, depth int) ([]ber.Element, error) {
	if !e.Constructed {
		return nil, pkcs7Errorf("expected a constructed element")
	}
	var out []ber.Element
	rest := e.Content
	for len(rest) > 0 {
		c, r, err := readBER(rest, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = r
	}
	return out, nil
}

// v1Primitive returns the content of a primitive element of the given
// universal tag, joining the segments of a constructed (BER) encoding for
// string types.
func v1Primitive(e ber.Element, tag int, depth int) ([]byte, error) {
	if e.Class != 0 || e.Tag != tag {
		return nil, pkcs7Errorf("expected universal tag %d, found class %d tag %d", tag, e.Class, e.Tag)
	}
	if !e.Constructed {
		return e.Content, nil
	}
	if tag != 4 && tag != 3 {
		return nil, pkcs7Errorf("constructed encoding of universal tag %d", tag)
	}
	parts, err := v1Children(e, depth)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, p := range parts {
		b, err := v1Primitive(p, tag, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

func v1IsUniversal(e ber.Element, tag int) bool { return e.Class == 0 && e.Tag == tag }
func v1IsContext(e ber.Element, tag int) bool   { return e.Class == 2 && e.Tag == tag }

// v1OID decodes an OBJECT IDENTIFIER into its dotted form.
func v1OID(e ber.Element) (string, error) {
	c, err := v1Primitive(e, 6, 0)
	if err != nil {
		return "", err
	}
	if len(c) == 0 || len(c) > 256 {
		return "", pkcs7Errorf("bad OBJECT IDENTIFIER length %d", len(c))
	}
	var arcs []uint64
	var v uint64
	for i, b := range c {
		if v > 1<<56 {
			return "", pkcs7Errorf("OBJECT IDENTIFIER arc too large")
		}
		v = v<<7 | uint64(b&0x7f)
		if b&0x80 == 0 {
			arcs = append(arcs, v)
			v = 0
		} else if i == len(c)-1 {
			return "", pkcs7Errorf("truncated OBJECT IDENTIFIER")
		}
	}
	var sb strings.Builder
	first := arcs[0]
	switch {
	case first < 40:
		sb.WriteString("0." + strconv.FormatUint(first, 10))
	case first < 80:
		sb.WriteString("1." + strconv.FormatUint(first-40, 10))
	default:
		sb.WriteString("2." + strconv.FormatUint(first-80, 10))
	}
	for _, a := range arcs[1:] {
		sb.WriteByte('.')
		sb.WriteString(strconv.FormatUint(a, 10))
	}
	return sb.String(), nil
}

// v1Integer decodes an INTEGER (two's complement, any sign).
func v1Integer(e ber.Element) (*big.Int, error) {
	c, err := v1Primitive(e, 2, 0)
	if err != nil {
		return nil, err
	}
	if len(c) == 0 {
		return nil, pkcs7Errorf("empty INTEGER")
	}
	n := new(big.Int).SetBytes(c)
	if c[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(c))*8))
	}
	return n, nil
}

// pkcs7AlgorithmID is an AlgorithmIdentifier; only the OID matters to
// Android.
type pkcs7AlgorithmID struct{ OID string }

func pkcs7ParseAlgID(e ber.Element) (pkcs7AlgorithmID, error) {
	if !v1IsUniversal(e, 16) {
		return pkcs7AlgorithmID{}, pkcs7Errorf("AlgorithmIdentifier is not a SEQUENCE")
	}
	kids, err := v1Children(e, 1)
	if err != nil {
		return pkcs7AlgorithmID{}, err
	}
	if len(kids) < 1 || len(kids) > 2 {
		return pkcs7AlgorithmID{}, pkcs7Errorf("AlgorithmIdentifier with %d fields", len(kids))
	}
	oid, err := v1OID(kids[0])
	return pkcs7AlgorithmID{OID: oid}, err
}

// pkcs7SignedData is the part of a SignedData that JAR verification uses.
type pkcs7SignedData struct {
	// ContentType is encapContentInfo.eContentType.
	ContentType string
	// Certificates are the encodings of the certificates bag, as found.
	Certificates [][]byte
	SignerInfos  []pkcs7SignerInfo
}

// pkcs7SignerInfo is one SignerInfo.
type pkcs7SignerInfo struct {
	// IssuerRaw and Serial identify the signing certificate; IssuerRaw is
	// nil when the signer is identified by subject key identifier, which
	// Android does not support.
	IssuerRaw []byte
	Serial    *big.Int
	Digest    pkcs7AlgorithmID
	Signature pkcs7AlgorithmID
	// SignedAttrs is the original encoding of the [0] IMPLICIT signed
	// attributes, nil when absent.
	SignedAttrs []byte
	SigValue    []byte
}

// parsePKCS7 parses a ContentInfo holding a SignedData, in BER or DER.
// Like Android, it ignores anything after the ContentInfo and does not
// parse certificates here (that happens when a SignerInfo is verified).
func parsePKCS7(b []byte) (*pkcs7SignedData, error) {
	ci, _, err := readBER(b, 0)
	if err != nil {
		return nil, err
	}
	if !v1IsUniversal(ci, 16) {
		return nil, pkcs7Errorf("ContentInfo is not a SEQUENCE")
	}
	kids, err := v1Children(ci, 0)
	if err != nil {
		return nil, err
	}
	if len(kids) < 1 {
		return nil, pkcs7Errorf("empty ContentInfo")
	}
	ct, err := v1OID(kids[0])
	if err != nil {
		return nil, err
	}
	if ct != pkcs7OIDSignedData {
		return nil, v1Errorf(CodePKCS7UnsupportedContent, "ContentInfo.contentType %s is not SignedData", ct)
	}
	if len(kids) < 2 || !v1IsContext(kids[1], 0) {
		return nil, pkcs7Errorf("ContentInfo without content")
	}
	wrapped, err := v1Children(kids[1], 0)
	if err != nil {
		return nil, err
	}
	if len(wrapped) != 1 || !v1IsUniversal(wrapped[0], 16) {
		return nil, pkcs7Errorf("ContentInfo.content is not one SignedData SEQUENCE")
	}
	fields, err := v1Children(wrapped[0], 1)
	if err != nil {
		return nil, err
	}
	if len(fields) < 4 {
		return nil, pkcs7Errorf("SignedData with %d fields", len(fields))
	}
	sd := &pkcs7SignedData{}
	if _, err := v1Integer(fields[0]); err != nil {
		return nil, err
	}
	if !v1IsUniversal(fields[1], 17) {
		return nil, pkcs7Errorf("SignedData.digestAlgorithms is not a SET")
	}
	algs, err := v1Children(fields[1], 2)
	if err != nil {
		return nil, err
	}
	for _, a := range algs {
		if _, err := pkcs7ParseAlgID(a); err != nil {
			return nil, err
		}
	}
	if !v1IsUniversal(fields[2], 16) {
		return nil, pkcs7Errorf("SignedData.encapContentInfo is not a SEQUENCE")
	}
	eci, err := v1Children(fields[2], 2)
	if err != nil {
		return nil, err
	}
	if len(eci) < 1 || len(eci) > 2 {
		return nil, pkcs7Errorf("encapContentInfo with %d fields", len(eci))
	}
	if sd.ContentType, err = v1OID(eci[0]); err != nil {
		return nil, err
	}
	i := 3
	if i < len(fields) && v1IsContext(fields[i], 0) {
		certs, err := v1Children(fields[i], 2)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			sd.Certificates = append(sd.Certificates, c.Raw)
		}
		i++
	}
	if i < len(fields) && v1IsContext(fields[i], 1) {
		i++ // CRLs: Android ignores them.
	}
	if i >= len(fields) || !v1IsUniversal(fields[i], 17) {
		return nil, pkcs7Errorf("SignedData.signerInfos missing")
	}
	sis, err := v1Children(fields[i], 2)
	if err != nil {
		return nil, err
	}
	for _, s := range sis {
		si, err := pkcs7ParseSignerInfo(s)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	return sd, nil
}

func pkcs7ParseSignerInfo(e ber.Element) (pkcs7SignerInfo, error) {
	var si pkcs7SignerInfo
	if !v1IsUniversal(e, 16) {
		return si, pkcs7Errorf("SignerInfo is not a SEQUENCE")
	}
	f, err := v1Children(e, 3)
	if err != nil {
		return si, err
	}
	if len(f) < 5 {
		return si, pkcs7Errorf("SignerInfo with %d fields", len(f))
	}
	if _, err := v1Integer(f[0]); err != nil {
		return si, err
	}
	switch {
	case v1IsUniversal(f[1], 16):
		ias, err := v1Children(f[1], 4)
		if err != nil {
			return si, err
		}
		if len(ias) != 2 || !v1IsUniversal(ias[0], 16) {
			return si, pkcs7Errorf("malformed IssuerAndSerialNumber")
		}
		si.IssuerRaw = ias[0].Raw
		if si.Serial, err = v1Integer(ias[1]); err != nil {
			return si, err
		}
	case v1IsContext(f[1], 0):
		// subjectKeyIdentifier: parsed but never matches, as on Android.
	default:
		return si, pkcs7Errorf("unknown SignerIdentifier")
	}
	if si.Digest, err = pkcs7ParseAlgID(f[2]); err != nil {
		return si, err
	}
	i := 3
	if v1IsContext(f[i], 0) {
		if !f[i].Constructed {
			return si, pkcs7Errorf("signedAttrs is not constructed")
		}
		si.SignedAttrs = f[i].Raw
		i++
	}
	if i+2 > len(f) {
		return si, pkcs7Errorf("SignerInfo too short")
	}
	if si.Signature, err = pkcs7ParseAlgID(f[i]); err != nil {
		return si, err
	}
	if si.SigValue, err = v1Primitive(f[i+1], 4, 4); err != nil {
		return si, err
	}
	return si, nil
}

// pkcs7Attribute is one attribute of a SignerInfo's signed attributes.
type pkcs7Attribute struct {
	Type   string
	Values []ber.Element
}

// pkcs7ParseSignedAttrs reads the signed attributes from their [0] IMPLICIT
// encoding.
func pkcs7ParseSignedAttrs(raw []byte) ([]pkcs7Attribute, error) {
	e, _, err := readBER(raw, 0)
	if err != nil {
		return nil, err
	}
	attrs, err := v1Children(e, 0)
	if err != nil {
		return nil, err
	}
	out := make([]pkcs7Attribute, 0, len(attrs))
	for _, a := range attrs {
		if !v1IsUniversal(a, 16) {
			return nil, pkcs7Errorf("attribute is not a SEQUENCE")
		}
		f, err := v1Children(a, 1)
		if err != nil {
			return nil, err
		}
		if len(f) != 2 || !v1IsUniversal(f[1], 17) {
			return nil, pkcs7Errorf("malformed attribute")
		}
		t, err := v1OID(f[0])
		if err != nil {
			return nil, err
		}
		vals, err := v1Children(f[1], 2)
		if err != nil {
			return nil, err
		}
		out = append(out, pkcs7Attribute{Type: t, Values: vals})
	}
	return out, nil
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

func pkcs7ParseCertID(raw []byte) (*pkcs7CertID, error) {
	bad := func(why string) error { return v1Errorf(CodePKCS7CertificateMalformed, "certificate: %s", why) }
	c, _, err := readBER(raw, 0)
	if err != nil {
		return nil, err
	}
	if !v1IsUniversal(c, 16) {
		return nil, bad("not a SEQUENCE")
	}
	top, err := v1Children(c, 0)
	if err != nil {
		return nil, err
	}
	if len(top) != 3 || !v1IsUniversal(top[0], 16) {
		return nil, bad("expected tbsCertificate, signatureAlgorithm, signature")
	}
	tbs, err := v1Children(top[0], 1)
	if err != nil {
		return nil, err
	}
	i := 0
	if len(tbs) > 0 && v1IsContext(tbs[0], 0) {
		i++
	}
	if len(tbs) < i+6 {
		return nil, bad("tbsCertificate too short")
	}
	id := &pkcs7CertID{Raw: c.Raw}
	if id.Serial, err = v1Integer(tbs[i]); err != nil {
		return nil, err
	}
	if !v1IsUniversal(tbs[i+2], 16) || !v1IsUniversal(tbs[i+4], 16) || !v1IsUniversal(tbs[i+5], 16) {
		return nil, bad("malformed issuer, subject or subjectPublicKeyInfo")
	}
	id.IssuerRaw, id.SubjectRaw, id.SPKI = tbs[i+2].Raw, tbs[i+4].Raw, tbs[i+5].Raw
	for _, f := range tbs[i+6:] {
		if !v1IsContext(f, 3) {
			continue
		}
		w, err := v1Children(f, 2)
		if err != nil || len(w) != 1 {
			return nil, bad("malformed extensions")
		}
		exts, err := v1Children(w[0], 3)
		if err != nil {
			return nil, err
		}
		for _, x := range exts {
			xf, err := v1Children(x, 4)
			if err != nil || len(xf) < 2 {
				return nil, bad("malformed extension")
			}
			oid, err := v1OID(xf[0])
			if err != nil {
				return nil, err
			}
			critical := false
			v := xf[len(xf)-1]
			if len(xf) == 3 && v1IsUniversal(xf[1], 1) {
				critical = len(xf[1].Content) == 1 && xf[1].Content[0] != 0
			}
			val, err := v1Primitive(v, 4, 5)
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
				bits, err := v1Primitive(ku, 3, 5)
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
	if err != nil || !v1IsUniversal(e, 16) {
		return "", false
	}
	rdns, err := v1Children(e, 1)
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	for _, rdn := range rdns {
		atvs, err := v1Children(rdn, 2)
		if err != nil {
			return "", false
		}
		sb.WriteByte('/')
		for _, atv := range atvs {
			f, err := v1Children(atv, 3)
			if err != nil || len(f) != 2 {
				return "", false
			}
			oid, err := v1OID(f[0])
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
