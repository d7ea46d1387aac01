package scheme

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/ber"
	"github.com/apktrust/apktrust/internal/jarmanifest"
	"github.com/apktrust/apktrust/internal/pkcs7"
)

// v1ManifestName is the JAR manifest every v1 signature covers.
const v1ManifestName = "META-INF/MANIFEST.MF"

// v1MaxSigners is the most JAR signers apksig accepts.
const v1MaxSigners = 10

// Bounds on the work one v1 signature may ask for. Android sets none (its
// verifier tries every SignerInfo of every block), and real APKs use one
// SignerInfo, one to three certificates and one to a few blocks; a block
// of thousands of identical SignerInfos over a costly key is a denial of
// service. Beyond these counts the file is refused (stricter than
// apksigner, see README).
const (
	v1MaxSignatureBlocks  = 32 // .RSA/.DSA/.EC entries, with or without a .SF
	v1MaxSignerInfos      = 8  // SignerInfos in one block
	v1MaxBlockCertificate = 32 // certificates in one block
)

// SDK levels at which Android's JAR verifier changed behaviour.
const (
	v1SDKGingerbread = 9  // SHA-384/512 digests in manifests
	v1SDKKitKat      = 19 // signed attributes verified correctly
)

// V1Options configures VerifyV1Options.
type V1Options struct {
	// MinSDK and MaxSDK are the API levels the verdict must hold for.
	MinSDK, MaxSDK int
	// Blocks are the signature blocks of the APK Signing Block, read once
	// from the container (FindBlocks), against which X-Android-APK-Signed
	// is checked: a header naming a scheme the range's platforms know
	// (v2 from MaxSDK 24, v3 from 28) whose block the file lacks means
	// that signature was stripped. Nil reads them from the archive.
	//
	// Stripping protection is judged here, not by the caller comparing
	// scheme results: the platform's reader checks it before
	// Signature-Version (v1_platform.go), so where it is checked changes
	// the outcome, and all it needs is this container fact.
	Blocks *Blocks
	// Workers is the number of goroutines hashing entries; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// V1Result is the full outcome of VerifyV1Options.
type V1Result struct {
	// Result is the scheme result: signers Android uses (and those that
	// failed), errors and warnings.
	Result *SchemeResult
	// IgnoredSigners are signers Android skips without failing the APK
	// (for example a .SF without Signature-Version, or a signer that does
	// not cover the APK's entries). Their issues are also listed as
	// warnings of Result.
	IgnoredSigners []*SignerResult
	// ManifestSHA256 is the SHA-256 of META-INF/MANIFEST.MF as stored
	// (uncompressed), nil when the APK has none. Source stamps sign it.
	ManifestSHA256 []byte
}

// VerifyV1 verifies the APK's v1 (JAR) signature the way Android does on
// every API level of [minSDK, maxSDK]. The result's Scheme is "v1";
// Present is true when META-INF/MANIFEST.MF or a .SF file exists; Verified
// is true when Android would accept the JAR signature on all those levels.
//
// Entries are inflated and hashed once each, on runtime.GOMAXPROCS(0)
// goroutines, streaming with bounded memory. Cancelling ctx stops the work
// and fails the result with JAR_SIG_CANCELED.
func VerifyV1(ctx context.Context, a *apkzip.Archive, minSDK, maxSDK int) *SchemeResult {
	return VerifyV1Options(ctx, a, V1Options{MinSDK: minSDK, MaxSDK: maxSDK}).Result
}

// V1ManifestDigest returns the SHA-256 of META-INF/MANIFEST.MF's
// uncompressed bytes, the "v1 digest" that source stamps sign, for a
// caller that did not run the JAR verifier (which reports the same hash
// as V1Result.ManifestSHA256: pass that forward instead of hashing
// again). It fails with CodeJarNoManifest when the APK has no manifest.
func V1ManifestDigest(a *apkzip.Archive) ([]byte, error) {
	e := a.Lookup(v1ManifestName)
	if e == nil {
		return nil, &Error{Code: CodeJarNoManifest, Msg: "no " + v1ManifestName}
	}
	return v1HashEntry(e)
}

// v1HashEntry is the SHA-256 of an entry's uncompressed bytes.
func v1HashEntry(e *apkzip.Entry) ([]byte, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	h := sha256.New()
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		h.Write(buf[:n])
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
	}
	return h.Sum(nil), nil
}

// VerifyV1Options is VerifyV1 with all options and the full result.
func VerifyV1Options(ctx context.Context, a *apkzip.Archive, opts V1Options) *V1Result {
	return verifyV1(ctx, a, opts, false)
}

