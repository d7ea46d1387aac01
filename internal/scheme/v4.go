package scheme

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// A v4 signature file (".idsig", written by apksigner --v4-signing-enabled
// and used for incremental installs) holds, little-endian:
//
//	int32   version (2)
//	uint32-length-prefixed hashing info:
//	        uint32 hash algorithm (1 = SHA-256), uint8 log2 block size (12),
//	        length-prefixed salt, length-prefixed root hash
//	uint32-length-prefixed signing infos:
//	        signing info: length-prefixed APK digest, certificate,
//	        additional data, public key; uint32 signature algorithm;
//	        length-prefixed signature
//	        then zero or more {uint32 block ID, length-prefixed signing
//	        info} (v4.1: the v3.1 signer's)
//	optionally, uint32-length-prefixed fs-verity Merkle tree
//
// Each signing info signs: uint32 total size, int64 APK size, hash
// algorithm, log2 block size, salt, root hash, APK digest, certificate and
// additional data (the byte arrays length-prefixed).

func v4Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// V4SignatureVersion is the only v4 file version Android reads.
const V4SignatureVersion = 2

// Limits on the parts of a v4 file that are loaded into memory. apksigner
// caps signing infos at 7 KiB; hashing info is under 100 bytes.
const (
	v4MaxHashingInfo  = 4 << 10
	v4MaxSigningInfos = 64 << 10
)

// V4Signature is a parsed v4 signature file.
type V4Signature struct {
	Version int32
	// HashAlgorithm is 1 for SHA-256, the only one defined.
	HashAlgorithm uint32
	Log2BlockSize uint8
	Salt          []byte
	RootHash      []byte
	// Signers holds the main signing info first, then those of the
	// additional signing info blocks (v4.1), with their block IDs.
	Signers []*V4SigningInfo
	// TreeOffset and TreeSize locate the Merkle tree in the file; TreeSize
	// is -1 when the file has none. The tree is compared by streaming, never
	// loaded whole.
	TreeOffset int64
	TreeSize   int64
	// Warnings are the bytes Android's reader ignores (V4_SIG_TRAILING_BYTES).
	Warnings []Issue

	r io.ReaderAt
}

// V4SigningInfo is one signing info of a v4 signature file.
type V4SigningInfo struct {
	// BlockID is 0 for the main signing info, else the ID of the signing
	// info block (the v3.1 block ID for a v4.1 second signer).
	BlockID            uint32
	APKDigest          []byte
	Certificate        []byte
	AdditionalData     []byte
	PublicKey          []byte
	SignatureAlgorithm SignatureAlgorithmID
	Signature          []byte
}

