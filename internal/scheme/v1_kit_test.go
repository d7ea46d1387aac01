package scheme

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/testutil"
)

// This file builds v1-signed files whose MANIFEST.MF and .SF bytes the
// tests write or mutate freely, signed with the project's keys
// (testdata/keys): the attack shapes of issues 13 and 22 start from a
// genuine file and change what an attacker without the pinned key can.

// v1ProjectKey loads a key of testdata/keys (RSA or EC, PKCS #8 DER).
func v1ProjectKey(t testing.TB, name string) *v1TestKey {
	t.Helper()
	if name == "dsa2048" {
		return v1DSAKey(t)
	}
	dir := filepath.Join(testutil.RepoRoot(), "testdata", "keys")
	pemBytes, err := os.ReadFile(filepath.Join(dir, name+".x509.pem"))
	require.NoError(t, err, "committed test key missing")
	pk8, err := os.ReadFile(filepath.Join(dir, name+".pk8"))
	require.NoError(t, err, "committed test key missing")
	blk, _ := pem.Decode(pemBytes)
	require.NotNil(t, blk)
	priv, err := x509.ParsePKCS8PrivateKey(pk8)
	require.NoError(t, err)
	id, err := pkcs7ParseCertID(blk.Bytes)
	require.NoError(t, err)
	return &v1TestKey{priv: priv.(crypto.Signer), certDER: blk.Bytes, issuer: id.IssuerRaw, serial: new(big.Int).Set(id.Serial)}
}

// v1KitSigner is one signer's .SF and signature block as written.
type v1KitSigner struct {
	name  string // META-INF/<name>.SF
	ext   string // ".RSA", ".DSA", ".EC"
	sf    []byte
	block []byte
}

// v1Kit is a v1-signed file in parts.
type v1Kit struct {
	files   []v1File
	mf      []byte
	mainEnd int               // end of the main section (with its blank line)
	secs    map[string][]byte // each entry's manifest section, as written
	signers []v1KitSigner
	extra   []v1File // entries after the signature files
}

var v1KitFiles = []v1File{
	{name: "AndroidManifest.xml", data: []byte("<manifest package=\"com.example.kit\"/>")},
	{name: "classes.dex", data: bytes.Repeat([]byte("dex\n035\x00"), 64)},
	{name: "res/raw/a.txt", data: []byte("hello"), stored: true},
}

// v1NewKit writes the manifest of the kit's files (SHA-256 digests) and
// signs it with key under META-INF/CERT: a genuine file.
func v1NewKit(t testing.TB, key *v1TestKey) *v1Kit {
	return v1NewKitFiles(t, key, v1KitFiles)
}

// v1NewKitFiles is v1NewKit with other entries.
func v1NewKitFiles(t testing.TB, key *v1TestKey, files []v1File) *v1Kit {
	k := &v1Kit{files: files, secs: map[string][]byte{}}
	var mf bytes.Buffer
	mf.WriteString("Manifest-Version: 1.0\r\nCreated-By: apktrust kit\r\n\r\n")
	k.mainEnd = mf.Len()
	for _, f := range k.files {
		start := mf.Len()
		v1WriteAttr(&mf, "Name", f.name)
		v1WriteAttr(&mf, "SHA-256-Digest", v1B64(crypto.SHA256, f.data))
		mf.WriteString("\r\n")
		k.secs[f.name] = append([]byte(nil), mf.Bytes()[start:]...)
	}
	k.mf = mf.Bytes()
	k.addSigner(t, "CERT", key, k.sfFor(v1KitSF{}))
	return k
}

// v1KitSF tunes a generated .SF.
type v1KitSF struct {
	noVersion     bool
	noMainDigest  bool
	wrongManifest bool   // a wrong whole-manifest digest
	stripping     string // X-Android-APK-Signed, "" for none
	extraMain     string // raw lines added to the main section
	// sections replaces the per-entry sections: name -> digest override
	// ("" computes the right one); order is kept as given in names.
	names    []string
	override map[string]string
}

