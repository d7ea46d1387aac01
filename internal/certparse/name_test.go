package certparse

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawName encodes a Name of one attribute per RDN with the given ASN.1
// string tag, which lets a test put bytes crypto/x509 would refuse to
// write.
func rawName(t *testing.T, atvs ...struct {
	oid asn1.ObjectIdentifier
	tag int
	val []byte
}) []byte {
	t.Helper()
	var rdns []byte
	for _, a := range atvs {
		oid, err := asn1.Marshal(a.oid)
		require.NoError(t, err)
		val, err := asn1.Marshal(asn1.RawValue{Tag: a.tag, Bytes: a.val})
		require.NoError(t, err)
		seq, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(oid, val...)})
		require.NoError(t, err)
		set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: seq})
		require.NoError(t, err)
		rdns = append(rdns, set...)
	}
	name, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: rdns})
	require.NoError(t, err)
	return name
}

type atvSpec = struct {
	oid asn1.ObjectIdentifier
	tag int
	val []byte
}

var (
	oidCN    = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO     = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidDC    = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	oidOdd   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}
)

func certWithNames(t *testing.T, subject, issuer []byte) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		RawSubject:   subject,
		Subject:      pkix.Name{CommonName: "unused"},
		NotBefore:    time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		NotAfter:     time.Date(2045, 6, 7, 8, 9, 10, 0, time.UTC),
	}
	parent := &x509.Certificate{RawSubject: issuer}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, key)
	require.NoError(t, err)
	return der
}

// TestCertificateNames checks that subjects read with the usual attribute
// names, in the order earlier versions printed, and that a subject with
// invalid UTF-8 or control characters keeps its bytes rather than coming
// out empty.
func TestCertificateNames(t *testing.T) {
	cases := []struct {
		name    string
		subject []atvSpec
		want    string
	}{
		{"email address by name", []atvSpec{{oidO, asn1.TagUTF8String, []byte("Example")}, {oidCN, asn1.TagUTF8String, []byte("Dev")}, {oidEmail, asn1.TagIA5String, []byte("dev@example.com")}},
			"CN=Dev,O=Example,emailAddress=dev@example.com"},
		{"domain component", []atvSpec{{oidDC, asn1.TagIA5String, []byte("org")}, {oidCN, asn1.TagPrintableString, []byte("x")}},
			"CN=x,DC=org"},
		{"unknown attribute as hex", []atvSpec{{oidOdd, asn1.TagUTF8String, []byte("v")}},
			"1.3.6.1.4.1.99999.1=v"},
		{"RFC 4514 escapes", []atvSpec{{oidCN, asn1.TagUTF8String, []byte("#a,b+c ")}},
			`CN=\#a\,b\+c\ `},
		{"invalid UTF-8 and ESC kept", []atvSpec{{oidCN, asn1.TagUTF8String, []byte("evil\xff\x1b[8m\nTRUSTED")}},
			"CN=evil\xff\x1b[8m\nTRUSTED"},
		{"BMPString", []atvSpec{{oidCN, 30, []byte{0, 'h', 0, 'i', 0x00, 0xe9}}}, "CN=hié"},
		{"integer value as hex", []atvSpec{{oidCN, asn1.TagInteger, []byte{5}}}, "CN=#020105"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			subject := rawName(t, c.subject...)
			issuer := rawName(t, atvSpec{oidCN, asn1.TagUTF8String, []byte("Issuer")})
			cert, err := Parse(certWithNames(t, subject, issuer))
			require.NoError(t, err)
			assert.Equal(t, c.want, cert.Subject)
			assert.Equal(t, "CN=Issuer", cert.Issuer)
			assert.Equal(t, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), cert.NotBefore.UTC())
			assert.Equal(t, time.Date(2045, 6, 7, 8, 9, 10, 0, time.UTC), cert.NotAfter.UTC())
		})
	}
}

func FuzzFormatName(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok := formatName(b)
		if !ok && s != "" {
			t.Fatalf("failed parse returned %q", s)
		}
	})
}
