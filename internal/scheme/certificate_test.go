package scheme

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
)

// TestParseCertificateKinds checks the reported fields for each key type,
// and that the lenient parser, used when crypto/x509 refuses a
// certificate, reads the same fields as crypto/x509 does.
func TestParseCertificateKinds(t *testing.T) {
	tests := []struct {
		name    string
		der     func(t *testing.T) []byte
		alg     string
		bits    int
		subject string
	}{
		{name: "EC P-256", der: func(t *testing.T) []byte { return v23NewKey(t, "cert EC").cert }, alg: "EC", bits: 256,
			subject: "CN=cert EC,O=apktrust tests"},
		{name: "RSA 1024", der: func(t *testing.T) []byte { return v23NewRSAKey(t, "cert RSA").cert }, alg: "RSA", bits: 1024,
			subject: "CN=cert RSA,O=apktrust tests"},
		{name: "DSA 2048 fixture", der: func(t *testing.T) []byte {
			return testutil.ReadPEMCert(t, filepath.Join(v23Testdata, "keys", "dsa2048.x509.pem"))
		}, alg: "DSA", bits: 2048, subject: "CN=apktrust test DSA 2048,O=apktrust test keys"},
		{name: "RSA 4096 fixture", der: func(t *testing.T) []byte {
			return testutil.ReadPEMCert(t, filepath.Join(v23Testdata, "keys", "rsa4096.x509.pem"))
		}, alg: "RSA", bits: 4096},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der := tc.der(t)
			c, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, sha256.Sum256(der), c.SHA256)
			assert.Equal(t, tc.alg, c.PublicKeyAlgorithm)
			assert.Equal(t, tc.bits, c.KeySize)
			if tc.subject != "" {
				assert.Equal(t, tc.subject, c.Subject)
			}
			require.NotNil(t, c.X509)
			lc, err := certparse.Lenient(der)
			require.NoError(t, err)
			assert.Equal(t, c.Subject, lc.Subject)
			assert.Equal(t, c.Issuer, lc.Issuer)
			assert.Equal(t, c.SerialNumber, lc.SerialNumber)
			assert.True(t, c.NotBefore.Equal(lc.NotBefore), "%v vs %v", c.NotBefore, lc.NotBefore)
			assert.True(t, c.NotAfter.Equal(lc.NotAfter), "%v vs %v", c.NotAfter, lc.NotAfter)
			assert.Equal(t, c.RawSubjectPublicKeyInfo, lc.RawSubjectPublicKeyInfo)
			assert.Equal(t, c.PublicKey, lc.PublicKey)
			assert.Equal(t, c.SHA256, lc.SHA256)
		})
	}
}

// v23FindTLV returns the offset of the first occurrence of pattern after from.
func v23FindTLV(t *testing.T, der, pattern []byte) int {
	t.Helper()
	i := bytes.Index(der, pattern)
	require.GreaterOrEqual(t, i, 0, "pattern %x", pattern)
	return i
}

// TestParseCertificateQuirks checks certificates crypto/x509 refuses and
// Android accepts: their identity stays the hash of the bytes as found.
func TestParseCertificateQuirks(t *testing.T) {
	k := v23NewKey(t, "quirks")
	base := k.cert
	// The serial INTEGER follows the [0] version; makeTestCert numbers
	// serials from 1 so it is one byte long.
	serialAt := v23FindTLV(t, base, []byte{0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01}) + 7

	negative := append([]byte(nil), base...)
	negative[serialAt] = 0xfe // -2

	// Outer SEQUENCE length in a longer form than DER allows.
	require.Equal(t, byte(0x30), base[0])
	var ber []byte
	switch base[1] {
	case 0x81:
		ber = append([]byte{0x30, 0x82, 0x00}, base[2:]...)
	case 0x82:
		ber = append([]byte{0x30, 0x83, 0x00}, base[2:]...)
	default:
		t.Fatalf("unexpected length form %x", base[1])
	}
	// Indefinite length for the outer SEQUENCE.
	hdr := 2 + int(base[1]&0x7f)
	indefinite := append(append([]byte{0x30, 0x80}, base[hdr:]...), 0, 0)

	// Java's CertificateFactory reads one certificate from the stream and
	// ignores what follows; it also takes PEM.
	trailing := append(append([]byte(nil), base...), 0xde, 0xad)
	pemForm := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: base})
	negativeTrailing := append(append([]byte(nil), negative...), 0)

	tests := []struct {
		name   string
		der    []byte
		serial *big.Int
	}{
		{name: "negative serial number", der: negative, serial: big.NewInt(-2)},
		{name: "non-minimal length", der: ber},
		{name: "indefinite length", der: indefinite},
		{name: "trailing bytes", der: trailing},
		{name: "PEM", der: pemForm},
		{name: "negative serial and trailing bytes", der: negativeTrailing, serial: big.NewInt(-2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x509.ParseCertificate(tc.der)
			require.Error(t, err, "crypto/x509 must refuse this shape for the test to mean anything")
			c, err := ParseCertificate(tc.der)
			require.NoError(t, err)
			assert.Nil(t, c.X509)
			assert.Equal(t, sha256.Sum256(tc.der), c.SHA256, "identity is the hash of the bytes as found")
			assert.Equal(t, tc.der, c.Raw)
			assert.Equal(t, "CN=quirks,O=apktrust tests", c.Subject)
			assert.Equal(t, "EC", c.PublicKeyAlgorithm)
			assert.Equal(t, k.priv.Public(), c.PublicKey)
			assert.Equal(t, 2020, c.NotBefore.Year())
			if tc.serial != nil {
				assert.Equal(t, tc.serial, c.SerialNumber)
			}
		})
	}
}