// ParseV4Signature parses a v4 signature file of size bytes read from r.
// Lengths are checked against the file size before anything is allocated.
func ParseV4Signature(r io.ReaderAt, size int64) (*V4Signature, error) {
	pos := int64(0)
	readN := func(n int64, what string) ([]byte, error) {
		if n < 0 || n > size-pos {
			return nil, v4Errorf(V4CodeMalformed, "%s (%d bytes at offset %d) runs past the end of the %d-byte file", what, n, pos, size)
		}
		b := make([]byte, n)
		// ReadAt may return io.EOF with a full read at the end of the file.
		if got, err := r.ReadAt(b, pos); int64(got) != n {
			return nil, &Error{Code: V4CodeIO, Msg: "reading " + what, Err: err}
		}
		pos += n
		return b, nil
	}
	readLen := func(what string, max int64) (int64, error) {
		b, err := readN(4, what+" length")
		if err != nil {
			return 0, err
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if n > size-pos {
			return 0, v4Errorf(V4CodeMalformed, "%s length %d exceeds the %d bytes that remain", what, n, size-pos)
		}
		if max > 0 && n > max {
			return 0, v4Errorf(V4CodeMalformed, "%s is %d bytes, over the %d-byte limit", what, n, max)
		}
		return n, nil
	}
	vb, err := readN(4, "version")
	if err != nil {
		return nil, err
	}
	s := &V4Signature{Version: int32(binary.LittleEndian.Uint32(vb)), TreeSize: -1, r: r}
	if s.Version != V4SignatureVersion {
		return nil, v4Errorf(V4CodeVersionNotCurrent, "version %d, only %d is supported", s.Version, V4SignatureVersion)
	}
	n, err := readLen("hashing info", v4MaxHashingInfo)
	if err != nil {
		return nil, err
	}
	hb, err := readN(n, "hashing info")
	if err != nil {
		return nil, err
	}
	hr := newStampReader(hb)
	s.HashAlgorithm = hr.uint32()
	s.Log2BlockSize = hr.byte1()
	s.Salt = hr.bytes()
	s.RootHash = hr.bytes()
	if hr.err != nil {
		return nil, v4Errorf(V4CodeMalformed, "hashing info: %v", hr.err)
	}
	if n, err = readLen("signing infos", v4MaxSigningInfos); err != nil {
		return nil, err
	}
	sb, err := readN(n, "signing infos")
	if err != nil {
		return nil, err
	}
	sr := newStampReader(sb)
	main, err := v4ParseSigningInfo(&sr, 0)
	if err != nil {
		return nil, err
	}
	s.Signers = append(s.Signers, main)
	for sr.more() {
		id := sr.uint32()
		sub := sr.sub()
		if sr.err != nil {
			return nil, v4Errorf(V4CodeMalformed, "signing info block #%d: %v", len(s.Signers), sr.err)
		}
		si, err := v4ParseSigningInfo(&sub, id)
		if err != nil {
			return nil, err
		}
		if sub.more() {
			// SigningInfo.fromByteArray reads its fields and ignores the
			// rest of the block; the signature covers only the fields.
			s.warn("signing info block 0x%08x has %d trailing bytes, which Android ignores", id, sub.Remaining())
		}
		s.Signers = append(s.Signers, si)
	}
	if pos == size {
		return s, nil // no Merkle tree
	}
	if size-pos < 4 {
		// apksig reads the tree length to EOF and then has no tree; the
		// platform never reads past the signing infos.
		s.warn("%d bytes after the signing infos, too few for a Merkle tree length; ignored as Android does", size-pos)
		return s, nil
	}
	if n, err = readLen("Merkle tree", 0); err != nil {
		return nil, err
	}
	s.TreeOffset, s.TreeSize = pos, n
	pos += n
	if pos != size {
		// apksig's and the platform's readers stop after the tree.
		s.warn("%d bytes after the Merkle tree, which Android ignores", size-pos)
	}
	return s, nil
}

func (s *V4Signature) warn(format string, args ...any) {
	s.Warnings = append(s.Warnings, Issue{Code: V4CodeTrailingBytes, Scheme: SchemeV4, Signer: -1, Message: fmt.Sprintf(format, args...)})
}

func v4ParseSigningInfo(r *stampReader, blockID uint32) (*V4SigningInfo, error) {
	si := &V4SigningInfo{BlockID: blockID}
	si.APKDigest = r.bytes()
	si.Certificate = r.bytes()
	si.AdditionalData = r.bytes()
	si.PublicKey = r.bytes()
	si.SignatureAlgorithm = SignatureAlgorithmID(r.uint32())
	si.Signature = r.bytes()
	if r.err != nil {
		return nil, v4Errorf(V4CodeMalformed, "signing info (block 0x%08x): %v", blockID, r.err)
	}
	return si, nil
}

// SignedData returns the bytes the signing info's signature covers, for an
// APK of apkSize bytes.
func (s *V4Signature) SignedData(si *V4SigningInfo, apkSize int64) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0) // total size, patched below
	b = binary.LittleEndian.AppendUint64(b, uint64(apkSize))
	b = binary.LittleEndian.AppendUint32(b, s.HashAlgorithm)
	b = append(b, s.Log2BlockSize)
	for _, f := range [][]byte{s.Salt, s.RootHash, si.APKDigest, si.Certificate, si.AdditionalData} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

func failV4(r *V4Result, code Code, signer int, format string, args ...any) {
	r.Errors = append(r.Errors, Issue{Code: code, Scheme: SchemeV4, Signer: signer, Message: fmt.Sprintf(format, args...)})
}