// verifyV1 runs the JAR verifier for an APK, or with jar for a plain JAR
// (see VerifyJAR).
func verifyV1(ctx context.Context, a *apkzip.Archive, opts V1Options, jar bool) *V1Result {
	if ctx == nil {
		ctx = context.Background()
	}
	v := &v1Verifier{
		ctx:    ctx,
		a:      a,
		minSDK: opts.MinSDK,
		maxSDK: opts.MaxSDK,
		out:    &V1Result{Result: &SchemeResult{Scheme: SchemeV1}},
		opts:   opts,
		jar:    jar,
		budget: workBudgetFrom(ctx),
	}
	v.res = v.out.Result
	if jar {
		// One reading, the current platform's: every SignerInfo tried,
		// the strongest digest of a section checked, content type
		// checked; no APK Signature Scheme to protect from stripping.
		v.minSDK, v.maxSDK = MaxSDK, MaxSDK
		v.found, v.supported = map[int]bool{}, map[int]string{}
		v.run()
		v.finish()
		return v.out
	}
	if v.minSDK < 0 || v.maxSDK < v.minSDK {
		v.schemeErr(CodeJarInvalidSDKRange, "invalid SDK range [%d, %d]", v.minSDK, v.maxSDK)
		return v.out
	}
	blocks := opts.Blocks
	if blocks == nil {
		b := FindBlocks(a)
		blocks = &b
	}
	// Schemes X-Android-APK-Signed may name, by the newest platform in the
	// range (naming a scheme the range's platforms do not know is only a
	// warning), and which of them the file has.
	v.supported, v.found = blocks.strippable(v.maxSDK)
	v.run()
	v.finish()
	return v.out
}

type v1Signer struct {
	name        string // file name stem, e.g. "CERT"
	blockName   string // e.g. "META-INF/CERT.RSA"
	block, sf   *apkzip.Entry
	res         *SignerResult
	ignored     bool
	sfBytes     []byte
	sfNames     map[string]bool
	certChain   []*Certificate
	attachedIdx int // position in Result.Signers, -1 until attached
}

func (s *v1Signer) hasErrors() bool { return len(s.res.Errors) > 0 }

func (s *v1Signer) err(code Code, format string, args ...any) {
	s.res.Errors = append(s.res.Errors, Issue{Code: code, Scheme: SchemeV1, Message: fmt.Sprintf(format, args...), Signer: -1})
}

func (s *v1Signer) warn(code Code, format string, args ...any) {
	s.res.Warnings = append(s.res.Warnings, Issue{Code: code, Scheme: SchemeV1, Message: fmt.Sprintf(format, args...), Signer: -1})
}

type v1Verifier struct {
	ctx            context.Context
	a              *apkzip.Archive
	opts           V1Options
	minSDK, maxSDK int
	found          map[int]bool
	supported      map[int]string
	out            *V1Result
	res            *SchemeResult
	ignored        []*v1Signer
	verified       bool
	readTotal      int64 // bytes of JAR files read, against v1MaxTotalJarBytes
	budget         *WorkBudget
	// jar verifies a plain JAR (an App Bundle) instead of an APK: see
	// VerifyJAR for the rules that differ.
	jar bool
	// digests caches hashes of the manifest, its main section and the
	// .SF files: several signers, SignerInfos and both readers' checks
	// ask for the same ones, and a manifest may inflate to jarmanifest.MaxFileSize.
	digests map[v1DigestKey][]byte
}

// v1DigestKey names a hash of a byte range: the file the range is read
// from ("" for the manifest, else the .SF's name), its offset there and
// its length.
type v1DigestKey struct {
	h    crypto.Hash
	file string
	off  int
	n    int
}

// digest returns h over b, the bytes at offset off of file (see
// v1DigestKey), computed once per (h, range).
// seedDigest records a hash of a range computed elsewhere.
func (v *v1Verifier) seedDigest(h crypto.Hash, file string, off int, b, d []byte) {
	if v.digests == nil {
		v.digests = map[v1DigestKey][]byte{}
	}
	v.digests[v1DigestKey{h, file, off, len(b)}] = d
}

func (v *v1Verifier) digest(h crypto.Hash, file string, off int, b []byte) []byte {
	k := v1DigestKey{h, file, off, len(b)}
	if d, ok := v.digests[k]; ok {
		return d
	}
	if v.digests == nil {
		v.digests = map[v1DigestKey][]byte{}
	}
	d := v1HashBytes(h, b)
	v.digests[k] = d
	return d
}

func (v *v1Verifier) schemeErr(code Code, format string, args ...any) {
	v.res.Errors = append(v.res.Errors, Issue{Code: code, Scheme: SchemeV1, Message: fmt.Sprintf(format, args...), Signer: -1})
}

func (v *v1Verifier) schemeWarn(code Code, format string, args ...any) {
	v.res.Warnings = append(v.res.Warnings, Issue{Code: code, Scheme: SchemeV1, Message: fmt.Sprintf(format, args...), Signer: -1})
}

// attach lists a signer in the scheme result.
func (v *v1Verifier) attach(s *v1Signer) {
	if s.attachedIdx >= 0 {
		return
	}
	s.attachedIdx = len(v.res.Signers)
	s.res.Index = s.attachedIdx
	for i := range s.res.Errors {
		s.res.Errors[i].Signer = s.attachedIdx
	}
	for i := range s.res.Warnings {
		s.res.Warnings[i].Signer = s.attachedIdx
	}
	v.res.Signers = append(v.res.Signers, s.res)
}

func (v *v1Verifier) containsErrors() bool {
	if len(v.res.Errors) > 0 {
		return true
	}
	for _, s := range v.res.Signers {
		if len(s.Errors) > 0 {
			return true
		}
	}
	return false
}

// finish computes the verdict and reports ignored signers.
func (v *v1Verifier) finish() {
	for i, s := range v.ignored {
		s.res.Index = i
		v.out.IgnoredSigners = append(v.out.IgnoredSigners, s.res)
		for _, is := range append(append([]Issue{}, s.res.Errors...), s.res.Warnings...) {
			v.schemeWarn(is.Code, "ignored signer %s: %s", s.name, is.Message)
		}
	}
	v.res.Verified = v.res.Present && v.verified && !v.containsErrors()
}

