package apkverify_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
)

// This file takes signed APKs apart and puts their APK Signing Block back
// together with other scheme blocks and signer records, to build the
// recombination attacks of levels_test.go in memory. Only the signing
// block changes: the content (entries, central directory, EOCD apart from
// its central-directory offset) stays byte for byte, so the genuine
// content digests still match and only the choice of signers differs.

// Additional-attribute IDs of v3 signed data.
const (
	attrLineage     uint32 = 0x3ba06f8c
	attrRotationMin uint32 = 0x559f8b02
	attrDevRelease  uint32 = 0xc2a6b3ba
	sigRSASHA256    uint32 = 0x0103
	maxSDK                 = scheme.MaxSDK
)

// sbPair is one ID/value pair of a signing block.
type sbPair struct {
	id    uint32
	value []byte
}

// sbAPK is an APK split around its signing block.
type sbAPK struct {
	head, cd, eocd []byte
	pairs          []sbPair
}

func splitAPK(t testing.TB, b []byte) *sbAPK {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	blk := a.SigningBlock()
	require.NotNil(t, blk, "the APK has no signing block")
	eocd := a.EOCD()
	cdOff := int64(binary.LittleEndian.Uint32(eocd[16:]))
	out := &sbAPK{head: b[:blk.Offset], cd: b[cdOff : int64(len(b))-int64(len(eocd))], eocd: eocd}
	for _, p := range blk.Pairs {
		v, err := a.PairValue(p)
		require.NoError(t, err)
		out.pairs = append(out.pairs, sbPair{p.ID, v})
	}
	return out
}

// find returns the first pair with the ID, as Android reads it.
func (a *sbAPK) find(id uint32) []byte {
	for _, p := range a.pairs {
		if p.id == id {
			return p.value
		}
	}
	return nil
}

// build assembles the APK with these pairs as its signing block.
func (a *sbAPK) build(pairs []sbPair) []byte {
	var body []byte
	for _, p := range pairs {
		body = binary.LittleEndian.AppendUint64(body, uint64(4+len(p.value)))
		body = binary.LittleEndian.AppendUint32(body, p.id)
		body = append(body, p.value...)
	}
	size := uint64(len(body) + 8 + 16)
	out := append([]byte(nil), a.head...)
	out = binary.LittleEndian.AppendUint64(out, size)
	out = append(out, body...)
	out = binary.LittleEndian.AppendUint64(out, size)
	out = append(out, apkzip.SigningBlockMagic...)
	cdOff := len(out)
	out = append(out, a.cd...)
	eocd := append([]byte(nil), a.eocd...)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff))
	return append(out, eocd...)
}

// lp prefixes b with its uint32 little-endian length.
func lp(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(n))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// sbReader reads length-prefixed fields; any short read sets err.
type sbReader struct {
	b   []byte
	err error
}

