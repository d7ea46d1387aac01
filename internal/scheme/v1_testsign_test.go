package scheme

import (
	"archive/zip"
	"bytes"
	"crypto"
	//lint:ignore SA1019 Test keys for DSA v1 signatures
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/pkcs7"
	"github.com/apktrust/apktrust/internal/testutil"
)

// This file builds v1-signed APKs in Go for tests: MANIFEST.MF, .SF and a
// PKCS #7 signature block written from scratch, so that every field can be
// varied (algorithms, signed attributes, certificates crypto/x509 refuses).

// v1TestKey is a signing key with its certificate.
type v1TestKey struct {
	priv    crypto.Signer // nil for DSA
	dsaPriv *dsa.PrivateKey
	certDER []byte
	issuer  []byte
	serial  *big.Int
}

var (
	v1KeysOnce sync.Once
	v1RSAKey   *v1TestKey
	v1ECKey    *v1TestKey
)

// v1Keys returns a 2048-bit RSA key and a P-256 key with self-signed
// certificates, made once per test binary.
func v1Keys(t testing.TB) (rsaKey, ecKey *v1TestKey) {
	t.Helper()
	v1KeysOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		v1RSAKey = v1SelfSigned(rk, big.NewInt(0x7a5b3c), "apktrust v1 test RSA")
		v1ECKey = v1SelfSigned(ek, big.NewInt(0x1234), "apktrust v1 test EC")
	})
	return v1RSAKey, v1ECKey
}

func v1SelfSigned(k crypto.Signer, serial *big.Int, cn string) *v1TestKey {
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"apktrust test keys"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2120, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return &v1TestKey{priv: k, certDER: der, issuer: c.RawIssuer, serial: serial}
}

// v1NegativeSerialKey returns the RSA test key with a certificate whose
// serial number is negative: the INTEGER's first byte gets its top bit
// set in place. crypto/x509 refuses such certificates; Android does not
// (it never checks the certificate's own signature, which this breaks).
func v1NegativeSerialKey(t testing.TB) *v1TestKey {
	rk, _ := v1Keys(t)
	der := append([]byte(nil), rk.certDER...)
	i := bytes.Index(der, []byte{0x02, 0x03, 0x7a, 0x5b, 0x3c})
	require.GreaterOrEqual(t, i, 0, "serial number not found in certificate")
	der[i+2] = 0xfa
	serial := new(big.Int).SetBytes([]byte{0xfa, 0x5b, 0x3c})
	serial.Sub(serial, big.NewInt(1<<24))
	_, err := x509.ParseCertificate(der)
	require.Error(t, err, "crypto/x509 is expected to refuse a negative serial number")
	return &v1TestKey{priv: rk.priv, certDER: der, issuer: rk.issuer, serial: serial}
}

// v1DSAKey loads the project's DSA test key (testdata/keys, committed).
func v1DSAKey(t testing.TB) *v1TestKey {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(), "testdata", "keys")
	pemBytes, err := os.ReadFile(filepath.Join(dir, "dsa2048.x509.pem"))
	require.NoError(t, err, "committed DSA test key")
	pk8, err := os.ReadFile(filepath.Join(dir, "dsa2048.pk8"))
	require.NoError(t, err)
	blk, _ := pem.Decode(pemBytes)
	require.NotNil(t, blk)
	// PKCS #8 PrivateKeyInfo with DSA parameters; crypto/x509 cannot
	// parse DSA private keys.
	var info struct {
		Version int
		Alg     struct {
			OID    asn1.ObjectIdentifier
			Params struct{ P, Q, G *big.Int }
		}
		Key []byte
	}
	_, err = asn1.Unmarshal(pk8, &info)
	require.NoError(t, err)
	var x *big.Int
	_, err = asn1.Unmarshal(info.Key, &x)
	require.NoError(t, err)
	priv := &dsa.PrivateKey{X: x}
	priv.P, priv.Q, priv.G = info.Alg.Params.P, info.Alg.Params.Q, info.Alg.Params.G
	priv.Y = new(big.Int).Exp(priv.G, x, priv.P)
	id, err := pkcs7ParseCertID(blk.Bytes)
	require.NoError(t, err)
	return &v1TestKey{dsaPriv: priv, certDER: blk.Bytes, issuer: id.IssuerRaw, serial: id.Serial}
}