// v1MaxTotalJarBytes bounds the manifest, .SF files and signature blocks
// held in memory at once, whatever the number of signers.
const v1MaxTotalJarBytes = 2 * jarmanifest.MaxFileSize

// readSmall reads a signature file whole, bounded by limit and by what
// remains of the verification's memory budget. A malformed entry is an
// error of the whole scheme: Android's verifier throws.
func (v *v1Verifier) readSmall(e *apkzip.Entry, limit int64) ([]byte, bool) {
	if v.readTotal+e.UncompressedSize > v1MaxTotalJarBytes {
		v.schemeErr(CodeJarFileTooLarge, "%s: %d bytes would take the signature files over the %d-byte budget",
			e.Name, e.UncompressedSize, v1MaxTotalJarBytes)
		return nil, false
	}
	// The signature files are read, parsed twice and hashed: they share
	// the inflate limit of the entries (v1MaxInflateRatio).
	if limit := v1MaxInflateRatio*v.a.Size() + v1InflateAllowance; v.readTotal+e.UncompressedSize > limit {
		v.schemeErr(CodeJarInflateLimitExceeded, "%s: %d bytes would take the signature files over %d bytes (%d times the file's %d bytes, plus %d)",
			e.Name, e.UncompressedSize, limit, v1MaxInflateRatio, v.a.Size(), v1InflateAllowance)
		return nil, false
	}
	v.readTotal += e.UncompressedSize
	b, err := e.ReadAll(limit)
	if err != nil {
		var fe *apkzip.FormatError
		if errors.As(err, &fe) && fe.Code == apkzip.CodeEntryTooLarge {
			v.schemeErr(CodeJarFileTooLarge, "%s: %v", e.Name, err)
		} else {
			v.schemeErr(CodeJarMalformedZipEntry, "%s: %v", e.Name, err)
		}
		return nil, false
	}
	return b, true
}

func (v *v1Verifier) run() {
	// Directory entries take no part in JAR signing.
	var entries []*apkzip.Entry
	names := map[string]bool{}
	for _, e := range v.a.Entries() {
		if strings.HasSuffix(e.Name, "/") {
			continue
		}
		entries = append(entries, e)
		names[e.Name] = true
	}
	var manifest *apkzip.Entry
	sfs := map[string]*apkzip.Entry{}
	var blocks []*apkzip.Entry
	for _, e := range entries {
		n := e.Name
		if !strings.HasPrefix(n, "META-INF/") {
			continue
		}
		switch {
		case n == v1ManifestName:
			manifest = e
		case strings.HasSuffix(n, ".SF"):
			sfs[n] = e
		case strings.HasSuffix(n, ".RSA"), strings.HasSuffix(n, ".DSA"), strings.HasSuffix(n, ".EC"):
			blocks = append(blocks, e)
		}
	}
	v.res.Present = manifest != nil || len(sfs) > 0
	if manifest == nil {
		v.schemeErr(CodeJarNoManifest, "missing %s", v1ManifestName)
		return
	}
	mfBytes, ok := v.readSmall(manifest, jarmanifest.MaxFileSize)
	if !ok {
		return
	}
	sum := sha256.Sum256(mfBytes)
	v.out.ManifestSHA256 = sum[:]
	// The manifest's SHA-256 is hashed once: the .SF's SHA-256-Digest-
	// Manifest and a source stamp's v1 digest (ManifestSHA256, which the
	// caller passes forward to StampDigestsFromSchemes) are the same hash
	// of the same bytes.
	v.seedDigest(crypto.SHA256, "", 0, mfBytes, sum[:])
	mf, err := parseJarManifest(mfBytes, len(entries)+64)
	if err != nil {
		var ve *Error
		if errors.As(err, &ve) {
			v.schemeErr(ve.Code, "%s: %s", v1ManifestName, ve.Msg)
		} else {
			v.schemeErr(CodeJarTooManySections, "%s: %v", v1ManifestName, err)
		}
		return
	}
	mfSections := make(map[string]*jarmanifest.Section, len(mf.Sections))
	for i, sec := range mf.Sections {
		if !sec.Named {
			v.schemeErr(CodeJarUnnamedManifestSection, "%s section #%d has no Name attribute", v1ManifestName, i+1)
			continue
		}
		if _, dup := mfSections[sec.Name]; dup {
			v.schemeErr(CodeJarDuplicateManifestSection, "%s has more than one section for %q", v1ManifestName, sec.Name)
			continue
		}
		mfSections[sec.Name] = sec
		if !names[sec.Name] {
			v.schemeErr(CodeJarMissingZipEntryReferenced, "%q entry referenced by %s not found in the file", sec.Name, v1ManifestName)
		}
	}
	if v.containsErrors() {
		return
	}

	var signers []*v1Signer
	for _, b := range blocks {
		dot := strings.LastIndexByte(b.Name, '.')
		sfName := b.Name[:dot] + ".SF"
		sf := sfs[sfName]
		if sf == nil {
			v.schemeWarn(CodeJarMissingFile, "%s has no matching %s", b.Name, sfName)
			continue
		}
		s := &v1Signer{
			name:        strings.TrimPrefix(b.Name[:dot], "META-INF/"),
			blockName:   b.Name,
			block:       b,
			sf:          sf,
			attachedIdx: -1,
			res:         &SignerResult{MaxSDK: MaxSDK},
		}
		s.res.Name = s.name
		signers = append(signers, s)
	}
	if len(blocks) > v1MaxSignatureBlocks {
		v.schemeErr(CodeJarTooManySignatureBlocks, "%d signature blocks, more than the %d this verifier reads", len(blocks), v1MaxSignatureBlocks)
		return
	}
	if len(signers) == 0 {
		v.schemeErr(CodeJarNoSignatures, "no JAR signatures")
		return
	}
	if len(signers) > v1MaxSigners {
		v.schemeErr(CodeJarMaxSignaturesExceeded, "v1 supports at most %d signers, found %d", v1MaxSigners, len(signers))
		return
	}

	// Every signature block must verify against its .SF; any failure ends
	// verification, as on Android.
	for _, s := range signers {
		if !v.verifyBlock(s) {
			return // malformed ZIP entry: scheme error already recorded
		}
		if s.hasErrors() {
			v.attach(s)
		}
	}
	if v.containsErrors() {
		return
	}

	var remaining []*v1Signer
	for _, s := range signers {
		v.verifySigFile(s, mfBytes, mf.Main, mfSections, len(entries)+64)
		switch {
		case s.ignored:
			v.ignored = append(v.ignored, s)
		case s.hasErrors():
			v.attach(s)
		default:
			remaining = append(remaining, s)
		}
	}
	if v.containsErrors() {
		return
	}
	if len(remaining) == 0 {
		v.schemeErr(CodeJarNoSignatures, "no JAR signatures left after ignoring unusable signers")
		return
	}

	apkSigners := v.verifyEntries(entries, mfSections, remaining)
	if v.containsErrors() || v.ctx.Err() != nil {
		return
	}
	// apksig accepts: the platform's reading must too, with the same
	// signers for every entry (v1_platform.go).
	v.checkPlatform(mfBytes, entries, mfSections, signers, apkSigners)
	if v.containsErrors() {
		return
	}

	covered := map[string]bool{v1ManifestName: true}
	for _, s := range apkSigners {
		covered[s.blockName] = true
		covered[s.sf.Name] = true
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name, "META-INF/") && !covered[e.Name] {
			v.schemeWarn(CodeJarUnprotectedZipEntry, "%s is not protected by the signature", e.Name)
		}
	}
	inSet := map[*v1Signer]bool{}
	for _, s := range apkSigners {
		inSet[s] = true
	}
	for _, s := range remaining {
		if inSet[s] {
			s.res.Certificates = s.certChain
			v.attach(s)
		} else {
			v.ignored = append(v.ignored, s)
		}
	}
	v.verified = true
}