// TestParseCertificateRefused checks that non-certificates fail with a
// typed error and no panic.
func TestParseCertificateRefused(t *testing.T) {
	k := v23NewKey(t, "refused")
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	tests := []struct {
		name string
		der  []byte
		err  error
	}{
		{name: "empty", der: nil, err: CodeCertMalformed},
		{name: "garbage", der: []byte("not a certificate"), err: CodeCertMalformed},
		{name: "truncated", der: k.cert[:len(k.cert)/2], err: CodeCertMalformed},
		{name: "deep nesting", der: deep, err: CodeCertMalformed},
		{name: "integer instead of sequence", der: []byte{0x02, 0x01, 0x05}, err: CodeCertMalformed},
		{name: "length beyond the data", der: []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00}, err: CodeCertMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCertificate(tc.der)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, tc.err)
			var ce *Error
			assert.ErrorAs(t, err, &ce)
		})
	}
}

// TestCertificateCorpusQuirks verifies apksig's test APKs whose signer
// certificates crypto/x509 refuses: a BER-encoded certificate and an RSA
// modulus encoded as a negative INTEGER.
func TestCertificateCorpusQuirks(t *testing.T) {
	dir := conformance.Dir(t)
	tests := []struct {
		apk  string
		bits int
	}{
		{apk: "v2-only-with-rsa-pkcs1-sha256-1024-cert-not-der.apk", bits: 1024},
		{apk: "v1v2v3-rsa-2048-negmod-in-cert.apk", bits: 2048},
	}
	for _, tc := range tests {
		t.Run(tc.apk, func(t *testing.T) {
			a := testutil.OpenAPK(t, filepath.Join(dir, tc.apk))
			r := VerifyV2(context.Background(), a, nil, FindBlocks(a), 24, MaxSDK)
			require.True(t, r.Verified, "%v", v23Codes(r, false))
			c := r.Signers[0].Cert()
			assert.Nil(t, c.X509, "crypto/x509 refuses this certificate")
			assert.Equal(t, "RSA", c.PublicKeyAlgorithm)
			assert.Equal(t, tc.bits, c.KeySize)
			assert.Equal(t, sha256.Sum256(c.Raw), c.SHA256)
		})
	}
}

// TestDescribeKey names keys the way the verify CLI reports them.
func TestDescribeKey(t *testing.T) {
	ec := v23NewKey(t, "describe EC")
	rsaKey := v23NewRSAKey(t, "describe RSA")
	tests := []struct {
		name string
		pub  any
		alg  any
		want string
		bits int
	}{
		{name: "EC", pub: ec.priv.Public(), want: "EC", bits: 256},
		{name: "RSA", pub: rsaKey.priv.Public(), want: "RSA", bits: 1024},
		{name: "unknown with x509 algorithm", pub: struct{}{}, alg: x509.Ed25519, want: "Ed25519"},
		{name: "unknown with OID string", pub: nil, alg: "1.2.3.4", want: "1.2.3.4"},
		{name: "nothing known", pub: nil, alg: nil, want: "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, bits := certparse.DescribeKey(tc.pub, tc.alg)
			assert.Equal(t, tc.want, name)
			assert.Equal(t, tc.bits, bits)
		})
	}
}
