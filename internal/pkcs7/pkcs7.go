// Package pkcs7 reads the PKCS #7 / CMS SignedData of JAR (v1) signature
// blocks with internal/ber, keeping every element's original bytes.
//
// go.mozilla.org/pkcs7 cannot serve here: it parses certificates with
// crypto/x509 (which refuses negative serial numbers and BER-encoded
// certificates that Android accepts), re-encodes signed attributes before
// verifying (Android signs and verifies their original encoding, even when
// it is not in DER order), verifies neither DSA nor MD5, and checks signing
// times Android ignores (signer/pkcs7_gap_test.go shows the inputs that
// library refuses). Certificates are not parsed here, and no signature is
// verified: that is the v1 scheme's business.
package pkcs7

import (
	"fmt"
	"math/big"

	"github.com/apktrust/apktrust/internal/ber"
)

// Error is a SignedData this package refuses. UnsupportedContent is set
// when the ContentInfo holds something other than SignedData; otherwise
// the structure is malformed. The BER readers' own refusals come as
// *ber.Error.
type Error struct {
	Msg                string
	UnsupportedContent bool
}

// Error returns "pkcs7: " and the message.
func (e *Error) Error() string { return "pkcs7: " + e.Msg }

func errorf(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Object identifiers of the content and signed attributes v1 signatures use.
const (
	OIDSignedData    = "1.2.840.113549.1.7.2"
	OIDData          = "1.2.840.113549.1.7.1"
	OIDContentType   = "1.2.840.113549.1.9.3"
	OIDMessageDigest = "1.2.840.113549.1.9.4"
)

// AlgorithmID is an AlgorithmIdentifier; only the OID matters to
// Android.
type AlgorithmID struct{ OID string }

// ParseAlgorithmID reads an AlgorithmIdentifier SEQUENCE: an OID and
// optional parameters, which are not kept.
func ParseAlgorithmID(e ber.Element) (AlgorithmID, error) {
	if !ber.IsUniversal(e, 16) {
		return AlgorithmID{}, errorf("AlgorithmIdentifier is not a SEQUENCE")
	}
	var buf [2]ber.Element
	kids, err := ber.AppendChildren(buf[:0], e, 1)
	if err != nil {
		return AlgorithmID{}, err
	}
	if len(kids) < 1 || len(kids) > 2 {
		return AlgorithmID{}, errorf("AlgorithmIdentifier with %d fields", len(kids))
	}
	oid, err := ber.OID(kids[0])
	return AlgorithmID{OID: oid}, err
}

// SignedData is the part of a SignedData that JAR verification uses.
type SignedData struct {
	// ContentType is encapContentInfo.eContentType.
	ContentType string
	// Certificates are the encodings of the certificates bag, as found.
	Certificates [][]byte
	SignerInfos  []SignerInfo
}

// SignerInfo is one SignerInfo.
type SignerInfo struct {
	// IssuerRaw and Serial identify the signing certificate; IssuerRaw is
	// nil when the signer is identified by subject key identifier, which
	// Android does not support.
	IssuerRaw []byte
	Serial    *big.Int
	Digest    AlgorithmID
	Signature AlgorithmID
	// SignedAttrs is the original encoding of the [0] IMPLICIT signed
	// attributes, nil when absent.
	SignedAttrs []byte
	SigValue    []byte
}

// Parse parses a ContentInfo holding a SignedData, in BER or DER.
// Like Android, it ignores anything after the ContentInfo and does not
// parse certificates here (that happens when a SignerInfo is verified).
func Parse(b []byte) (*SignedData, error) {
	ci, _, err := ber.Read(b, 0)
	if err != nil {
		return nil, err
	}
	if !ber.IsUniversal(ci, 16) {
		return nil, errorf("ContentInfo is not a SEQUENCE")
	}
	var kidsBuf, wrappedBuf [2]ber.Element
	var fieldsBuf [6]ber.Element
	kids, err := ber.AppendChildren(kidsBuf[:0], ci, 0)
	if err != nil {
		return nil, err
	}
	if len(kids) < 1 {
		return nil, errorf("empty ContentInfo")
	}
	ct, err := ber.OID(kids[0])
	if err != nil {
		return nil, err
	}
	if ct != OIDSignedData {
		return nil, &Error{Msg: fmt.Sprintf("ContentInfo.contentType %s is not SignedData", ct), UnsupportedContent: true}
	}
	if len(kids) < 2 || !ber.IsContext(kids[1], 0) {
		return nil, errorf("ContentInfo without content")
	}
	wrapped, err := ber.AppendChildren(wrappedBuf[:0], kids[1], 0)
	if err != nil {
		return nil, err
	}
	if len(wrapped) != 1 || !ber.IsUniversal(wrapped[0], 16) {
		return nil, errorf("ContentInfo.content is not one SignedData SEQUENCE")
	}
	fields, err := ber.AppendChildren(fieldsBuf[:0], wrapped[0], 1)
	if err != nil {
		return nil, err
	}
	if len(fields) < 4 {
		return nil, errorf("SignedData with %d fields", len(fields))
	}
	sd := &SignedData{}
	if _, err := ber.Integer(fields[0]); err != nil {
		return nil, err
	}
	if !ber.IsUniversal(fields[1], 17) {
		return nil, errorf("SignedData.digestAlgorithms is not a SET")
	}
	algs, err := ber.Children(fields[1], 2)
	if err != nil {
		return nil, err
	}
	for _, a := range algs {
		if _, err := ParseAlgorithmID(a); err != nil {
			return nil, err
		}
	}
	if !ber.IsUniversal(fields[2], 16) {
		return nil, errorf("SignedData.encapContentInfo is not a SEQUENCE")
	}
	eci, err := ber.Children(fields[2], 2)
	if err != nil {
		return nil, err
	}
	if len(eci) < 1 || len(eci) > 2 {
		return nil, errorf("encapContentInfo with %d fields", len(eci))
	}
	if sd.ContentType, err = ber.OID(eci[0]); err != nil {
		return nil, err
	}
	i := 3
	if i < len(fields) && ber.IsContext(fields[i], 0) {
		certs, err := ber.Children(fields[i], 2)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			sd.Certificates = append(sd.Certificates, c.Raw)
		}
		i++
	}
	if i < len(fields) && ber.IsContext(fields[i], 1) {
		i++ // CRLs: Android ignores them.
	}
	if i >= len(fields) || !ber.IsUniversal(fields[i], 17) {
		return nil, errorf("SignedData.signerInfos missing")
	}
	sis, err := ber.Children(fields[i], 2)
	if err != nil {
		return nil, err
	}
	for _, s := range sis {
		si, err := parseSignerInfo(s)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	return sd, nil
}

func parseSignerInfo(e ber.Element) (SignerInfo, error) {
	var si SignerInfo
	if !ber.IsUniversal(e, 16) {
		return si, errorf("SignerInfo is not a SEQUENCE")
	}
	var fBuf [7]ber.Element
	f, err := ber.AppendChildren(fBuf[:0], e, 3)
	if err != nil {
		return si, err
	}
	if len(f) < 5 {
		return si, errorf("SignerInfo with %d fields", len(f))
	}
	if _, err := ber.Integer(f[0]); err != nil {
		return si, err
	}
	switch {
	case ber.IsUniversal(f[1], 16):
		var iasBuf [2]ber.Element
		ias, err := ber.AppendChildren(iasBuf[:0], f[1], 4)
		if err != nil {
			return si, err
		}
		if len(ias) != 2 || !ber.IsUniversal(ias[0], 16) {
			return si, errorf("malformed IssuerAndSerialNumber")
		}
		si.IssuerRaw = ias[0].Raw
		if si.Serial, err = ber.Integer(ias[1]); err != nil {
			return si, err
		}
	case ber.IsContext(f[1], 0):
		// subjectKeyIdentifier: parsed but never matches, as on Android.
	default:
		return si, errorf("unknown SignerIdentifier")
	}
	if si.Digest, err = ParseAlgorithmID(f[2]); err != nil {
		return si, err
	}
	i := 3
	if ber.IsContext(f[i], 0) {
		if !f[i].Constructed {
			return si, errorf("signedAttrs is not constructed")
		}
		si.SignedAttrs = f[i].Raw
		i++
	}
	if i+2 > len(f) {
		return si, errorf("SignerInfo too short")
	}
	if si.Signature, err = ParseAlgorithmID(f[i]); err != nil {
		return si, err
	}
	if si.SigValue, err = ber.Primitive(f[i+1], 4, 4); err != nil {
		return si, err
	}
	return si, nil
}

// Attribute is one attribute of a SignerInfo's signed attributes.
type Attribute struct {
	Type   string
	Values []ber.Element
}

// ParseSignedAttrs reads the signed attributes from their [0] IMPLICIT
// encoding.
func ParseSignedAttrs(raw []byte) ([]Attribute, error) {
	e, _, err := ber.Read(raw, 0)
	if err != nil {
		return nil, err
	}
	attrs, err := ber.Children(e, 0)
	if err != nil {
		return nil, err
	}
	out := make([]Attribute, 0, len(attrs))
	for _, a := range attrs {
		if !ber.IsUniversal(a, 16) {
			return nil, errorf("attribute is not a SEQUENCE")
		}
		f, err := ber.Children(a, 1)
		if err != nil {
			return nil, err
		}
		if len(f) != 2 || !ber.IsUniversal(f[1], 17) {
			return nil, errorf("malformed attribute")
		}
		t, err := ber.OID(f[0])
		if err != nil {
			return nil, err
		}
		vals, err := ber.Children(f[1], 2)
		if err != nil {
			return nil, err
		}
		out = append(out, Attribute{Type: t, Values: vals})
	}
	return out, nil
}