// verifyBlock checks the signer's .RSA/.DSA/.EC against its .SF. It
// returns false when an entry could not be read at all.
func (v *v1Verifier) verifyBlock(s *v1Signer) bool {
	block, ok := v.readSmall(s.block, MaxSignatureBlockSize)
	if !ok {
		return false
	}
	if s.sfBytes, ok = v.readSmall(s.sf, jarmanifest.MaxFileSize); !ok {
		return false
	}
	v.checkBlock(s, block)
	return true
}

// checkBlock verifies a signature block against the signer's .SF bytes,
// recording the outcome on the signer.
func (v *v1Verifier) checkBlock(s *v1Signer, block []byte) {
	sd, err := parsePKCS7(block)
	if err != nil {
		s.err(CodeJarParseException, "failed to parse %s: %v", s.blockName, err)
		return
	}
	if len(sd.SignerInfos) == 0 {
		s.err(CodeJarNoSigners, "%s has no signers", s.blockName)
		return
	}
	if len(sd.SignerInfos) > v1MaxSignerInfos {
		s.err(CodeJarTooManySignerInfos, "%s has %d SignerInfos, more than the %d this verifier tries", s.blockName, len(sd.SignerInfos), v1MaxSignerInfos)
		return
	}
	if len(sd.Certificates) > v1MaxBlockCertificate {
		s.err(CodeJarTooManyCertificates, "%s has %d certificates, more than the %d this verifier reads", s.blockName, len(sd.Certificates), v1MaxBlockCertificate)
		return
	}
	// Before Android 7.0 only the first SignerInfo is tried; later
	// versions try all and use the first that verifies.
	infos := sd.SignerInfos
	if v.minSDK < SDKNougat {
		infos = infos[:1]
	}
	certs := make([]*pkcs7CertID, 0, len(sd.Certificates))
	for i, raw := range sd.Certificates {
		c, err := pkcs7ParseCertID(raw)
		if err != nil {
			s.err(CodeJarParseException, "failed to parse certificate #%d of %s: %v", i+1, s.blockName, err)
			return
		}
		certs = append(certs, c)
	}
	var signing *pkcs7CertID
	for i := range infos {
		c, err := v.verifySignerInfo(s, sd, certs, &infos[i])
		if s.hasErrors() {
			return
		}
		var pe *v1ParseExc
		var ve *v1VerifyExc
		switch {
		case errors.As(err, &pe):
			s.err(CodeJarParseException, "failed to parse %s: %v", s.blockName, pe.err)
			return
		case errors.As(err, &ve):
			s.err(CodeJarVerifyException, "failed to verify %s against %s: %v", s.blockName, s.sf.Name, ve.err)
			return
		}
		if c != nil && signing == nil {
			signing = c
		}
	}
	if signing == nil {
		s.err(CodeJarDidNotVerify, "%s did not verify against %s", s.blockName, s.sf.Name)
		return
	}
	s.certChain = v1CertChain(v.a, certs, signing)
	s.res.Certificates = s.certChain
}