func (r *sbReader) u32() uint32 {
	if len(r.b) < 4 {
		r.err = errors.New("short")
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *sbReader) lp() []byte {
	n := r.u32()
	if r.err != nil || uint64(n) > uint64(len(r.b)) {
		r.err = errors.New("short")
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// seq splits a sequence of length-prefixed elements.
func seq(b []byte) ([][]byte, error) {
	r := &sbReader{b: b}
	var out [][]byte
	for len(r.b) > 0 && r.err == nil {
		out = append(out, r.lp())
	}
	return out, r.err
}

// sbRecord is a parsed v2/v3 signer record.
type sbRecord struct {
	raw        []byte
	v3         bool
	signedData []byte
	digests    []byte // the signed digests field, as written
	cert       []byte
	min, max   int
	smin, smax int // as signed
	attrs      map[uint32][]byte
	sigs       [][]byte
	pubKey     []byte
}

func parseRecord(raw []byte, v3 bool) (*sbRecord, error) {
	r := &sbReader{b: raw}
	rec := &sbRecord{raw: raw, v3: v3, attrs: map[uint32][]byte{}}
	rec.signedData = r.lp()
	if v3 {
		rec.min, rec.max = int(r.u32()), int(r.u32())
	}
	sigs := r.lp()
	rec.pubKey = r.lp()
	if r.err != nil {
		return nil, r.err
	}
	sd := &sbReader{b: rec.signedData}
	rec.digests = sd.lp()
	certs := sd.lp()
	if v3 {
		rec.smin, rec.smax = int(sd.u32()), int(sd.u32())
	}
	attrs := sd.lp()
	if sd.err != nil {
		return nil, sd.err
	}
	cl, err := seq(certs)
	if err != nil || len(cl) == 0 {
		return nil, errors.New("no certificate")
	}
	rec.cert = cl[0]
	al, err := seq(attrs)
	if err != nil {
		return nil, err
	}
	for _, a := range al {
		if len(a) < 4 {
			return nil, errors.New("short attribute")
		}
		rec.attrs[binary.LittleEndian.Uint32(a)] = a[4:]
	}
	if rec.sigs, err = seq(sigs); err != nil {
		return nil, err
	}
	return rec, nil
}

// blockRecords returns the signer records of a v2/v3/v3.1 block value.
func blockRecords(t testing.TB, block []byte) [][]byte {
	t.Helper()
	r := &sbReader{b: block}
	recs, err := seq(r.lp())
	require.NoError(t, err)
	require.NoError(t, r.err)
	return recs
}

// makeBlock encodes signer records as a v2/v3/v3.1 block value.
func makeBlock(records ...[]byte) []byte {
	var s [][]byte
	for _, r := range records {
		s = append(s, lp(r))
	}
	return lp(s...)
}

// sbKey is a signing key of testdata/keys (or made for the test).
type sbKey struct {
	name string
	priv crypto.Signer
	cert []byte
	spki []byte
	sha  [32]byte
}

// loadKey reads testdata/keys/NAME.pk8 and NAME.x509.pem.
func loadKey(t testing.TB, name string) *sbKey {
	t.Helper()
	dir := filepath.Join(repoRoot(), "testdata", "keys")
	der, err := os.ReadFile(filepath.Join(dir, name+".pk8"))
	require.NoError(t, err, "committed key %s", name)
	pk, err := x509.ParsePKCS8PrivateKey(der)
	require.NoError(t, err)
	pemBytes, err := os.ReadFile(filepath.Join(dir, name+".x509.pem"))
	require.NoError(t, err)
	blk, _ := pem.Decode(pemBytes)
	require.NotNil(t, blk)
	cert, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return &sbKey{name: name, priv: pk.(crypto.Signer), cert: blk.Bytes, spki: cert.RawSubjectPublicKeyInfo, sha: sha256.Sum256(blk.Bytes)}
}

// signRecord signs a new signer record over the given digests field with
// RSASSA-PKCS1-v1_5 SHA-256 (the digests must be listed under 0x0103 and
// nothing else). For v3, min and max are the SDK range and attrs the
// additional attributes (ID then value); v2 ignores min and max.
func (k *sbKey) signRecord(t testing.TB, v3 bool, digests []byte, min, max int, attrs ...sbPair) []byte {
	t.Helper()
	var al [][]byte
	for _, a := range attrs {
		al = append(al, lp(u32(a.id), a.value))
	}
	sd := append(lp(digests), lp(lp(k.cert))...)
	if v3 {
		sd = append(sd, u32(uint32(min))...)
		sd = append(sd, u32(uint32(max))...)
	}
	sd = append(sd, lp(al...)...)
	h := sha256.Sum256(sd)
	sig, err := k.priv.Sign(rand.Reader, h[:], crypto.SHA256)
	require.NoError(t, err)
	out := lp(sd)
	if v3 {
		out = append(out, u32(uint32(min))...)
		out = append(out, u32(uint32(max))...)
	}
	out = append(out, lp(lp(u32(sigRSASHA256), lp(sig)))...)
	return append(out, lp(k.spki)...)
}

// verifyRecord is the test's own check of a record against the content:
// its signature over the signed data verifies with its public key, which
// is its certificate's, the signed SDK range is the outer one, and it
// signs exactly the genuine digests of the content.
func verifyRecord(rec *sbRecord, genuineDigests []byte) bool {
	if !bytes.Equal(rec.digests, genuineDigests) || len(rec.sigs) != 1 {
		return false
	}
	if rec.v3 && (rec.min != rec.smin || rec.max != rec.smax || rec.min < 0 || rec.min > rec.max) {
		return false
	}
	cert, err := x509.ParseCertificate(rec.cert)
	if err != nil || !bytes.Equal(cert.RawSubjectPublicKeyInfo, rec.pubKey) {
		return false
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	r := &sbReader{b: rec.sigs[0]}
	alg, sig := r.u32(), r.lp()
	if r.err != nil || alg != sigRSASHA256 {
		return false
	}
	h := sha256.Sum256(rec.signedData)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
