package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/internal/testhooks"
	"github.com/apktrust/apktrust/signer"
)

// evidenceSet is the file of the "all evidence" row: v2+v3 for
// minSdk 24 with a source stamp (apksigner --stamp-signer), a Play frosting
// block signed with a test key (FrostingKey, a PKIX PEM public key) and a
// v4 signature file (IDSig) re-signed over the frosted file.
type evidenceSet struct {
	APK, IDSig, FrostingKey string
}

var (
	evidenceMu       sync.Mutex
	evidencePrepared = map[string]evidenceSet{}
)

// prepareEvidence makes (or reuses) the evidence file of size s.
func prepareEvidence(tb testing.TB, s benchSize) evidenceSet {
	tb.Helper()
	requireSigner(tb)
	evidenceMu.Lock()
	defer evidenceMu.Unlock()
	if set, ok := evidencePrepared[s.Label]; ok {
		return set
	}
	dir := outDir(tb)
	manifest := benchManifest(tb)
	id := generatorID(tb, manifest)
	base := filepath.Join(dir, fmt.Sprintf("%s-%s", id, s.Label))
	set := evidenceSet{APK: base + "-evidence.apk", IDSig: base + "-evidence.apk.idsig", FrostingKey: filepath.Join(dir, "frosting-test-key.pem")}
	if exists(set.APK) && exists(set.IDSig) && exists(set.FrostingKey) {
		evidencePrepared[s.Label] = set
		return set
	}
	key, cert := signingKey(tb, dir)
	unsigned, aligned, signed := tempName(tb, dir, "unsigned"), tempName(tb, dir, "aligned"), tempName(tb, dir, "signed")
	for _, f := range []string{unsigned, aligned, signed, signed + ".idsig"} {
		defer os.Remove(f)
	}
	start := time.Now()
	if err := generateUnsigned(unsigned, s.Bytes, manifest); err != nil {
		tb.Fatalf("generating %s APK: %v", s.Label, err)
	}
	run(tb, "zipalign", "-f", "-p", "4", unsigned, aligned)
	run(tb, "apksigner", "sign", "--key", key, "--cert", cert,
		"--v1-signing-enabled", "false", "--v2-signing-enabled", "true", "--v3-signing-enabled", "true",
		"--v4-signing-enabled", "true", "--min-sdk-version", "24",
		"--stamp-signer", "--key", key, "--cert", cert,
		"--out", signed, aligned)
	frostKey := frostingTestKey(tb, set.FrostingKey)
	tmpAPK, tmpSig := tempName(tb, dir, "evidence"), tempName(tb, dir, "idsig")
	defer os.Remove(tmpAPK)
	defer os.Remove(tmpSig)
	addFrosting(tb, signed, tmpAPK, frostKey)
	resignV4(tb, signed+".idsig", tmpAPK, tmpSig, key)
	for _, f := range []string{tmpAPK, tmpSig} {
		if err := os.Chmod(f, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.Rename(tmpSig, set.IDSig); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmpAPK, set.APK); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%s: evidence file made in %v", s.Label, time.Since(start).Round(time.Millisecond))
	evidencePrepared[s.Label] = set
	return set
}

// frostingTestKey loads the benchmark's frosting key, making it once.
func frostingTestKey(tb testing.TB, path string) *ecdsa.PrivateKey {
	tb.Helper()
	privPath := path + ".pk8"
	if b, err := os.ReadFile(privPath); err == nil {
		k, err := x509.ParsePKCS8PrivateKey(b)
		if err != nil {
			tb.Fatal(err)
		}
		return k.(*ecdsa.PrivateKey)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(privPath, der, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		tb.Fatal(err)
	}
	return k
}

// loadFrostingKey reads the PEM public key prepareEvidence wrote.
func loadFrostingKey(tb testing.TB, path string) *ecdsa.PublicKey {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		tb.Fatalf("%s: no PEM block", path)
		return nil
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return k.(*ecdsa.PublicKey)
}

func openArchive(tb testing.TB, path string) (*apkzip.Archive, *os.File) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := apkzip.Open(f, fileSize(tb, path))
	if err != nil {
		tb.Fatal(err)
	}
	return a, f
}

// addFrosting writes in to out with a frosting pair (key index 0, signed
// by k, vouching for the file's frosting digest) appended to its signing
// block, streaming: the file is never held in memory.
func addFrosting(tb testing.TB, in, out string, k *ecdsa.PrivateKey) {
	tb.Helper()
	a, f := openArchive(tb, in)
	defer f.Close()
	digest, err := scheme.FrostingAPKDigest(a)
	if err != nil {
		tb.Fatal(err)
	}
	block := a.SigningBlock()
	var pairs []byte
	appendPair := func(id uint32, value []byte) {
		pairs = binary.LittleEndian.AppendUint64(pairs, uint64(len(value)+4))
		pairs = binary.LittleEndian.AppendUint32(pairs, id)
		pairs = append(pairs, value...)
	}
	for _, p := range block.Pairs {
		v, err := a.PairValue(p)
		if err != nil {
			tb.Fatal(err)
		}
		appendPair(p.ID, v)
	}
	appendPair(scheme.BlockIDFrosting, frostingValue(tb, k, digest))
	size := uint64(len(pairs) + 8 + 16)
	var sb []byte
	sb = binary.LittleEndian.AppendUint64(sb, size)
	sb = append(sb, pairs...)
	sb = binary.LittleEndian.AppendUint64(sb, size)
	sb = append(sb, apkzip.SigningBlockMagic...)

	w, err := os.Create(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	copyRange := func(off, n int64) {
		if _, err := io.Copy(w, io.NewSectionReader(f, off, n)); err != nil {
			tb.Fatal(err)
		}
	}
	copyRange(0, block.Offset)
	if _, err := w.Write(sb); err != nil {
		tb.Fatal(err)
	}
	newCD := block.Offset + int64(len(sb))
	copyRange(a.CentralDirectoryOffset, a.EOCDOffset-a.CentralDirectoryOffset)
	eocd := a.EOCD()
	binary.LittleEndian.PutUint32(eocd[16:], uint32(newCD))
	if _, err := w.Write(eocd); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// frostingValue is a frosting pair value with one enabled entry (key index
// 0) vouching for apkDigest, signed by k (the layout scheme.ParseFrosting
// reads).
func frostingValue(tb testing.TB, k *ecdsa.PrivateKey, apkDigest []byte) []byte {
	tb.Helper()
	uv := func(n int) []byte { return binary.AppendUvarint(nil, uint64(n)) }
	meta := []byte{0x08, 0x01}
	entry := append([]byte{0x00, 0x00}, apkDigest...)
	entries := append(uv(len(entry)), entry...)
	section := append(uv(len(meta)), meta...)
	section = append(section, uv(len(entries))...)
	section = append(section, entries...)
	h := sha256.Sum256(section)
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		tb.Fatal(err)
	}
	sigs := append(uv(len(sig)), sig...)
	out := append(uv(len(section)), section...)
	out = append(out, uv(len(sigs))...)
	return append(out, sigs...)
}

// resignV4 writes out, the v4 signature file of apk: apksigner's file for
// the unfrosted APK (in) with the Merkle tree and root of apk and the
// signature redone with the RSA key at keyPath.
func resignV4(tb testing.TB, in, apk, out, keyPath string) {
	tb.Helper()
	f, err := os.Open(in)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sig, err := scheme.ParseV4Signature(f, fileSize(tb, in))
	if err != nil {
		tb.Fatal(err)
	}
	if len(sig.Signers) != 1 {
		tb.Fatalf("%s: %d signing infos, want 1", in, len(sig.Signers))
	}
	af, err := os.Open(apk)
	if err != nil {
		tb.Fatal(err)
	}
	defer af.Close()
	apkSize := fileSize(tb, apk)
	tree, root, err := scheme.V4MerkleTree(af, apkSize, sig.Salt)
	if err != nil {
		tb.Fatal(err)
	}
	sig.RootHash = root
	si := sig.Signers[0]
	der, err := os.ReadFile(keyPath)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		tb.Fatal(err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok || si.SignatureAlgorithm != signer.AlgRSAPKCS1SHA256 {
		tb.Fatalf("v4 re-signing supports RSA PKCS#1 v1.5 with SHA-256 only, not %v", si.SignatureAlgorithm)
	}
	h := sha256.Sum256(sig.SignedData(si, apkSize))
	if si.Signature, err = rsa.SignPKCS1v15(nil, rk, crypto.SHA256, h[:]); err != nil {
		tb.Fatal(err)
	}
	lp := func(b []byte) []byte { return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...) }
	var hashing []byte
	hashing = binary.LittleEndian.AppendUint32(hashing, sig.HashAlgorithm)
	hashing = append(hashing, sig.Log2BlockSize)
	hashing = append(hashing, lp(sig.Salt)...)
	hashing = append(hashing, lp(sig.RootHash)...)
	var signing []byte
	for _, b := range [][]byte{si.APKDigest, si.Certificate, si.AdditionalData, si.PublicKey} {
		signing = append(signing, lp(b)...)
	}
	signing = binary.LittleEndian.AppendUint32(signing, uint32(si.SignatureAlgorithm))
	signing = append(signing, lp(si.Signature)...)
	var file []byte
	file = binary.LittleEndian.AppendUint32(file, uint32(sig.Version))
	file = append(file, lp(hashing)...)
	file = append(file, lp(signing)...)
	file = append(file, lp(tree)...)
	if err := os.WriteFile(out, file, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// evidenceOptions verifies the evidence file with its frosting key and
// .idsig, and requires every piece of evidence to verify.
func evidenceOptions(tb testing.TB, set evidenceSet) (apkverify.Options, func()) {
	tb.Helper()
	f, err := os.Open(set.IDSig)
	if err != nil {
		tb.Fatal(err)
	}
	opts := apkverify.Options{MinSDK: 24, V4Signature: f, V4SignatureSize: fileSize(tb, set.IDSig)}
	testhooks.SetFrostingKeys(&opts, []*ecdsa.PublicKey{loadFrostingKey(tb, set.FrostingKey)})
	return opts, func() { f.Close() }
}

// checkEvidence fails unless the stamp, the frosting and v4 verified.
func checkEvidence(tb testing.TB, res *apkverify.Result) {
	tb.Helper()
	switch {
	case !res.Verified:
		tb.Fatalf("evidence file did not verify: %v", res.Errors)
	case res.SourceStamp == nil || !res.SourceStamp.Verified:
		tb.Fatalf("source stamp did not verify: %+v", res.SourceStamp)
	case res.Frosting == nil || !res.Frosting.Verified:
		tb.Fatalf("frosting did not verify: %+v", res.Frosting)
	case res.V4 == nil || !res.V4.Verified:
		tb.Fatalf("v4 did not verify: %+v", res.V4)
	}
}

// BenchmarkVerifyEvidence is the evidence row: the v2+v3 file
// (minSdk 24) alone, then a file of the same size with a source stamp,
// Play frosting and a v4 .idsig, every piece of evidence checked; one
// pass over the file feeds them all, so the second costs the extra
// hashing (frosting: SHA-256 of the file; v4: SHA-256 of every 4 KiB
// block), not extra reads. "ratio" on the evidence row is its time over
// the v2+v3 row's, measured in the same run.
func BenchmarkVerifyEvidence(b *testing.B) {
	for _, s := range benchSizes(b) {
		var base float64
		b.Run("size="+s.Label+"/v2v3", func(b *testing.B) {
			path := prepare(b, s).V123
			start := time.Now()
			benchVerify(b, path, apkverify.Options{MinSDK: 24})
			base = float64(time.Since(start)) / float64(b.N)
		})
		b.Run("size="+s.Label+"/stamp+frosting+v4", func(b *testing.B) {
			set := prepareEvidence(b, s)
			opts, closeSig := evidenceOptions(b, set)
			defer closeSig()
			res, err := apkverify.VerifyFile(context.Background(), set.APK, opts)
			if err != nil {
				b.Fatal(err)
			}
			checkEvidence(b, res)
			start := time.Now()
			benchVerify(b, set.APK, opts)
			if base > 0 {
				b.ReportMetric(float64(time.Since(start))/float64(b.N)/base, "ratio")
			}
		})
	}
}

// TestEvidenceFile checks the evidence file of the smallest size verifies
// every piece of evidence (run with the other prepared-file tests).
func TestEvidenceFile(t *testing.T) {
	if os.Getenv(envPrepare) != "1" {
		t.Skipf("set %s=1 to generate the benchmark APKs", envPrepare)
	}
	for _, s := range benchSizes(t) {
		set := prepareEvidence(t, s)
		opts, closeSig := evidenceOptions(t, set)
		res, err := apkverify.VerifyFile(context.Background(), set.APK, opts)
		closeSig()
		if err != nil {
			t.Fatal(err)
		}
		checkEvidence(t, res)
		fmt.Printf("BENCHFILE\t%s\t%d\tevidence\t%s\n", s.Label, fileSize(t, set.APK), set.APK)
	}
}