type v1ParseExc struct{ err error }
type v1VerifyExc struct{ err error }

func (e *v1ParseExc) Error() string  { return e.err.Error() }
func (e *v1VerifyExc) Error() string { return e.err.Error() }

func v1VerifyExcf(format string, args ...any) error {
	return &v1VerifyExc{fmt.Errorf(format, args...)}
}

// verifySignerInfo returns the signing certificate when the SignerInfo
// verifies, nil when it does not, and a *v1ParseExc or *v1VerifyExc for
// the failures Android reports as exceptions.
func (v *v1Verifier) verifySignerInfo(s *v1Signer, sd *pkcs7.SignedData, certs []*pkcs7CertID, si *pkcs7.SignerInfo) (*pkcs7CertID, error) {
	if v.jar {
		if !jarStrongAlgorithm(si.Digest.OID, si.Signature.OID) {
			s.err(CodeJarWeakAlgorithm, "%s uses digest %s with signature %s; a JAR signature must use SHA-256 or stronger with RSA, EC or DSA",
				s.blockName, si.Digest.OID, si.Signature.OID)
			return nil, nil
		}
	} else if bad := v1UnsupportedLevels(si.Digest.OID, si.Signature.OID, v.minSDK, v.maxSDK); len(bad) > 0 {
		s.err(CodeJarUnsupportedSigAlg, "%s uses digest %s with signature %s, not supported on API levels %s",
			s.blockName, si.Digest.OID, si.Signature.OID, v1FormatSDKRanges(bad))
		return nil, nil
	}
	var cert *pkcs7CertID
	if si.IssuerRaw != nil {
		for _, c := range certs {
			if c.Serial.Cmp(si.Serial) == 0 && pkcs7SameName(si.IssuerRaw, c.IssuerRaw) {
				cert = c
				break
			}
		}
	}
	if cert == nil {
		return nil, v1VerifyExcf("signing certificate referenced in SignerInfo not found in SignedData")
	}
	if cert.UnknownCritical {
		return nil, v1VerifyExcf("signing certificate has unsupported critical extensions")
	}
	if !cert.keyUsageAllowsSigning() {
		return nil, v1VerifyExcf("signing certificate's keyUsage allows neither digitalSignature nor nonRepudiation")
	}
	h, family, ok := v1SignatureScheme(si.Digest.OID, si.Signature.OID)
	if !ok {
		return nil, v1VerifyExcf("unsupported signature algorithm %s with digest %s", si.Signature.OID, si.Digest.OID)
	}
	pub, err := cert.publicKey()
	if err != nil {
		return nil, v1VerifyExcf("signing certificate's public key: %v", err)
	}
	if v1KeyFamily(pub) != family {
		return nil, v1VerifyExcf("%s signature with a %s key", family, v1KeyFamily(pub))
	}
	signed := s.sfBytes
	if si.SignedAttrs != nil {
		if v.minSDK < v1SDKKitKat {
			// Before Android 4.4 signed attributes were verified wrongly and
			// their digest not checked at all, so the APK is unprotected.
			return nil, v1VerifyExcf("signed attributes are broken on API levels below %d", v1SDKKitKat)
		}
		attrs, err := pkcs7ParseSignedAttrs(si.SignedAttrs)
		if err != nil {
			return nil, v1VerifyExcf("failed to parse signed attributes: %v", err)
		}
		byType := map[string][]ber.Element{}
		for _, a := range attrs {
			if _, dup := byType[a.Type]; dup {
				return nil, &v1ParseExc{v1Errorf(CodePKCS7DuplicateSignedAttribute, "duplicate signed attribute %s", a.Type)}
			}
			byType[a.Type] = a.Values
		}
		single := func(oid string) (*ber.Element, error) {
			vals := byType[oid]
			if len(vals) == 0 {
				return nil, nil
			}
			if len(vals) > 1 {
				return nil, &v1ParseExc{v1Errorf(CodePKCS7MultiValuedSignedAttribute, "attribute %s has multiple values", oid)}
			}
			return &vals[0], nil
		}
		if v.maxSDK >= SDKNougat {
			// Android 7.0 and later check the content type attribute.
			ctv, err := single(pkcs7.OIDContentType)
			if err != nil {
				return nil, err
			}
			if ctv == nil {
				return nil, v1VerifyExcf("no content type in signed attributes")
			}
			ct, err := ber.OID(*ctv)
			if err != nil {
				return nil, &v1ParseExc{berError(err)}
			}
			if ct != sd.ContentType {
				return nil, nil
			}
		}
		mdv, err := single(pkcs7.OIDMessageDigest)
		if err != nil {
			return nil, err
		}
		if mdv == nil {
			return nil, v1VerifyExcf("no content digest in signed attributes")
		}
		md, err := ber.Primitive(*mdv, 4, 0)
		if err != nil {
			return nil, &v1ParseExc{berError(err)}
		}
		dh, ok := v1DigestHash(si.Digest.OID)
		if !ok {
			return nil, v1VerifyExcf("unsupported digest algorithm %s", si.Digest.OID)
		}
		if !bytes.Equal(v.digest(dh, s.sf.Name, 0, s.sfBytes), md) {
			return nil, nil
		}
		// apksig verifies the signature over the attributes as they are
		// encoded, with only the IMPLICIT [0] tag turned into SET OF;
		// Android 7.0+ (sun.security.pkcs) over their re-encoding with
		// indefinite lengths made definite and the outer length minimal
		// (berPlatformSignedAttrs). For DER they are the same bytes. For
		// BER the platform's form counts (a signature over the raw BER
		// fails on the phone), and older platforms, whose DER-only
		// reader refuses indefinite lengths, cannot verify it at all.
		signed, err = berPlatformSignedAttrs(si.SignedAttrs)
		if err != nil {
			return nil, &v1ParseExc{err}
		}
		if !bytes.Equal(signed[1:], si.SignedAttrs[1:]) && v.minSDK < SDKNougat {
			s.err(CodePKCS7BERSignedAttributes, "%s: signed attributes are not DER-encoded; Android before 7.0 cannot verify them", s.blockName)
			return nil, nil
		}
	}
	// The .SF's digest is shared by the block's SignerInfos; the
	// re-encoded attributes are fresh per SignerInfo and hashed directly
	// (the cache keys on long-lived buffers only).
	digest := v1HashBytes(h, signed)
	if si.SignedAttrs == nil {
		digest = v.digest(h, s.sf.Name, 0, s.sfBytes)
	}
	ok, err = v1VerifySignature(v.budget, pub, h, digest, si.SigValue)
	if code := limitCode(err); code != "" {
		s.err(code, "%s: %v", s.blockName, err)
		return nil, nil
	}
	if err != nil {
		return nil, &v1VerifyExc{err}
	}
	if !ok {
		return nil, nil
	}
	return cert, nil
}