// v1SignerSpec describes one JAR signer of a generated APK.
type v1SignerSpec struct {
	name      string // file stem, e.g. "CERT"
	ext       string // ".RSA", ".EC" or ".DSA"
	key       *v1TestKey
	digestOID string // SignerInfo.digestAlgorithm
	sigOID    string // SignerInfo.signatureAlgorithm
	// signedAttrs adds content-type and message-digest attributes.
	signedAttrs bool
	// stripping is the X-Android-APK-Signed value, "" for none.
	stripping string
	// omit lists entry names left out of this signer's .SF.
	omit map[string]bool
	// noVersion drops Signature-Version from the .SF.
	noVersion bool
	// noSF writes the block without its .SF.
	noSF bool
	// corruptSig flips a byte of the signature value.
	corruptSig bool
	// signingTime, when set, adds a signing-time signed attribute.
	signingTime time.Time
}

// v1File is one entry of a generated APK.
type v1File struct {
	name   string
	data   []byte
	stored bool
}

// v1BuildOptions control the JAR files of a generated APK.
type v1BuildOptions struct {
	// entryDigest is the manifest digest attribute prefix: "SHA-256"
	// (default) or "SHA1".
	entryDigest string
	// unlisted are entries written to the ZIP but not to MANIFEST.MF
	// (as if added after signing).
	unlisted []v1File
	// changed replaces entry contents after signing.
	changed map[string][]byte
	// extra are entries written after the signature files.
	extra []v1File
	// noManifest leaves META-INF/MANIFEST.MF out.
	noManifest bool
}

// v1WriteAttr writes "name: value" wrapped at 72 bytes as the JAR
// specification asks, continuation lines starting with a space.
func v1WriteAttr(b *bytes.Buffer, name, value string) {
	line := name + ": " + value
	first := true
	for len(line) > 0 {
		n := 72
		if !first {
			n = 71
			b.WriteByte(' ')
		}
		if n > len(line) {
			n = len(line)
		}
		b.WriteString(line[:n])
		b.WriteString("\r\n")
		line = line[n:]
		first = false
	}
}

func v1B64(h crypto.Hash, data []byte) string {
	return base64.StdEncoding.EncodeToString(v1HashBytes(h, data))
}

