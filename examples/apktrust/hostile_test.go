package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostileKeyPair writes a fresh RSA key (PKCS #8 DER, as apksigner --key
// takes it) and a self-signed certificate whose subject is one CN holding
// cn byte for byte, which crypto/x509 would not write itself.
func hostileKeyPair(t *testing.T, dir, cn string) (keyPath, certPath string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	value, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(cn)})
	require.NoError(t, err)
	oid, err := asn1.Marshal(asn1.ObjectIdentifier{2, 5, 4, 3})
	require.NoError(t, err)
	atv, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(oid, value...)})
	require.NoError(t, err)
	rdn, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: atv})
	require.NoError(t, err)
	name, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: rdn})
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		RawSubject:   name,
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, &x509.Certificate{RawSubject: name}, &key.PublicKey, key)
	require.NoError(t, err)
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPath, certPath = filepath.Join(dir, "hostile.pk8"), filepath.Join(dir, "hostile.x509.pem")
	require.NoError(t, os.WriteFile(keyPath, pk8, 0o600))
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	return keyPath, certPath
}