// v1CertChain orders the signing certificate and the certificates that
// issued it, as found in the bag, from leaf to root.
func v1CertChain(a *apkzip.Archive, bag []*pkcs7CertID, leaf *pkcs7CertID) []*Certificate {
	chain := []*Certificate{leaf.certificate(a)}
	unused := make([]*pkcs7CertID, 0, len(bag))
	for _, c := range bag {
		if c != leaf {
			unused = append(unused, c)
		}
	}
	cur := leaf
	for !pkcs7SameName(cur.SubjectRaw, cur.IssuerRaw) {
		found := -1
		for i, c := range unused {
			if pkcs7SameName(cur.IssuerRaw, c.SubjectRaw) {
				found = i
				break
			}
		}
		if found < 0 {
			break
		}
		cur = unused[found]
		unused = append(unused[:found], unused[found+1:]...)
		chain = append(chain, cur.certificate(a))
	}
	return chain
}

// certificate returns the project's view of the certificate; when
// ParseCertificate refuses the bytes, a minimal one built from what v1
// verification read is returned so that identity (SHA-256 of the exact
// bytes) and key stay available. The archive's v2/v3 signers usually
// carry the same certificate: it is parsed once per archive.
func (c *pkcs7CertID) certificate(a *apkzip.Archive) *Certificate {
	if cert, err := archiveCertificate(a, c.Raw); err == nil && cert != nil {
		return cert
	}
	raw := append([]byte(nil), c.Raw...)
	cert := &Certificate{Raw: raw, SHA256: sha256.Sum256(raw), SerialNumber: new(big.Int).Set(c.Serial),
		RawSubjectPublicKeyInfo: append([]byte(nil), c.SPKI...)}
	if pub, err := c.publicKey(); err == nil {
		cert.PublicKey = pub
		cert.PublicKeyAlgorithm = v1KeyFamily(pub)
	}
	fillNamesAndDigests(cert)
	return cert
}

func (c *pkcs7CertID) publicKey() (crypto.PublicKey, error) {
	if c.pub == nil && c.pubErr == nil {
		c.pub, c.pubErr = x509.ParsePKIXPublicKey(c.SPKI)
		if c.pubErr != nil {
			if pub, ok := v1LenientRSAKey(c.SPKI); ok {
				c.pub, c.pubErr = pub, nil
			}
		}
	}
	return c.pub, c.pubErr
}

