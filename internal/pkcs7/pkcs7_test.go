package pkcs7

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/ber"
)

// tlv encodes one definite-length element from its parts.
func tlv(tag byte, parts ...[]byte) []byte { return ber.AppendTLV([]byte{tag}, bytes.Join(parts, nil)) }

var (
	oidSignedData = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	oidData       = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
	oidSHA256     = []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
	oidRSA        = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}
	one           = []byte{0x02, 0x01, 0x01}
)

// signedData wraps SignedData fields in a ContentInfo.
func signedData(fields ...[]byte) []byte {
	return tlv(0x30, oidSignedData, tlv(0xa0, tlv(0x30, fields...)))
}

func TestParse(t *testing.T) {
	issuer := tlv(0x30, tlv(0x31, tlv(0x30, []byte{0x06, 0x03, 0x55, 0x04, 0x03}, tlv(0x0c, []byte("x")))))
	attrs := tlv(0xa0, tlv(0x30, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03}, tlv(0x31, oidData)))
	signerInfo := tlv(0x30, one, tlv(0x30, issuer, []byte{0x02, 0x01, 0xfb}), tlv(0x30, oidSHA256), attrs,
		tlv(0x30, oidRSA, []byte{0x05, 0x00}), tlv(0x04, []byte("sig")))
	cert := tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x03, []byte{0}))
	good := signedData(one, tlv(0x31, tlv(0x30, oidSHA256)), tlv(0x30, oidData), tlv(0xa0, cert), tlv(0x31, signerInfo))

	sd, err := Parse(append(good, 0xff, 0xff))
	require.NoError(t, err, "bytes after the ContentInfo are ignored")
	assert.Equal(t, OIDData, sd.ContentType)
	assert.Equal(t, [][]byte{cert}, sd.Certificates)
	require.Len(t, sd.SignerInfos, 1)
	si := sd.SignerInfos[0]
	assert.Equal(t, issuer, si.IssuerRaw)
	assert.Equal(t, int64(-5), si.Serial.Int64(), "negative serial numbers are read, as on Android")
	assert.Equal(t, "2.16.840.1.101.3.4.2.1", si.Digest.OID)
	assert.Equal(t, "1.2.840.113549.1.1.1", si.Signature.OID)
	assert.Equal(t, attrs, si.SignedAttrs, "signed attributes keep their original encoding")
	assert.Equal(t, []byte("sig"), si.SigValue)
	got, err := ParseSignedAttrs(si.SignedAttrs)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, OIDContentType, got[0].Type)
	require.Len(t, got[0].Values, 1)
	assert.Equal(t, oidData, got[0].Values[0].Raw)

	refused := []struct {
		name        string
		in          []byte
		unsupported bool
		berErr      bool
	}{
		{name: "not SignedData", in: tlv(0x30, oidData, tlv(0xa0, tlv(0x04))), unsupported: true},
		{name: "empty", in: nil, berErr: true},
		{name: "truncated", in: good[:len(good)/2], berErr: true},
		{name: "no signerInfos", in: signedData(one, tlv(0x31), tlv(0x30, oidData))},
		{name: "SignerInfo too short", in: signedData(one, tlv(0x31), tlv(0x30, oidData), tlv(0x31, tlv(0x30, one)))},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			require.Error(t, err)
			var pe *Error
			var be *ber.Error
			switch {
			case tc.berErr:
				assert.ErrorAs(t, err, &be)
			case assert.ErrorAs(t, err, &pe):
				assert.Equal(t, tc.unsupported, pe.UnsupportedContent)
			}
		})
	}
}

// FuzzParse feeds signature blocks to the SignedData reader: no panic, a
// refusal is a *Error or *ber.Error, and what is read lies in the input.
func FuzzParse(f *testing.F) {
	f.Add(signedData(one, tlv(0x31), tlv(0x30, oidData), tlv(0x31)))
	f.Fuzz(func(t *testing.T, block []byte) {
		sd, err := Parse(block)
		if err != nil {
			var pe *Error
			var be *ber.Error
			if !errors.As(err, &pe) && !errors.As(err, &be) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, c := range sd.Certificates {
			require.LessOrEqual(t, len(c), len(block))
		}
		for _, si := range sd.SignerInfos {
			if si.SignedAttrs != nil {
				_, _ = ParseSignedAttrs(si.SignedAttrs)
			}
		}
	})
}