// VerifyV4 verifies the v4 signature file (idsig, idsigSize bytes) of the
// APK a, as Android's verifier does, given the APK's verified v2/v3/v3.1
// results (keyed SchemeV2, SchemeV3, SchemeV31; missing or unverified ones
// are treated as absent).
//
// It checks the signature of each signing info; that its certificate
// carries its public key; that the signer pairs with the v3 signer (and
// the second one with the v3.1 signer), or with the v2 signer when v3 did
// not verify: same certificate, and APK digest equal to the signer's best
// content digest (CHUNKED_SHA512, then VERITY_CHUNKED_SHA256, then
// CHUNKED_SHA256); and that the fs-verity root hash (and tree, if stored)
// recomputed over the whole APK equals the file's. Each failure is
// reported with its reason, so an .idsig made for another APK or with an
// altered signature says why it does not verify.
func VerifyV4(a *apkzip.Archive, idsig io.ReaderAt, idsigSize int64, schemes map[Scheme]*SchemeResult) *V4Result {
	res := &V4Result{Present: true}
	sig, err := ParseV4Signature(idsig, idsigSize)
	if err != nil {
		var ve *Error
		code := V4CodeMalformed
		if errors.As(err, &ve) {
			code = ve.Code
		}
		failV4(res, code, -1, "%v", err)
		return res
	}
	res.RootHash = hex.EncodeToString(sig.RootHash)
	res.Warnings = append(res.Warnings, sig.Warnings...)
	certs := make([]*Certificate, len(sig.Signers))
	for i, si := range sig.Signers {
		certs[i] = v4VerifySigningInfo(res, sig, si, i, a.Size())
		if certs[i] != nil {
			res.CertSHA256 = append(res.CertSHA256, certs[i].SHA256Hex())
		}
	}
	if len(res.Errors) > 0 {
		return res
	}
	v4Pair(res, sig, schemes)
	if len(res.Errors) > 0 {
		return res
	}
	if sig.HashAlgorithm != 1 || sig.Log2BlockSize != 12 {
		failV4(res, V4CodeUnsupportedHashing, -1, "hash algorithm %d with 2^%d-byte blocks; only SHA-256 (1) with 4096-byte blocks is defined", sig.HashAlgorithm, sig.Log2BlockSize)
		return res
	}
	v4CheckTree(res, a, sig)
	res.Verified = len(res.Errors) == 0
	return res
}

// v4VerifySigningInfo checks one signing info's signature, certificate and
// public key, in apksig's order; it returns the certificate when all hold.
func v4VerifySigningInfo(res *V4Result, sig *V4Signature, si *V4SigningInfo, idx int, apkSize int64) *Certificate {
	if !si.SignatureAlgorithm.Known() {
		failV4(res, V4CodeUnknownSigAlgorithm, idx, "unknown signature algorithm 0x%04x", uint32(si.SignatureAlgorithm))
		return nil
	}
	pub, err := parsePublicKeyFor(si.SignatureAlgorithm, si.PublicKey)
	if err != nil {
		failV4(res, V4CodeMalformedPublicKey, idx, "malformed public key: %v", err)
		return nil
	}
	// At most two signing infos: bounded by the key limits, not charged.
	if err := stampVerify(nil, pub, si.SignatureAlgorithm, sig.SignedData(si, apkSize), si.Signature); err != nil {
		if errors.Is(err, errStampBadSignature) {
			failV4(res, V4CodeDidNotVerify, idx, "signature (algorithm 0x%04x) over the v4 signed data did not verify", uint32(si.SignatureAlgorithm))
		} else {
			failV4(res, V4CodeVerifyException, idx, "%v", err)
		}
		return nil
	}
	if len(si.Certificate) == 0 {
		failV4(res, V4CodeNoCertificate, idx, "signing info has no certificate")
		return nil
	}
	cert, err := sharedCertificate(si.Certificate)
	if err != nil {
		failV4(res, V4CodeMalformedCert, idx, "malformed certificate: %v", err)
		return nil
	}
	if !bytes.Equal(cert.RawSubjectPublicKeyInfo, si.PublicKey) {
		failV4(res, V4CodePublicKeyMismatch, idx, "public key differs from the certificate's")
		return nil
	}
	return cert
}

// v4BestDigest picks the content digest Android pairs a v4 signature with.
func v4BestDigest(s *SignerResult) []byte {
	byAlg := map[ContentDigestAlgorithm][]byte{}
	for _, d := range s.ContentDigests {
		if c, ok := d.Algorithm.ContentDigest(); ok {
			byAlg[c] = d.Digest
		}
	}
	for _, c := range []ContentDigestAlgorithm{DigestChunkedSHA512, DigestVerityChunkedSHA256, DigestChunkedSHA256} {
		if d, ok := byAlg[c]; ok {
			return d
		}
	}
	return nil
}

func v4Verified(schemes map[Scheme]*SchemeResult, s Scheme) *SchemeResult {
	if r := schemes[s]; r != nil && r.Verified && len(r.Signers) > 0 {
		return r
	}
	return nil
}