// verifySigFile checks the signer's .SF against the manifest.
func (v *v1Verifier) verifySigFile(s *v1Signer, mfBytes []byte, mfMain *jarmanifest.Section, mfSections map[string]*jarmanifest.Section, maxSections int) {
	sf, err := parseJarManifest(s.sfBytes, maxSections)
	if err != nil {
		var ve *Error
		code := CodeJarTooManySections
		if errors.As(err, &ve) {
			code = ve.Code
		}
		s.err(code, "%s: %v", s.sf.Name, err)
		return
	}
	main := sf.Main
	if _, ok := main.Get("Signature-Version"); !ok {
		s.err(CodeJarMissingVersionAttr, "%s has no Signature-Version attribute", s.sf.Name)
		s.ignored = true
		return
	}
	if hdr, ok := main.Get("X-Android-APK-Signed"); ok {
		for _, id := range v1JavaSchemeIDs(hdr) {
			if !id.notASCII {
				s.res.StrippingProtection = append(s.res.StrippingProtection, id.id)
			}
		}
	}
	if v.maxSDK >= SDKNougat {
		v.checkStripping(s, main)
		if s.hasErrors() {
			return
		}
	}
	createdBy, _ := main.Get("Created-By")
	signtool := strings.Contains(createdBy, "signtool")
	suffix := "-Digest-Manifest"
	if signtool {
		suffix = "-Digest"
	}
	manifestVerified := false
	digests, err := v.digestsToVerify(main, suffix)
	switch {
	case err != nil:
		s.err(digestErrCode(err), "%s: %v", s.sf.Name, err)
		return
	case len(digests) == 0:
		s.warn(CodeJarNoManifestDigestInSigFile, "%s has no digest of the whole manifest", s.sf.Name)
	default:
		manifestVerified = true
		for _, d := range digests {
			if !bytes.Equal(v.digest(d.hash, "", 0, mfBytes), d.digest) {
				s.warn(CodeJarZipEntryDigestDidNotVerify, "%s digest of %s does not match %s", d.name, v1ManifestName, s.sf.Name)
				manifestVerified = false
			}
		}
	}
	if !signtool {
		digests, err := v.digestsToVerify(main, "-Digest-Manifest-Main-Attributes")
		if err != nil {
			s.err(digestErrCode(err), "%s: %v", s.sf.Name, err)
			return
		}
		var mainBytes []byte
		mainOff := 0
		if mfMain != nil {
			mainOff = mfMain.Offset
			mainBytes = mfBytes[mfMain.Offset : mfMain.Offset+mfMain.Length]
		}
		for _, d := range digests {
			if !bytes.Equal(v.digest(d.hash, "", mainOff, mainBytes), d.digest) {
				s.err(CodeJarManifestMainSectionDigest, "%s digest of the main section of %s does not match %s", d.name, v1ManifestName, s.sf.Name)
			}
		}
	}
	if s.hasErrors() {
		return
	}
	// Per-entry sections must exist even when the whole manifest verified:
	// an entry is signed by a signer only if its .SF names it.
	s.sfNames = make(map[string]bool, len(sf.Sections))
	for i, sec := range sf.Sections {
		if !sec.Named {
			s.err(CodeJarUnnamedSigFileSection, "%s section #%d has no Name attribute", s.sf.Name, i+1)
			s.ignored = true
			return
		}
		if s.sfNames[sec.Name] {
			s.err(CodeJarDuplicateSigFileSection, "%s has more than one section for %q", s.sf.Name, sec.Name)
			s.ignored = true
			return
		}
		s.sfNames[sec.Name] = true
		if manifestVerified {
			continue
		}
		mfSec := mfSections[sec.Name]
		if mfSec == nil {
			s.err(CodeJarNoZipEntryDigestInSigFile, "%s names %q, which has no section in %s", s.sf.Name, sec.Name, v1ManifestName)
			s.ignored = true
			continue
		}
		digests, err := v.digestsToVerify(sec, "-Digest")
		if err != nil {
			s.err(digestErrCode(err), "%s: %v", s.sf.Name, err)
			continue
		}
		if len(digests) == 0 {
			s.err(CodeJarNoZipEntryDigestInSigFile, "%s has no usable digest for %q", s.sf.Name, sec.Name)
			continue
		}
		secBytes := mfBytes[mfSec.Offset : mfSec.Offset+mfSec.Length]
		// Old signtool builds omitted the section's final empty line from
		// the digest when it ended with two newlines.
		if signtool && len(secBytes) >= 2 && secBytes[len(secBytes)-1] == '\n' && secBytes[len(secBytes)-2] == '\n' {
			secBytes = secBytes[:len(secBytes)-1]
		}
		for _, d := range digests {
			if !bytes.Equal(v1HashBytes(d.hash, secBytes), d.digest) {
				s.err(CodeJarManifestSectionDigest, "%s digest of the %s section for %q does not match %s", d.name, v1ManifestName, sec.Name, s.sf.Name)
			}
		}
	}
}

// schemeMissing reports whether a scheme the range's platforms support
// was not found: only then can a token read differently (a digit Go's
// Unicode tables do not know) change the stripping verdict.
func (v *v1Verifier) schemeMissing() bool {
	for id := range v.supported {
		if !v.found[id] {
			return true
		}
	}
	return false
}

// v1StripVerdict is what one X-Android-APK-Signed token says of the file.
type v1StripVerdict int

const (
	v1StripPresent    v1StripVerdict = iota // a scheme the range knows, whose block the file has
	v1StripMissing                          // a scheme the range knows, whose block is missing: stripped
	v1StripUnknown                          // a scheme no platform of the range knows: a warning
	v1StripUnreadable                       // not ASCII while a known scheme is missing: refused rather than guessed at
)

// stripVerdict is Android 7.0+'s downgrade protection for one token: a
// .SF whose X-Android-APK-Signed names a scheme the platform supports
// promises a signature of that scheme, and its absence from the
// container's blocks means it was stripped. Both readers apply the rule
// through it, apksig's (checkStripping) and the platform's
// (platformSigner); they differ only in what a bad token does.
func (v *v1Verifier) stripVerdict(tok v1SchemeID) v1StripVerdict {
	if tok.notASCII && v.schemeMissing() {
		return v1StripUnreadable
	}
	if _, ok := v.supported[tok.id]; !ok {
		return v1StripUnknown
	}
	if !v.found[tok.id] {
		return v1StripMissing
	}
	return v1StripPresent
}

