package scheme

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/pkcs7"
)

func TestReadBERDepthLimit(t *testing.T) {
	// 100 nested indefinite-length SEQUENCEs: refused, not a stack blow-up.
	var b []byte
	for i := 0; i < 100; i++ {
		b = append(b, 0x30, 0x80)
	}
	for i := 0; i < 100; i++ {
		b = append(b, 0, 0)
	}
	_, _, err := readBER(b, 0)
	assert.ErrorIs(t, err, CodePKCS7Malformed)
}

func TestParsePKCS7Errors(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	good := v1SignedData(t, v1SignerSpec{name: "C", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}, []byte("sf"))
	tests := []struct {
		name    string
		in      []byte
		wantErr error
		signers int
	}{
		{name: "good", in: good, signers: 1},
		{name: "trailing bytes are ignored", in: append(append([]byte{}, good...), 1, 2, 3), signers: 1},
		{name: "not SignedData", in: v1DER(0x30, v1DEROID(pkcs7.OIDData), v1DER(0xa0, v1DER(0x04))), wantErr: CodePKCS7UnsupportedContent},
		{name: "empty", in: nil, wantErr: CodePKCS7Malformed},
		{name: "truncated", in: good[:len(good)/2], wantErr: CodePKCS7Malformed},
		{name: "no signerInfos", in: v1DER(0x30, v1DEROID(pkcs7.OIDSignedData), v1DER(0xa0, v1DER(0x30,
			v1DERInt(big.NewInt(1)), v1DER(0x31), v1DER(0x30, v1DEROID(pkcs7.OIDData)), v1DER(0x31)))), signers: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sd, err := parsePKCS7(tc.in)
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, sd.SignerInfos, tc.signers)
		})
	}
}

// TestVerifyV1MalformedBlocks checks the issue Android reports for broken
// signature blocks.
func TestVerifyV1MalformedBlocks(t *testing.T) {
	rsaKey, ecKey := v1Keys(t)
	sf := []byte("Signature-Version: 1.0\r\n\r\n")
	good := v1SignedData(t, v1SignerSpec{name: "C", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}, sf)
	wrongKey := v1SignedData(t, v1SignerSpec{name: "C", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigSHA256WithECDSA}, sf)
	// A certificate bag from another key: the SignerInfo names a
	// certificate that is not there.
	otherCert := v1SignedData(t, v1SignerSpec{name: "C", ext: ".RSA", digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA,
		key: &v1TestKey{priv: rsaKey.priv, certDER: ecKey.certDER, issuer: rsaKey.issuer, serial: rsaKey.serial}}, sf)
	noSigners := v1DER(0x30, v1DEROID(pkcs7.OIDSignedData), v1DER(0xa0, v1DER(0x30,
		v1DERInt(big.NewInt(1)), v1DER(0x31), v1DER(0x30, v1DEROID(pkcs7.OIDData)), v1DER(0x31))))
	tests := []struct {
		name  string
		block []byte
		code  Code
	}{
		{"garbage", []byte("not DER"), CodeJarParseException},
		{"truncated", good[:len(good)-10], CodeJarParseException},
		{"no SignerInfo", noSigners, CodeJarNoSigners},
		{"certificate missing", otherCert, CodeJarVerifyException},
		{"ECDSA signature with an RSA key", wrongKey, CodeJarVerifyException},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &v1Verifier{ctx: context.Background(), minSDK: 21, maxSDK: MaxSDK, out: &V1Result{Result: &SchemeResult{}}}
			s := &v1Signer{name: "C", blockName: "META-INF/C.RSA", sf: &apkzip.Entry{Name: "META-INF/C.SF"}, sfBytes: sf, res: &SignerResult{}}
			v.checkBlock(s, tc.block)
			require.NotEmpty(t, s.res.Errors)
			assert.Equal(t, tc.code, s.res.Errors[0].Code)
		})
	}
}

// FuzzPKCS7 feeds signature blocks to the PKCS #7 reader and to the whole
// block check (certificates, signed attributes, signature), which must
// never panic and must either verify or record exactly one error.
func FuzzPKCS7(f *testing.F) {
	rsaKey, ecKey := v1Keys(f)
	sf := []byte("Signature-Version: 1.0\r\n\r\n")
	for _, spec := range []v1SignerSpec{
		{key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA},
		{key: rsaKey, digestOID: oidV1DigestSHA1, sigOID: oidV1SigSHA1WithRSA, signedAttrs: true},
		{key: ecKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigSHA256WithECDSA},
		{key: v1NegativeSerialKey(f), digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA},
	} {
		f.Add(v1SignedData(f, spec, sf))
	}
	// Blocks of the apksig corpus, when present.
	dir := filepath.Join("..", "..", "shared", "conformance", "apksig")
	for _, name := range []string{"v1-only-with-dsa-sha256-1.2.840.10040.4.1-2048.apk", "v1-only-with-rsa-1024-cert-not-der.apk", "v1-only-with-signed-attrs-wrong-order.apk"} {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		st, _ := fh.Stat()
		if a, err := apkzip.Open(fh, st.Size()); err == nil {
			for _, e := range a.Entries() {
				if filepath.Ext(e.Name) == ".RSA" || filepath.Ext(e.Name) == ".DSA" {
					if b, err := e.ReadAll(1 << 20); err == nil {
						f.Add(b)
					}
				}
			}
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, block []byte) {
		if sd, err := parsePKCS7(block); err == nil {
			for _, c := range sd.Certificates {
				if id, err := pkcs7ParseCertID(c); err == nil {
					id.keyUsageAllowsSigning()
					pkcs7SameName(id.IssuerRaw, id.SubjectRaw)
				}
			}
			for _, si := range sd.SignerInfos {
				if si.SignedAttrs != nil {
					_, _ = pkcs7ParseSignedAttrs(si.SignedAttrs)
				}
			}
		}
		for _, minSDK := range []int{1, 24} {
			v := &v1Verifier{ctx: context.Background(), minSDK: minSDK, maxSDK: MaxSDK, out: &V1Result{Result: &SchemeResult{}}}
			s := &v1Signer{name: "C", blockName: "META-INF/C.RSA", sf: &apkzip.Entry{Name: "META-INF/C.SF"}, sfBytes: sf, res: &SignerResult{}}
			v.checkBlock(s, block)
			if len(s.res.Errors) == 0 {
				require.NotEmpty(t, s.res.Certificates, "a verified block names its signing certificate")
			} else {
				require.Len(t, s.res.Errors, 1)
			}
		}
	})
}