// v1BuildAPK returns the bytes of a v1-signed ZIP.
func v1BuildAPK(t testing.TB, files []v1File, signers []v1SignerSpec, o v1BuildOptions) []byte {
	t.Helper()
	prefix, h := "SHA-256", crypto.SHA256
	if o.entryDigest == "SHA1" {
		prefix, h = "SHA1", crypto.SHA1
	}
	var mf bytes.Buffer
	mf.WriteString("Manifest-Version: 1.0\r\nCreated-By: apktrust v1 test\r\n\r\n")
	mainLen := mf.Len()
	sections := map[string][]byte{}
	for _, f := range files {
		start := mf.Len()
		v1WriteAttr(&mf, "Name", f.name)
		v1WriteAttr(&mf, prefix+"-Digest", v1B64(h, f.data))
		mf.WriteString("\r\n")
		sections[f.name] = append([]byte(nil), mf.Bytes()[start:]...)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(f v1File) {
		method := zip.Deflate
		if f.stored {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		require.NoError(t, err)
		_, err = w.Write(f.data)
		require.NoError(t, err)
	}
	for _, f := range files {
		if d, ok := o.changed[f.name]; ok {
			f.data = d
		}
		write(f)
	}
	for _, f := range o.unlisted {
		write(f)
	}
	if !o.noManifest {
		write(v1File{name: v1ManifestName, data: mf.Bytes()})
	}
	for _, s := range signers {
		var sf bytes.Buffer
		if !s.noVersion {
			sf.WriteString("Signature-Version: 1.0\r\n")
		}
		sf.WriteString("Created-By: 1.0 (Android)\r\n")
		v1WriteAttr(&sf, prefix+"-Digest-Manifest", v1B64(h, mf.Bytes()))
		v1WriteAttr(&sf, prefix+"-Digest-Manifest-Main-Attributes", v1B64(h, mf.Bytes()[:mainLen]))
		if s.stripping != "" {
			v1WriteAttr(&sf, "X-Android-APK-Signed", s.stripping)
		}
		sf.WriteString("\r\n")
		for _, f := range files {
			if s.omit[f.name] {
				continue
			}
			v1WriteAttr(&sf, "Name", f.name)
			v1WriteAttr(&sf, prefix+"-Digest", v1B64(h, sections[f.name]))
			sf.WriteString("\r\n")
		}
		if !s.noSF {
			write(v1File{name: "META-INF/" + s.name + ".SF", data: sf.Bytes()})
		}
		write(v1File{name: "META-INF/" + s.name + s.ext, data: v1SignedData(t, s, sf.Bytes())})
	}
	for _, f := range o.extra {
		write(f)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// DER building blocks.
func v1DER(tag byte, parts ...[]byte) []byte {
	var content []byte
	for _, p := range parts {
		content = append(content, p...)
	}
	n := len(content)
	var l []byte
	switch {
	case n < 0x80:
		l = []byte{byte(n)}
	case n < 0x100:
		l = []byte{0x81, byte(n)}
	case n < 0x10000:
		l = []byte{0x82, byte(n >> 8), byte(n)}
	default:
		l = []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(append([]byte{tag}, l...), content...)
}

func v1DEROID(s string) []byte {
	var oid asn1.ObjectIdentifier
	for _, p := range strings.Split(s, ".") {
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		oid = append(oid, n)
	}
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err)
	}
	return b
}

func v1DERInt(n *big.Int) []byte {
	b, err := asn1.Marshal(n)
	if err != nil {
		panic(err)
	}
	return b
}

// v1SignedData builds the PKCS #7 signature block over sf.
func v1SignedData(t testing.TB, s v1SignerSpec, sf []byte) []byte {
	t.Helper()
	dh, ok := v1DigestHash(s.digestOID)
	require.True(t, ok)
	sh, _, ok := v1SignatureScheme(s.digestOID, s.sigOID)
	require.True(t, ok)
	signed := sf
	var attrs []byte
	if s.signedAttrs {
		var st []byte
		if !s.signingTime.IsZero() {
			tb, err := asn1.Marshal(s.signingTime.UTC())
			require.NoError(t, err)
			st = v1DER(0x30, v1DEROID("1.2.840.113549.1.9.5"), v1DER(0x31, tb))
		}
		set := v1DER(0x31,
			v1DER(0x30, v1DEROID(pkcs7.OIDContentType), v1DER(0x31, v1DEROID(pkcs7.OIDData))),
			st,
			v1DER(0x30, v1DEROID(pkcs7.OIDMessageDigest), v1DER(0x31, v1DER(0x04, v1HashBytes(dh, sf)))))
		signed = set
		attrs = append([]byte{0xa0}, set[1:]...)
	}
	digest := v1HashBytes(sh, signed)
	var sig []byte
	var err error
	switch {
	case s.key.dsaPriv != nil:
		if n := (s.key.dsaPriv.Q.BitLen() + 7) / 8; len(digest) > n {
			digest = digest[:n]
		}
		r, ss, err2 := dsa.Sign(rand.Reader, s.key.dsaPriv, digest)
		require.NoError(t, err2)
		sig, err = asn1.Marshal(struct{ R, S *big.Int }{r, ss})
	default:
		if _, isRSA := s.key.priv.(*rsa.PrivateKey); isRSA {
			sig, err = rsa.SignPKCS1v15(rand.Reader, s.key.priv.(*rsa.PrivateKey), sh, digest)
		} else {
			sig, err = s.key.priv.Sign(rand.Reader, digest, sh)
		}
	}
	require.NoError(t, err)
	if s.corruptSig {
		sig[len(sig)/2] ^= 0x01
	}
	si := v1DER(0x30,
		v1DERInt(big.NewInt(1)),
		v1DER(0x30, s.key.issuer, v1DERInt(s.key.serial)),
		v1DER(0x30, v1DEROID(s.digestOID)),
		attrs,
		v1DER(0x30, v1DEROID(s.sigOID)),
		v1DER(0x04, sig))
	sd := v1DER(0x30,
		v1DERInt(big.NewInt(1)),
		v1DER(0x31, v1DER(0x30, v1DEROID(s.digestOID))),
		v1DER(0x30, v1DEROID(pkcs7.OIDData)),
		v1DER(0xa0, s.key.certDER),
		v1DER(0x31, si))
	return v1DER(0x30, v1DEROID(pkcs7.OIDSignedData), v1DER(0xa0, sd))
}