// checkStripping applies the downgrade protection as apksig does: a
// missing scheme or an unreadable token is an error of the signer, an
// unknown scheme a warning, and no header at all a warning when the file
// has a v2+ block.
func (v *v1Verifier) checkStripping(s *v1Signer, main *jarmanifest.Section) {
	hdr, ok := main.Get("X-Android-APK-Signed")
	if !ok {
		if len(v.found) > 0 {
			s.warn(CodeJarNoApkSigStripProtection, "%s has no X-Android-APK-Signed header protecting the APK Signature Scheme signatures", s.sf.Name)
		}
		return
	}
	if len(v.supported) == 0 {
		return
	}
	// Tokens are read as apksig and the platform read them, with Java's
	// Integer.parseInt (v1JavaSchemeIDs): "２" is scheme 2.
	missing := map[int]bool{}
	for _, tok := range v1JavaSchemeIDs(hdr) {
		switch v.stripVerdict(tok) {
		case v1StripUnreadable:
			s.err(CodeJarSchemeIDNotASCII, "%s: X-Android-APK-Signed token %q is not ASCII and not a number Java reads; refused rather than guessed at", s.sf.Name, tok.text)
		case v1StripUnknown:
			s.warn(CodeJarUnknownApkSigSchemeID, "%s names unknown APK signature scheme %d", s.sf.Name, tok.id)
		case v1StripMissing:
			missing[tok.id] = true
		}
	}
	ids := make([]int, 0, len(missing))
	for id := range missing {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		s.err(CodeJarMissingApkSigReferenced, "%s says the APK is signed with %s but no such signature was found; stripped?", s.sf.Name, v.supported[id])
	}
}

// v1NamedDigest is one digest a manifest or .SF attribute states.
type v1NamedDigest struct {
	name   string
	hash   crypto.Hash
	digest []byte
}

// digestsToVerify picks the digest attributes of a section that the
// platforms of the range check: before API 18, the first algorithm of the
// Digest-Algorithms list (default "SHA SHA1") that has an attribute; from
// API 18, the strongest of SHA-512, SHA-384, SHA-256, SHA-1 present. A
// range spanning both needs both to match.
func (v *v1Verifier) digestsToVerify(sec *jarmanifest.Section, suffix string) ([]v1NamedDigest, error) {
	var out []v1NamedDigest
	if v.minSDK < SDKJellyBeanMR2 {
		algs, ok := sec.Get("Digest-Algorithms")
		if !ok {
			algs = "SHA SHA1"
		}
		for _, alg := range strings.Fields(algs) {
			b64, ok := sec.Get(alg + suffix)
			if !ok {
				continue
			}
			info, known := v1ManifestDigestAlgs[strings.ToUpper(alg)]
			if !known || info.minSDK > v.minSDK {
				continue
			}
			d, err := v1DecodeBase64(b64)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", alg, suffix, err)
			}
			out = append(out, v1NamedDigest{info.name, info.hash, d})
			break
		}
		if len(out) == 0 {
			return nil, nil
		}
	}
	if v.maxSDK >= SDKJellyBeanMR2 {
		for _, alg := range v1ModernDigestAlgs {
			b64, ok := sec.Get(v1DigestAttrName(alg.prefix, suffix))
			if !ok {
				continue
			}
			d, err := v1DecodeBase64(b64)
			if err != nil {
				return nil, fmt.Errorf("%s%s: %w", alg.prefix, suffix, err)
			}
			dup := false
			for _, o := range out {
				if o.name == alg.name && bytes.Equal(o.digest, d) {
					dup = true
				}
			}
			if v.jar && alg.hash == crypto.SHA1 {
				return nil, &weakDigestError{alg.prefix + suffix}
			}
			if !dup {
				out = append(out, v1NamedDigest{alg.name, alg.hash, d})
			}
			break
		}
	}
	if v.jar && len(out) == 0 {
		return nil, jarWeakDigest(sec, suffix)
	}
	return out, nil
}

// v1DigestAttrNames holds the modern digest attribute names the v1
// verifier looks up, made once: concatenated per lookup, the names longer
// than 32 bytes (such as SHA-256-Digest-Manifest-Main-Attributes) cost an
// allocation each.
var v1DigestAttrNames = func() map[[2]string]string {
	m := map[[2]string]string{}
	for _, alg := range v1ModernDigestAlgs {
		for _, suffix := range []string{"-Digest", "-Digest-Manifest", "-Digest-Manifest-Main-Attributes"} {
			m[[2]string{alg.prefix, suffix}] = alg.prefix + suffix
		}
	}
	return m
}()

// v1DigestAttrName returns prefix+suffix, from v1DigestAttrNames when it
// is there.
func v1DigestAttrName(prefix, suffix string) string {
	if name, ok := v1DigestAttrNames[[2]string{prefix, suffix}]; ok {
		return name
	}
	return prefix + suffix
}

// v1DecodeBase64 decodes like Java's basic Base64 decoder: standard
// alphabet, padding optional, nothing else allowed.
func v1DecodeBase64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.DecodeString(s)
	}
	if len(s)%4 == 1 {
		return nil, errors.New("base64 value of impossible length")
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func v1HashBytes(h crypto.Hash, b []byte) []byte {
	hh := h.New()
	hh.Write(b)
	return hh.Sum(nil)
}
