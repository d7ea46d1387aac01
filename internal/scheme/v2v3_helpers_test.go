package scheme

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/sigalg"
)

// This file builds small APKs signed with v2/v3/v3.1 blocks entirely in
// memory, so scheme rules can be tested shape by shape without external
// tools. Content digests are computed here by a plain sequential
// implementation, independent of ContentDigester.

// v23Key is a signing key with a self-signed certificate.
type v23Key struct {
	priv crypto.Signer
	cert []byte
	spki []byte
}

var (
	v23KeysMu sync.Mutex
	v23Keys   = map[string]*v23Key{}
)

// v23NewKey returns a P-256 key and certificate named cn, cached per name
// so that the same name always means the same key within a test run.
func v23NewKey(t testing.TB, cn string) *v23Key {
	t.Helper()
	v23KeysMu.Lock()
	defer v23KeysMu.Unlock()
	if k, ok := v23Keys[cn]; ok {
		return k
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	k := v23MakeCert(t, cn, priv, big.NewInt(int64(len(v23Keys)+1)))
	v23Keys[cn] = k
	return k
}

// v23NewRSAKey returns an RSA-1024 key (small, to keep tests fast).
func v23NewRSAKey(t testing.TB, cn string) *v23Key {
	t.Helper()
	v23KeysMu.Lock()
	defer v23KeysMu.Unlock()
	if k, ok := v23Keys["rsa:"+cn]; ok {
		return k
	}
	priv, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	k := v23MakeCert(t, cn, priv, big.NewInt(int64(len(v23Keys)+1)))
	v23Keys["rsa:"+cn] = k
	return k
}

func v23MakeCert(t testing.TB, cn string, priv crypto.Signer, serial *big.Int) *v23Key {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"apktrust tests"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	require.NoError(t, err)
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	require.NoError(t, err)
	return &v23Key{priv: priv, cert: der, spki: spki}
}

// sign signs data with the key using a v2+ signature algorithm.
func (k *v23Key) sign(t testing.TB, alg SignatureAlgorithmID, data []byte) []byte {
	t.Helper()
	var a struct {
		hash crypto.Hash
		pss  bool
	}
	a.hash, a.pss = sigalg.Signing(sigalg.ID(alg))
	var digest []byte
	if a.hash == crypto.SHA512 {
		d := sha512.Sum512(data)
		digest = d[:]
	} else {
		d := sha256.Sum256(data)
		digest = d[:]
	}
	var opts crypto.SignerOpts = a.hash
	if a.pss {
		opts = &rsa.PSSOptions{SaltLength: a.hash.Size(), Hash: a.hash}
	}
	sig, err := k.priv.Sign(rand.Reader, digest, opts)
	require.NoError(t, err)
	return sig
}

// v23LP prefixes b with its uint32 little-endian length.
func v23LP(parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func v23U32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// v23Seq concatenates length-prefixed elements.
func v23Seq(elems ...[]byte) []byte {
	var out []byte
	for _, e := range elems {
		out = append(out, v23LP(e)...)
	}
	return out
}

// v23Signer describes one signer of a synthetic v2/v3 block and the ways
// to damage it.
type v23Signer struct {
	key    *v23Key
	extra  []*v23Key // further certificates after the signer's
	algs   []SignatureAlgorithmID
	minSDK int
	maxSDK int
	attrs  []attribute
	// Damage.
	corruptSignature  bool
	publicKey         []byte                 // replaces the key in the signer record
	digestAlgs        []SignatureAlgorithmID // replaces the digest list's algorithms
	signedMinSDK      *int                   // replaces min SDK in the signed data
	noCertificates    bool
	wrongDigestForAll bool
}

// v23Block is one scheme block to put in the signing block.
type v23Block struct {
	id      uint32
	signers []v23Signer
	raw     []byte // used as the value instead of building one
}

// v23APK is a synthetic APK.
type v23APK struct {
	bytes []byte
}

func (a v23APK) open(t testing.TB) *apkzip.Archive {
	t.Helper()
	arc, err := apkzip.Open(bytes.NewReader(a.bytes), int64(len(a.bytes)))
	require.NoError(t, err)
	return arc
}

// v23Zip returns a small stored ZIP and the offsets of its central
// directory and EOCD.
func v23Zip(t testing.TB, payload []byte) (data []byte, cdOff, eocdOff int) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct {
		name string
		body []byte
	}{{"AndroidManifest.xml", []byte("manifest placeholder")}, {"classes.dex", payload}, {"res/raw/a.txt", []byte("hello")}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	data = buf.Bytes()
	eocdOff = len(data) - 22
	require.Equal(t, uint32(0x06054b50), binary.LittleEndian.Uint32(data[eocdOff:]))
	cdOff = int(binary.LittleEndian.Uint32(data[eocdOff+16:]))
	return data, cdOff, eocdOff
}

// v23RefChunkedDigest is a plain sequential implementation of the v2
// chunked content digest, used to cross-check ContentDigester.
func v23RefChunkedDigest(alg ContentDigestAlgorithm, regions ...[]byte) []byte {
	newH := sha256.New
	if alg == DigestChunkedSHA512 {
		newH = sha512.New
	}
	var chunks [][]byte
	for _, r := range regions {
		for off := 0; off < len(r); off += chunkSize {
			chunks = append(chunks, r[off:min(off+chunkSize, len(r))])
		}
	}
	top := newH()
	top.Write(append([]byte{0x5a}, v23U32(uint32(len(chunks)))...))
	for _, c := range chunks {
		h := newH()
		h.Write(append([]byte{0xa5}, v23U32(uint32(len(c)))...))
		h.Write(c)
		top.Write(h.Sum(nil))
	}
	return top.Sum(nil)
}

// v23BuildAPK signs a small ZIP with the given blocks. Extra pairs (for
// example a v3.2 block) can be given as blocks with raw values.
func v23BuildAPK(t testing.TB, blocks ...v23Block) v23APK {
	t.Helper()
	z, cdOff, eocdOff := v23Zip(t, bytes.Repeat([]byte("dex!"), 3000))
	before, cd, eocd := z[:cdOff], z[cdOff:eocdOff], append([]byte(nil), z[eocdOff:]...)
	digests := map[ContentDigestAlgorithm][]byte{
		DigestChunkedSHA256: v23RefChunkedDigest(DigestChunkedSHA256, before, cd, eocd),
		DigestChunkedSHA512: v23RefChunkedDigest(DigestChunkedSHA512, before, cd, eocd),
	}
	var pairs []byte
	for _, b := range blocks {
		value := b.raw
		if value == nil {
			var signers [][]byte
			for _, s := range b.signers {
				signers = append(signers, v23BuildSigner(t, b.id != BlockIDV2, s, digests))
			}
			value = v23LP(v23Seq(signers...))
		}
		pairs = append(pairs, binary.LittleEndian.AppendUint64(nil, uint64(4+len(value)))...)
		pairs = append(pairs, v23U32(b.id)...)
		pairs = append(pairs, value...)
	}
	size := uint64(len(pairs) + 8 + 16)
	var blk []byte
	blk = binary.LittleEndian.AppendUint64(blk, size)
	blk = append(blk, pairs...)
	blk = binary.LittleEndian.AppendUint64(blk, size)
	blk = append(blk, apkzip.SigningBlockMagic...)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff+len(blk)))
	out := append(append(append(append([]byte(nil), before...), blk...), cd...), eocd...)
	return v23APK{bytes: out}
}