// sfFor writes a .SF for the kit's current manifest.
func (k *v1Kit) sfFor(o v1KitSF) []byte {
	var sf bytes.Buffer
	if !o.noVersion {
		sf.WriteString("Signature-Version: 1.0\r\n")
	}
	sf.WriteString("Created-By: 1.0 (Android)\r\n")
	d := v1B64(crypto.SHA256, k.mf)
	if o.wrongManifest {
		d = v1B64(crypto.SHA256, []byte("not the manifest"))
	}
	v1WriteAttr(&sf, "SHA-256-Digest-Manifest", d)
	if !o.noMainDigest {
		v1WriteAttr(&sf, "SHA-256-Digest-Manifest-Main-Attributes", v1B64(crypto.SHA256, k.mf[:k.mainEnd]))
	}
	if o.stripping != "" {
		v1WriteAttr(&sf, "X-Android-APK-Signed", o.stripping)
	}
	sf.WriteString(o.extraMain)
	sf.WriteString("\r\n")
	names := o.names
	if names == nil {
		for _, f := range k.files {
			names = append(names, f.name)
		}
	}
	for _, n := range names {
		v1WriteAttr(&sf, "Name", n)
		dg, ok := o.override[n]
		if !ok || dg == "" {
			dg = v1B64(crypto.SHA256, k.secs[n])
		}
		v1WriteAttr(&sf, "SHA-256-Digest", dg)
		sf.WriteString("\r\n")
	}
	return sf.Bytes()
}

// addSigner signs sf with key (SHA-256, no signed attributes) and adds
// the pair.
func (k *v1Kit) addSigner(t testing.TB, name string, key *v1TestKey, sf []byte) {
	spec := v1KitSpec(key)
	k.signers = append(k.signers, v1KitSigner{name: name, ext: spec.ext, sf: sf, block: v1SignedData(t, spec, sf)})
}

func v1KitSpec(key *v1TestKey) v1SignerSpec {
	spec := v1SignerSpec{ext: ".RSA", key: key, digestOID: "2.16.840.1.101.3.4.2.1", sigOID: "1.2.840.113549.1.1.1"}
	switch {
	case key.dsaPriv != nil:
		spec.ext, spec.sigOID = ".DSA", "1.2.840.10040.4.1"
	case key.priv != nil:
		if _, ok := key.priv.Public().(*ecdsa.PublicKey); ok {
			spec.ext, spec.sigOID = ".EC", "1.2.840.10045.2.1"
		}
	}
	return spec
}

// zip writes the file: entries, manifest, signer pairs in order, extras.
func (k *v1Kit) zip(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(name string, data []byte, stored bool) {
		m := zip.Deflate
		if stored {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: m})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	for _, f := range k.files {
		write(f.name, f.data, f.stored)
	}
	write(v1ManifestName, k.mf, false)
	for _, s := range k.signers {
		if s.sf != nil {
			write("META-INF/"+s.name+".SF", s.sf, false)
		}
		if s.block != nil {
			write("META-INF/"+s.name+s.ext, s.block, false)
		}
	}
	for _, f := range k.extra {
		write(f.name, f.data, f.stored)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// v1Verdict is what a test reads from VerifyV1: verified, the error codes
// (scheme and signers) and the signers' certificate digests.
type v1Verdict struct {
	verified bool
	codes    []Code
	certs    [][32]byte
}

func (v v1Verdict) has(code Code) bool {
	for _, c := range v.codes {
		if c == code {
			return true
		}
	}
	return false
}

// v1BlocksOf stands for an APK Signing Block holding the v2 (2) and v3
// (3) blocks of found, beside the test's v1-only file.
func v1BlocksOf(found []int) *Blocks {
	b := &Blocks{}
	for _, id := range found {
		switch id {
		case 2:
			b.V2 = true
		case 3:
			b.V3 = true
		}
	}
	return b
}

// v1Check verifies file bytes over [minSDK, maxSDK] as a v1-only file.
func v1Check(t testing.TB, file []byte, minSDK, maxSDK int) v1Verdict {
	t.Helper()
	return v1CheckCtx(t, context.Background(), file, minSDK, maxSDK, []int{})
}

func v1CheckCtx(t testing.TB, ctx context.Context, file []byte, minSDK, maxSDK int, found []int) v1Verdict {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(file), int64(len(file)))
	require.NoError(t, err)
	r := VerifyV1Options(ctx, a, V1Options{MinSDK: minSDK, MaxSDK: maxSDK, Blocks: v1BlocksOf(found), Workers: 1}).Result
	out := v1Verdict{verified: r.Verified}
	for _, e := range r.Errors {
		out.codes = append(out.codes, e.Code)
	}
	for _, s := range r.Signers {
		for _, e := range s.Errors {
			out.codes = append(out.codes, e.Code)
		}
		if r.Verified && len(s.Certificates) > 0 {
			out.certs = append(out.certs, s.Certificates[0].SHA256)
		}
	}
	sort.Slice(out.certs, func(i, j int) bool { return bytes.Compare(out.certs[i][:], out.certs[j][:]) < 0 })
	return out
}

// v1CertOf is the SHA-256 of a key's certificate.
func v1CertOf(k *v1TestKey) [32]byte { return sha256.Sum256(k.certDER) }
