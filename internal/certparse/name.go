package certparse

import (
	"crypto/md5" //nolint:gosec // MD5 fingerprints are reported for matching older reports, never trusted.
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// attributeNames are the short names of the X.500 attribute types that
// certificate subjects and issuers use, as RFC 4514, RFC 4519 and PKCS #9
// spell them. An attribute not listed is shown by its OID.
var attributeNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.13":                   "description",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "POSTALCODE",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.97":                   "organizationIdentifier",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"1.2.840.113549.1.9.2":       "unstructuredName",
}

// pkixOrder are the attribute types crypto/x509's pkix.Name gathers into
// its named fields, in the order its String method emits them from last
// to first. formatName keeps that order, so the subjects of earlier
// versions (and every message naming a certificate) read the same.
var pkixOrder = []string{"2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.9", "2.5.4.17", "2.5.4.10", "2.5.4.11", "2.5.4.3", "2.5.4.5"}

// formatName renders a DER or BER X.500 Name as crypto/x509's
// pkix.Name.String does (RFC 4514 escaping, the common attributes grouped
// in its order, other attributes after them in the certificate's order),
// with two differences: attributes crypto/x509 does not name get their
// usual names, so an emailAddress reads as emailAddress=dev@example.com
// rather than 1.2.840.113549.1.9.1=#0c10..., and a value that is not valid
// UTF-8 keeps its bytes instead of making the whole name empty. Values are
// the text of the string types as the certificate holds it: invalid UTF-8
// and control characters are kept (callers that print it escape them). A
// value of another type is "#" and the hex of its encoding, as RFC 4514
// says. ok is false when the bytes are not a Name.
func formatName(raw []byte) (s string, ok bool) {
	var p berParser
	n, rest, err := p.parse(raw, 0)
	if err != nil || len(rest) != 0 || !n.is(0, berTagSeq, true) {
		return "", false
	}
	type atv struct{ oid, text string }
	var other []atv
	grouped := map[string][]string{}
	for _, set := range n.children {
		if !set.is(0, berTagSet, true) {
			return "", false
		}
		for _, a := range set.children {
			if !a.is(0, berTagSeq, true) || len(a.children) != 2 || !a.children[0].is(0, 6, false) {
				return "", false
			}
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(a.children[0].der(), &oid); err != nil {
				return "", false
			}
			o := oid.String()
			name, known := attributeNames[o]
			if !known {
				name = o
			}
			text := name + "=" + attributeValue(a.children[1])
			if slices.Contains(pkixOrder, o) {
				grouped[o] = append(grouped[o], text)
			} else {
				other = append(other, atv{o, text})
			}
		}
	}
	// The RDNs from first to last; printed last first.
	var rdns []string
	for _, a := range other {
		rdns = append(rdns, a.text)
	}
	for _, o := range pkixOrder {
		if g := grouped[o]; len(g) > 0 {
			rdns = append(rdns, strings.Join(g, "+"))
		}
	}
	slices.Reverse(rdns)
	return strings.Join(rdns, ","), true
}

// attributeValue is one attribute value: the text of a string type,
// escaped as RFC 4514 requires, else "#" and the hex of its DER encoding.
func attributeValue(v *berNode) string {
	if v.class != 0 || v.constructed {
		return "#" + hex.EncodeToString(v.der())
	}
	var text string
	switch v.tag {
	case 12, 18, 19, 20, 22, 26: // UTF8, Numeric, Printable, T61, IA5, Visible
		text = string(v.content)
	case 30: // BMPString: UTF-16BE
		if len(v.content)%2 != 0 {
			return "#" + hex.EncodeToString(v.der())
		}
		u := make([]uint16, len(v.content)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(v.content[2*i:])
		}
		text = string(utf16.Decode(u))
	case 28: // UniversalString: UTF-32BE
		if len(v.content)%4 != 0 {
			return "#" + hex.EncodeToString(v.der())
		}
		var b strings.Builder
		for i := 0; i < len(v.content); i += 4 {
			r := rune(binary.BigEndian.Uint32(v.content[i:]))
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		}
		text = b.String()
	default:
		return "#" + hex.EncodeToString(v.der())
	}
	return escapeDNValue(text)
}

// escapeDNValue escapes the characters RFC 4514 section 2.4 requires:
// ",+\"\\<>;", a leading "#" or space and a trailing space. Bytes that are
// not valid UTF-8 are left as they are.
func escapeDNValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(",+\"\\<>;", c) >= 0,
			i == 0 && (c == '#' || c == ' '),
			i == len(s)-1 && c == ' ':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// FillNamesAndDigests sets Subject and Issuer from the encoded names (when
// they parse; otherwise the caller's values stay) and the fingerprints
// other tools show: SHA-1 and MD5 of the certificate, SHA-256 of the
// public key.
func (c *Certificate) FillNamesAndDigests(rawSubject, rawIssuer []byte) {
	if s, ok := formatName(rawSubject); ok {
		c.Subject = s
	}
	if s, ok := formatName(rawIssuer); ok {
		c.Issuer = s
	}
	c.SHA1 = sha1.Sum(c.Raw)
	c.MD5 = md5.Sum(c.Raw)
	c.PublicKeySHA256 = sha256.Sum256(c.RawSubjectPublicKeyInfo)
}