func v23BuildSigner(t testing.TB, v3 bool, s v23Signer, digests map[ContentDigestAlgorithm][]byte) []byte {
	t.Helper()
	algs := s.algs
	if algs == nil {
		algs = []SignatureAlgorithmID{AlgECDSASHA256}
	}
	dalgs := s.digestAlgs
	if dalgs == nil {
		dalgs = algs
	}
	var ds [][]byte
	for _, a := range dalgs {
		cd, ok := a.ContentDigest()
		d := digests[cd]
		if !ok {
			d = make([]byte, 32)
		}
		if s.wrongDigestForAll {
			d = append([]byte(nil), d...)
			d[0] ^= 0xff
		}
		ds = append(ds, append(v23U32(uint32(a)), v23LP(d)...))
	}
	var certs [][]byte
	if !s.noCertificates {
		certs = append(certs, s.key.cert)
		for _, e := range s.extra {
			certs = append(certs, e.cert)
		}
	}
	var attrs [][]byte
	for _, a := range s.attrs {
		attrs = append(attrs, append(v23U32(a.id), a.value...))
	}
	signed := append(v23LP(v23Seq(ds...)), v23LP(v23Seq(certs...))...)
	minSDK, maxSDK := s.minSDK, s.maxSDK
	if v3 {
		sm := minSDK
		if s.signedMinSDK != nil {
			sm = *s.signedMinSDK
		}
		signed = append(signed, v23U32(uint32(sm))...)
		signed = append(signed, v23U32(uint32(maxSDK))...)
	}
	signed = append(signed, v23LP(v23Seq(attrs...))...)
	var sigs [][]byte
	for _, a := range algs {
		var sig []byte
		if a.Known() {
			sig = s.key.sign(t, a, signed)
		} else {
			sig = []byte("opaque signature of an unknown algorithm")
		}
		if s.corruptSignature {
			sig[len(sig)/2] ^= 0x01
		}
		sigs = append(sigs, append(v23U32(uint32(a)), v23LP(sig)...))
	}
	pub := s.key.spki
	if s.publicKey != nil {
		pub = s.publicKey
	}
	out := v23LP(signed)
	if v3 {
		out = append(out, v23U32(uint32(minSDK))...)
		out = append(out, v23U32(uint32(maxSDK))...)
	}
	out = append(out, v23LP(v23Seq(sigs...))...)
	return append(out, v23LP(pub)...)
}