// v4Pair checks that the v4 signers match the scheme Android pairs them
// with: v3 (plus v3.1 as the second signer) when v3 verified, else v2.
func v4Pair(res *V4Result, sig *V4Signature, schemes map[Scheme]*SchemeResult) {
	check := func(si *V4SigningInfo, idx int, sr *SchemeResult, scheme string) {
		if len(sr.Signers) != 1 {
			failV4(res, V4CodeMultipleSigners, idx, "%s has %d signers; v4 pairs with exactly one", scheme, len(sr.Signers))
		}
		s := sr.Signers[0]
		if c := s.Cert(); c == nil || !bytes.Equal(c.Raw, si.Certificate) {
			failV4(res, V4CodeSignersMismatch, idx, "v4 certificate differs from the %s signer's: the .idsig was made by another signer", scheme)
		}
		if want := v4BestDigest(s); !bytes.Equal(want, si.APKDigest) {
			failV4(res, V4CodeDigestsMismatch, idx, "v4 APK digest %x differs from the %s content digest %x: the .idsig belongs to another APK", si.APKDigest, scheme, want)
		}
	}
	if v3 := v4Verified(schemes, SchemeV3); v3 != nil {
		v31 := v4Verified(schemes, SchemeV31)
		want := 1
		if v31 != nil {
			want = 2
		}
		if len(sig.Signers) != want {
			code := V4CodeMultipleSigners
			if v31 != nil {
				code = V4CodeNeedsTwoSigners
			}
			failV4(res, code, -1, "%d v4 signing infos, want %d", len(sig.Signers), want)
			return
		}
		check(sig.Signers[0], 0, v3, "v3")
		if v31 != nil {
			// Android 13+ finds the v3.1 signer's signing info by the
			// v3.1 block ID, which no signature covers: the signing info
			// it finds that way is the one that must pair with v3.1.
			// Under another ID it finds none and refuses the install.
			if sig.Signers[1].BlockID != BlockIDV31 {
				failV4(res, V4CodeBlockIDMismatch, 1, "the second signing info is stored under block ID 0x%08x; Android 13+ looks the v3.1 signer up under 0x%08x, finds no signing info for it and refuses the install", sig.Signers[1].BlockID, BlockIDV31)
				return
			}
			check(sig.Signers[1], 1, v31, "v3.1")
		}
		return
	}
	if v2 := v4Verified(schemes, SchemeV2); v2 != nil {
		if len(sig.Signers) != 1 {
			failV4(res, V4CodeMultipleSigners, -1, "%d v4 signing infos, want 1", len(sig.Signers))
		}
		check(sig.Signers[0], 0, v2, "v2")
		return
	}
	failV4(res, V4CodeNoV2V3, -1, "the APK has no verified v2 or v3 signature to pair the v4 signature with")
}

// v4CheckTree recomputes the fs-verity Merkle tree of the APK and compares
// its root hash, and the stored tree when there is one.
func v4CheckTree(res *V4Result, a *apkzip.Archive, sig *V4Signature) {
	// The archive's digester builds the tree in the pass that computes the
	// other digests when apkverify planned it (Prefetch).
	tree, root, err := NewContentDigester(a).v4MerkleTree(context.Background(), sig.Salt)
	if err != nil {
		failV4(res, V4CodeIO, -1, "computing the Merkle tree: %v", err)
		return
	}
	if !bytes.Equal(root, sig.RootHash) {
		failV4(res, V4CodeRootDidNotVerify, -1, "fs-verity root hash of the APK is %x, the v4 signature says %x", root, sig.RootHash)
		return
	}
	if sig.TreeSize < 0 || sig.TreeSize == 0 && len(tree) == 0 {
		return
	}
	if sig.TreeSize != int64(len(tree)) {
		failV4(res, V4CodeTreeDidNotVerify, -1, "stored Merkle tree is %d bytes, the APK's is %d", sig.TreeSize, len(tree))
		return
	}
	buf := make([]byte, 64<<10)
	for off := int64(0); off < sig.TreeSize; off += int64(len(buf)) {
		n := int64(len(buf))
		if rem := sig.TreeSize - off; rem < n {
			n = rem
		}
		if got, err := sig.r.ReadAt(buf[:n], sig.TreeOffset+off); int64(got) != n {
			failV4(res, V4CodeIO, -1, "reading the stored Merkle tree: %v", err)
			return
		}
		if !bytes.Equal(buf[:n], tree[off:off+n]) {
			failV4(res, V4CodeTreeDidNotVerify, -1, "stored Merkle tree differs from the APK's at byte %d", off+firstDiff(buf[:n], tree[off:off+n]))
			return
		}
	}
}