// v23LineageNode is one node to put in a synthetic lineage.
type v23LineageNode struct {
	key   *v23Key
	flags uint32
	// alg is the algorithm this node signs its child with.
	alg SignatureAlgorithmID
}

// v23BuildLineage encodes a lineage attribute value, each node signed by its
// parent. breakLink makes the signature of that node (1-based) invalid.
func v23BuildLineage(t testing.TB, nodes []v23LineageNode, breakLink int) []byte {
	t.Helper()
	out := v23U32(lineageVersion)
	var parentAlg SignatureAlgorithmID
	for i, n := range nodes {
		signed := append(v23LP(n.key.cert), v23U32(uint32(parentAlg))...)
		var sig []byte
		if i > 0 {
			sig = nodes[i-1].key.sign(t, parentAlg, signed)
			if breakLink == i+1 {
				sig[len(sig)/2] ^= 0x01
			}
		}
		node := append(v23LP(signed), v23U32(n.flags)...)
		node = append(node, v23U32(uint32(n.alg))...)
		node = append(node, v23LP(sig)...)
		out = append(out, v23LP(node)...)
		parentAlg = n.alg
	}
	return out
}

// v23LineageFile wraps an attribute value in the apksigner rotate file format.
func v23LineageFile(attr []byte) []byte {
	return append(append(v23U32(LineageFileMagic), v23U32(lineageVersion)...), v23LP(attr)...)
}

func v23IntAttr(id uint32, v int) attribute { return attribute{id: id, value: v23U32(uint32(v))} }

// v23Codes lists every error (or warning) code of a scheme result.
func v23Codes(r *SchemeResult, warnings bool) []Code {
	var out []Code
	pick := func(l []Issue) {
		for _, i := range l {
			out = append(out, i.Code)
		}
	}
	if warnings {
		pick(r.Warnings)
	} else {
		pick(r.Errors)
	}
	for _, s := range r.Signers {
		if warnings {
			pick(s.Warnings)
		} else {
			pick(s.Errors)
		}
	}
	return out
}