func firstDiff(a, b []byte) int64 {
	for i := range a {
		if a[i] != b[i] {
			return int64(i)
		}
	}
	return 0
}

const v4BlockSize = 4096

// V4MerkleTree computes the fs-verity Merkle tree of the size bytes of r
// (SHA-256, 4096-byte blocks, salt prepended to every hashed block, last
// data block zero-padded) as v4 signatures store it: levels from the top
// down, each padded to a whole block. It returns the tree and the root hash
// (the salted hash of the top block). Memory is the tree itself, 1/128 of
// the input.
func V4MerkleTree(r io.ReaderAt, size int64, salt []byte) (tree, root []byte, err error) {
	if size < 0 {
		return nil, nil, errors.New("negative size")
	}
	hashInto := v4Hasher(salt)
	// Level 0: hash the data in blocks, streaming, straight into its place
	// in the tree.
	t := newV4Tree(size)
	level := t.level0()[:0]
	buf := make([]byte, 256*v4BlockSize)
	block := make([]byte, v4BlockSize)
	for off := int64(0); off < size; {
		n := int64(len(buf))
		if rem := size - off; rem < n {
			n = rem
		}
		if got, err := r.ReadAt(buf[:n], off); int64(got) != n {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, err
		}
		for p := int64(0); p < n; p += v4BlockSize {
			end := p + v4BlockSize
			if end > n {
				// The last block: zero-padded, as fs-verity does.
				clear(block)
				copy(block, buf[p:n])
				level = hashInto(level, block)
				break
			}
			level = hashInto(level, buf[p:end])
		}
		off += n
	}
	return t.tree, t.finish(salt), nil
}

// v4TreeBuf is a v4 Merkle tree being built in its final layout: levels
// from the top down, each padded to a whole block, so the data blocks'
// hashes (level 0, 1/128 of the data) are written once, where they stay.
type v4TreeBuf struct {
	tree  []byte
	sizes []int64 // per level, level 0 first
	offs  []int64 // offset of each level in tree
}

func newV4Tree(dataSize int64) *v4TreeBuf {
	t := &v4TreeBuf{}
	for n := (dataSize + v4BlockSize - 1) / v4BlockSize; ; {
		sz := v4RoundUp(n * sha256.Size)
		t.sizes = append(t.sizes, sz)
		if sz <= v4BlockSize {
			break
		}
		n = sz / v4BlockSize
	}
	var total int64
	t.offs = make([]int64, len(t.sizes))
	for l := len(t.sizes) - 1; l >= 0; l-- {
		t.offs[l] = total
		total += t.sizes[l]
	}
	t.tree = make([]byte, total)
	return t
}

// level0 is where the data blocks' hashes go, in order.
func (t *v4TreeBuf) level0() []byte { return t.tree[t.offs[0] : t.offs[0]+t.sizes[0]] }

// finish hashes every level above 0 from the one below and returns the
// root: the salted hash of the top level (of a zero block when empty).
func (t *v4TreeBuf) finish(salt []byte) []byte {
	hashInto := v4Hasher(salt)
	for l := 1; l < len(t.sizes); l++ {
		below := t.tree[t.offs[l-1] : t.offs[l-1]+t.sizes[l-1]]
		out := t.tree[t.offs[l]:t.offs[l]]
		for p := 0; p < len(below); p += v4BlockSize {
			out = hashInto(out, below[p:p+v4BlockSize])
		}
	}
	l := len(t.sizes) - 1
	top := t.tree[t.offs[l] : t.offs[l]+t.sizes[l]]
	if len(top) == 0 {
		top = make([]byte, v4BlockSize)
	}
	return hashInto(nil, top)
}

// v4Hasher returns a function appending the salted SHA-256 of a block to
// dst; one hasher, reset per block, so no allocation per block.
func v4Hasher(salt []byte) func(dst, block []byte) []byte {
	h := sha256.New()
	return func(dst, block []byte) []byte {
		h.Reset()
		h.Write(salt)
		h.Write(block)
		return h.Sum(dst)
	}
}

func v4RoundUp(n int64) int64 { return (n + v4BlockSize - 1) / v4BlockSize * v4BlockSize }
