package apkverify

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// Android API levels at which the verifier's behaviour changes.
const (
	sdkN = scheme.SDKNougat // 24: APK Signature Scheme v2
	sdkO = 26               // targetSandboxVersion ≥ 2 needs v2+
	sdkP = scheme.SDKP      // 28: APK Signature Scheme v3
	sdkR = 30               // targetSdk ≥ 30 needs v2+
	sdkT = scheme.SDKT      // 33: APK Signature Scheme v3.1
)

// Scheme IDs of verification.found, as apksig numbers them.
const (
	schemeIDV2  = 2
	schemeIDV3  = 3
	schemeIDV31 = 31
)

// VerifyFile verifies the APK at path; see Verify. The Result's File is
// path.
func VerifyFile(ctx context.Context, path string, opts Options) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "cannot open the file", Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "cannot stat the file", Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: path + " is not a regular file"}
	}
	r, release := smallFile(f, st.Size())
	res, err := Verify(ctx, r, st.Size(), opts)
	release()
	if res != nil {
		res.File = path
	}
	return res, err
}

// Verify verifies the APK of size bytes read through r, for the SDK range
// and with the Policy of opts.
//
// An Android App Bundle, recognised by its content (BundleConfig.pb and
// base/manifest/AndroidManifest.xml), is verified as the release
// pipeline's artifact instead: its JAR signature by the upload key
// and its modules' manifests; Result.Kind is then
// KindAppBundle and the Policy's certificates are the upload key's.
//
// The error is non-nil only when verification could not run: the file is
// not an APK (errors.Is(err, ErrNotAPK)), cannot be read (ErrIO), its
// manifest is missing or malformed where the SDK range depends on it
// (ErrManifest; a manifest Android refuses is a Result error instead),
// opts are invalid (ErrInvalidOptions), or ctx ended. A
// file whose signatures do not verify, or that breaks the policy, yields a
// Result with Verified or Trusted false and the reasons; Result.Err turns
// that into an error.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Result, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	keys, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	a, err := apkzip.Open(r, size)
	if err != nil {
		return nil, fromContainer(err)
	}
	if isAppBundle(a) {
		return verifyAppBundle(ctx, a, opts, keys)
	}
	if err := sniffContainer(a); err != nil {
		return nil, err
	}
	return verifyArchive(ctx, a, nil, opts, keys)
}

// verifyArchive verifies an opened APK; part, for an APK of an install
// set, carries its manifest already read and the base's rules (set.go).
func verifyArchive(ctx context.Context, a *apkzip.Archive, part *setPart, opts Options, keys policyKeys) (*Result, error) {
	v := &verification{ctx: ctx, a: a, opts: opts, s: newSchemes(a), res: &Result{}, part: part}
	if err := v.run(); err != nil {
		return nil, err
	}
	if v.res.Manifest == nil && v.manifestErr != nil {
		v.res.ManifestError = v.manifestErr.Error()
	}
	if opts.Policy != nil {
		v.res.setPolicy(evaluatePolicy(v.res, opts.Policy, keys))
	}
	return v.res, nil
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &signer.Error{Kind: err, Code: CodeContextCancelled, Msg: "verification stopped", Err: err}
	}
	return nil
}

// policyKeys are the parsed fingerprints of a Policy.
type policyKeys struct {
	signers [][32]byte
	stamps  [][32]byte
}

func checkOptions(opts Options) (policyKeys, error) {
	var keys policyKeys
	if opts.MinSDK < 0 || opts.MaxSDK < 0 {
		return keys, optionsError("SDK versions must not be negative (MinSDK %d, MaxSDK %d)", opts.MinSDK, opts.MaxSDK)
	}
	if opts.MinSDK > 0 && opts.MaxSDK > 0 && opts.MinSDK > opts.MaxSDK {
		return keys, optionsError("MinSDK %d > MaxSDK %d", opts.MinSDK, opts.MaxSDK)
	}
	if opts.V4Signature != nil && opts.V4SignatureSize <= 0 {
		return keys, optionsError("V4Signature given with size %d", opts.V4SignatureSize)
	}
	if err := checkKnownKeyOptions(opts); err != nil {
		return keys, err
	}
	if opts.Policy == nil {
		return keys, nil
	}
	return opts.Policy.compile()
}

// verification is one run of Android's decision procedure over a file.
type verification struct {
	ctx  context.Context
	a    *apkzip.Archive
	opts Options
	s    *schemes
	res  *Result

	manifest    *Manifest
	manifestErr error

	minSDK, maxSDK int
	// found are the v2+ scheme IDs whose signature was found (and, since
	// any error ends the run, verified), as apksig tracks them to decide
	// whether older schemes are read.
	found map[int]bool

	v1, v2, v3, v31 *signer.SchemeResult
	// v3UnderV31 is the v3 block's result when the v3.1 signers cover the
	// whole range, so that no device of the range reads v3: it counts for
	// nothing but the evidence that signs the v3 block (addV3UnderV31).
	v3UnderV31 *signer.SchemeResult
	// v1Manifest is the SHA-256 of META-INF/MANIFEST.MF the JAR verifier
	// read, the v1 digest a source stamp signs (nil when v1 was not read
	// or the APK has no manifest).
	v1Manifest []byte
	// part is set for an APK verified as part of an install set.
	part *setPart
	// containerErrs counts the container errors at the head of
	// Result.Errors.
	containerErrs int
}

// run follows the order of apksig's ApkVerifier.verify: v3.1, v3, v2 (and
// v4) when the range reaches API 24, the sandbox rule, v1 when the range
// reaches below 24 or no v2+ signature was found, then the cross-scheme
// rules. Like apksig it stops at the first step that found errors, so a
// broken newer scheme is reported as such rather than hidden behind
// follow-on errors.
func (v *verification) run() error {
	res := v.res
	v.manifest, v.manifestErr = v.part.readManifest(v.a)
	res.Manifest = v.manifest
	if v.refuseManifest() {
		return nil
	}
	// A split is checked under its base's SDK rules, as the installer
	// checks it.
	v.manifest = v.part.rules(v.manifest)

	v.minSDK = v.opts.MinSDK
	if v.minSDK == 0 {
		// Without an explicit minimum, the range starts at the app's
		// minSdkVersion, which only the manifest knows.
		if v.manifestErr != nil {
			return v.manifestErr
		}
		v.minSDK = v.manifest.MinSDK
	}
	v.maxSDK = v.opts.MaxSDK
	if v.maxSDK == 0 {
		v.maxSDK = scheme.MaxSDK
	}
	if v.minSDK > v.maxSDK {
		return optionsError("minSdkVersion %d of the APK > MaxSDK %d", v.minSDK, v.maxSDK)
	}
	res.MinSDK, res.MaxSDK = v.minSDK, v.maxSDK
	v.found = map[int]bool{}

	if err := v.container(); err != nil {
		return err
	}
	// Container errors do not stop the scheme checks, so a tampered file
	// still reports which signature broke.
	v.containerErrs = len(res.Errors)
	if err := v.prefetch(); err != nil {
		return err
	}
	if err := v.schemes(); err != nil {
		return err
	}
	v.noSignature()
	v.finish()
	v.evidence()
	v.bindEvidence()
	v.knownKeys()
	if err := ctxErr(v.ctx); err != nil {
		return err
	}
	return nil
}

// container turns the container reader's findings into issues: what
// Android tolerates as warnings, local headers that contradict the central
// directory as errors (Android's installer refuses them). The scheme
// checks still run, so a tampered file reports what broke.
func (v *verification) container() error {
	for _, f := range v.a.Findings {
		if containerFindingIsError[f.Code] {
			v.fail(containerIssue(&f))
		} else {
			v.warn(containerIssue(&f))
		}
	}
	v.duplicatePairs()
	warnings, err := v.a.CheckLocalHeaders()
	for i := range warnings {
		v.warn(containerIssue(&warnings[i]))
	}
	if err != nil {
		var fe *apkzip.FormatError
		if !errors.As(err, &fe) || fe.Code == apkzip.CodeIO {
			return fromContainer(err)
		}
		v.fail(containerIssue(fe))
	}
	return nil
}

// signatureBlockIDs are the signing-block pairs that hold signatures.
var signatureBlockIDs = map[uint32]string{
	scheme.BlockIDV2:            "APK Signature Scheme v2",
	scheme.BlockIDV3:            "APK Signature Scheme v3",
	scheme.BlockIDV31:           "APK Signature Scheme v3.1",
	scheme.BlockIDV32:           "APK Signature Scheme v3.2",
	scheme.BlockIDSourceStampV1: "source stamp v1",
	scheme.BlockIDSourceStampV2: "source stamp v2",
	scheme.BlockIDFrosting:      "Play frosting",
}

// duplicatePairs refuses a signing block that holds the same signature
// pair twice. Android reads the first and ignores the rest, but the block
// is not covered by any signature, so a second copy can only be there to
// make another tool read a different signature than Android does; no
// signer writes one.
func (v *verification) duplicatePairs() {
	block := v.a.SigningBlock()
	if block == nil {
		return
	}
	seen := map[uint32]bool{}
	for _, p := range block.Pairs {
		name, ok := signatureBlockIDs[p.ID]
		if !ok {
			continue
		}
		if seen[p.ID] {
			v.fail(Issue{Code: CodeDuplicateBlockID, Signer: -1,
				Message: fmt.Sprintf("the APK Signing Block holds the %s pair (ID 0x%08x) more than once; Android reads only the first", name, p.ID)})
			continue
		}
		seen[p.ID] = true
	}
}

// containerFindingIsError lists the container findings that fail
// verification. The others are irregularities Android's verifier
// tolerates (an unusual compression method, bytes after the central
// directory, a malformed signing block that is then ignored, ...): the
// corpus shows apksig accepting them, so they are warnings. An entry name
// that escapes the app's directory when extracted ("../", an absolute
// path) is never written by a build tool and is refused, although apksig
// accepts it.
var containerFindingIsError = map[apkzip.Code]bool{
	apkzip.CodeUnsafeName: true,
}

func containerIssue(f *apkzip.FormatError) Issue {
	msg := f.Msg
	if f.Entry != "" {
		msg += fmt.Sprintf(" (entry %q)", f.Entry)
	}
	return Issue{Code: f.Code, Message: msg, Signer: -1}
}

// schemes runs the signature schemes in apksig's order; it returns early
// (without error) once a step found errors.
func (v *verification) schemes() error {
	res := v.res
	if v.maxSDK >= sdkN {
		// v3.1 and v3 are verified by one call, v3.1 first: what v3 needs
		// of v3.1 (the level the rotated signers take over from, which
		// its signers' SDK ranges and rotation attribute must match)
		// passes forward inside it.
		v3, v31 := v.s.v3Schemes(v.ctx, v.minSDK, v.maxSDK)
		if err := ctxErr(v.ctx); err != nil {
			return err
		}
		if v31 != nil && v31.Present {
			v.v31 = v.merge(v31)
			v.found[schemeIDV31] = true
		}
		if v.failed() {
			return nil
		}
		// Android 13's verifier (the oracle of the conformance corpus)
		// does not report v3 when the v3.1 signers cover the whole range:
		// no device in the range would use the v3 block. Which block a
		// level reads is decided per level (levels.go): v3.1 signers
		// claiming levels below 33 do not cover them.
		if v3 != nil && v.v31CoversRange() {
			v.v3UnderV31 = v3
		} else if v3 != nil && v3.Present {
			v.v3 = v.merge(v3)
			v.found[schemeIDV3] = true
			if v.failed() {
				return nil
			}
		}
		// Android P+ uses v2 only when no v3 (or newer) signature exists,
		// so v2 counts when the range reaches below P or nothing newer
		// was found.
		if v.minSDK < sdkP || len(v.found) == 0 {
			sr := v.s.v2(v.ctx, max(v.minSDK, sdkN), v.maxSDK)
			if err := ctxErr(v.ctx); err != nil {
				return err
			}
			if sr.Present {
				v.v2 = v.merge(sr)
				v.found[schemeIDV2] = true
			}
			if v.failed() {
				return nil
			}
		}
		if v.opts.V4Signature != nil {
			verified := map[signer.Scheme]*signer.SchemeResult{}
			for _, sr := range []*signer.SchemeResult{v.v2, v.v3, v.v31} {
				if sr != nil && sr.Verified {
					verified[sr.Scheme] = sr
				}
			}
			v.addV3UnderV31(verified)
			v4 := v.s.v4(v.opts.V4Signature, v.opts.V4SignatureSize, verified)
			res.V4 = v4
			v.issues(signer.SchemeV4, v4.Errors, v4.Warnings)
			res.Schemes.V4 = v4.Verified && len(v4.Errors) == 0
			if v.failed() {
				return nil
			}
		}
	} else if v.opts.V4Signature != nil {
		v.fail(Issue{Code: CodeV4NotApplicable, Scheme: signer.SchemeV4, Signer: -1,
			Message: fmt.Sprintf("an APK Signature Scheme v4 file pairs with the v2/v3 signature, which no Android version of the checked range (up to API %d) reads", v.maxSDK)})
		return nil
	}

	// Android O+ refuses apps that target sandbox version 2 or higher
	// without an APK Signature Scheme v2+ signature.
	if v.maxSDK >= sdkO {
		if v.manifestErr != nil {
			return v.manifestErr
		}
		if tsv := v.manifest.TargetSandboxVersion; tsv > 1 && len(v.found) == 0 {
			v.fail(Issue{Code: CodeNoSigForSandbox, Signer: -1,
				Message: fmt.Sprintf("targetSandboxVersion %d requires an APK Signature Scheme v2 or newer signature, and the APK has none", tsv)})
		}
	}

	// Android N+ uses the JAR signature only when no v2+ signature exists
	// for its level: API 24-27 also read it when there is no v2 block.
	if v.minSDK < sdkN || len(v.found) == 0 || v.jarReadAt24to27() {
		// Its stripping protection (X-Android-APK-Signed) is judged by
		// the JAR verifier against the container's blocks: see
		// scheme.V1Options.Blocks.
		out := v.s.v1(v.ctx, v.minSDK, v.maxSDK)
		if err := ctxErr(v.ctx); err != nil {
			return err
		}
		v.v1 = v.merge(out.Result)
		v.v1Manifest = out.ManifestSHA256
	}
	if v.failed() {
		return nil
	}
	v.sourceStamp()
	v.crossScheme()
	if v.failed() {
		return nil
	}
	v.targetSDKRule()
	return nil
}

// merge records a scheme's findings and returns it.
func (v *verification) merge(sr *signer.SchemeResult) *signer.SchemeResult {
	v.res.SchemeResults = append(v.res.SchemeResults, sr)
	v.issues(sr.Scheme, sr.Errors, sr.Warnings)
	for _, s := range sr.Signers {
		v.issues(sr.Scheme, s.Errors, s.Warnings)
	}
	return sr
}

func (v *verification) issues(scheme signer.Scheme, errs, warns []Issue) {
	for _, i := range errs {
		if i.Scheme == "" {
			i.Scheme = scheme
		}
		v.res.Errors = append(v.res.Errors, i)
	}
	for _, i := range warns {
		if i.Scheme == "" {
			i.Scheme = scheme
		}
		v.res.Warnings = append(v.res.Warnings, i)
	}
}

func (v *verification) fail(i Issue) { v.res.Errors = append(v.res.Errors, i) }
func (v *verification) warn(i Issue) { v.res.Warnings = append(v.res.Warnings, i) }

// failed reports whether a scheme check found errors, which ends the run
// as in apksig.
func (v *verification) failed() bool { return len(v.res.Errors) > v.containerErrs }

// has reports whether an issue with this code (and scheme, when given) was
// already reported, so a finding that several API-level spans show is
// reported once.
func (v *verification) has(code signer.Code, scheme signer.Scheme) bool {
	for _, l := range [][]Issue{v.res.Errors, v.res.Warnings} {
		for _, i := range l {
			if i.Code == code && (scheme == "" || i.Scheme == scheme) {
				return true
			}
		}
	}
	return false
}

func (v *verification) warnOnce(i Issue) {
	if !v.has(i.Code, i.Scheme) {
		v.warn(i)
	}
}

func verified(sr *signer.SchemeResult) bool { return sr != nil && sr.Present && sr.Verified }

func certEqual(a, b *signer.Certificate) bool {
	return a != nil && b != nil && a.SHA256 == b.SHA256
}

// crossScheme applies the rules that tie schemes together: v1 and v2 must
// have the same signers, and the v3 signer must be the v1/v2 signer or
// descend from it through its proof-of-rotation, whose first certificate
// must then be the v1/v2 signer.
func (v *verification) crossScheme() {
	if verified(v.v1) && verified(v.v2) {
		for _, s1 := range v.v1.Signers {
			if !containsCert(v.v2.Signers, s1.Cert()) {
				v.fail(Issue{Code: CodeV2SigMissing, Scheme: signer.SchemeV1, Signer: s1.Index,
					Message: fmt.Sprintf("JAR signer %s (%s) has no APK Signature Scheme v2 signature", s1.Name, describeCert(s1.Cert()))})
				break
			}
		}
		for _, s2 := range v.v2.Signers {
			if !containsCert(v.v1.Signers, s2.Cert()) {
				v.fail(Issue{Code: CodeJarSigMissing, Scheme: signer.SchemeV2, Signer: s2.Index,
					Message: fmt.Sprintf("v2 signer #%d (%s) has no JAR signature", s2.Index+1, describeCert(s2.Cert()))})
				break
			}
		}
	}
	if !verified(v.v3) || !(verified(v.v1) || verified(v.v2)) {
		return
	}
	past := v.v2
	if verified(v.v1) {
		past = v.v1
	}
	if len(past.Signers) == 0 || len(v.v3.Signers) == 0 {
		return
	}
	if len(past.Signers) != 1 {
		v.fail(Issue{Code: CodeV3MultiplePastSigners, Scheme: signer.SchemeV3, Signer: -1,
			Message: fmt.Sprintf("v3 allows a single signer, but the %s signature has %d", past.Scheme, len(past.Signers))})
	}
	old := past.Signers[0].Cert()
	lineage := v.schemeLineage()
	if lineage == nil {
		if len(v.v3.Signers) != 1 {
			v.fail(Issue{Code: CodeV3MultipleSigners, Scheme: signer.SchemeV3, Signer: -1,
				Message: fmt.Sprintf("%d v3 signers without a proof-of-rotation", len(v.v3.Signers))})
		}
		if !certEqual(old, v.v3.Signers[0].Cert()) {
			v.fail(Issue{Code: CodeV3PastSignersMismatch, Scheme: signer.SchemeV3, Signer: 0,
				Message: fmt.Sprintf("v3 signer %s differs from the %s signer %s and shows no rotation from it", describeCert(v.v3.Signers[0].Cert()), past.Scheme, describeCert(old))})
		}
		return
	}
	if len(lineage.Nodes) == 0 || !certEqual(lineage.Nodes[0].Certificate, old) {
		v.fail(Issue{Code: CodeV3PastSignersMismatch, Scheme: signer.SchemeV3, Signer: -1,
			Message: fmt.Sprintf("the %s signer %s is not the first certificate of the v3 proof-of-rotation", past.Scheme, describeCert(old))})
	}
}

func containsCert(signers []*signer.SignerResult, c *signer.Certificate) bool {
	for _, s := range signers {
		if certEqual(s.Cert(), c) {
			return true
		}
	}
	return false
}

// schemeLineage is the file's signing lineage as Android records it: the
// v3.1 block's when present, else the longest of the v3 signers'.
func (v *verification) schemeLineage() *signer.Lineage {
	for _, sr := range []*signer.SchemeResult{v.v31, v.v3} {
		if sr == nil {
			continue
		}
		var best *signer.Lineage
		for _, s := range sr.Signers {
			if s.Lineage != nil && (best == nil || len(s.Lineage.Nodes) > len(best.Nodes)) {
				best = s.Lineage
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// sourceStamp verifies the source stamp when the APK has the
// stamp-cert-sha256 entry, against the digests of the schemes Android
// considered, as apksig does. Its problems are warnings: a stamp records
// where the file came from and never changes the signature verdict.
func (v *verification) sourceStamp() {
	if v.a.Lookup(scheme.StampCertDigestEntry) == nil {
		// No stamp, or a stamp block without the entry that binds it to
		// the app's signatures: Android ignores the block. Reported in
		// Result.SourceStamp only.
		v.res.SourceStamp = v.s.stampWithoutEntry(v.manifest)
		return
	}
	checked := map[signer.Scheme]*signer.SchemeResult{}
	for _, sr := range []*signer.SchemeResult{v.v1, v.v2, v.v3, v.v31} {
		if sr != nil {
			checked[sr.Scheme] = sr
		}
	}
	v.addV3UnderV31(checked)
	st := v.s.stamp(checked, v.v1Manifest, v.minSDK, v.maxSDK, v.manifest)
	v.res.SourceStamp = st
	for _, l := range [][]Issue{st.Errors, st.Warnings} {
		for _, i := range l {
			if i.Scheme == "" {
				i.Scheme = signer.SchemeStamp
			}
			v.warn(i)
		}
	}
}

// targetSDKRule: apps targeting Android 11 (API 30) or later must carry a
// v2+ signature, on every platform at or above their target. Without a
// readable manifest the rule is skipped, as apksig does for bundles.
func (v *verification) targetSDKRule() {
	if v.manifest == nil {
		return
	}
	target := v.manifest.TargetSDK
	if target < sdkR || v.maxSDK < target {
		return
	}
	if verified(v.v2) || verified(v.v3) || verified(v.v31) {
		return
	}
	v.fail(Issue{Code: CodeMinSchemeForTargetSDK, Signer: -1,
		Message: fmt.Sprintf("targetSdkVersion %d requires an APK Signature Scheme v2 or newer signature, and the APK has none that verified", target)})
}

// finish settles the verdict and describes the signers.
func (v *verification) finish() {
	res := v.res
	res.Schemes.V1 = verified(v.v1)
	res.Schemes.V2 = verified(v.v2)
	res.Schemes.V3 = verified(v.v3)
	res.Schemes.V31 = verified(v.v31)
	if !v.failed() && !res.Schemes.V1 && !res.Schemes.V2 && !res.Schemes.V3 && !res.Schemes.V31 {
		v.fail(Issue{Code: CodeNoSignatureVerified, Signer: -1,
			Message: "no signature scheme verified for the checked Android versions"})
	}
	res.Signers, res.DevReleaseSigners = v.levelSigners()
	res.Verified = len(res.Errors) == 0
	if res.Verified && v.minSDK < sdkP && v.maxSDK >= sdkN && !res.Schemes.V1 && !res.Schemes.V2 {
		// apksig accepts a v3-only APK for API 24-27 (a v3 block counts
		// as "a v2+ signature was found"), but Android 7.0-8.1 read only
		// v2 and then JAR signatures and refuse it. The verdict follows
		// apksig; the warning says which devices would refuse the file.
		v.warn(Issue{Code: CodeNoSigBeforeP, Signer: -1,
			Message: fmt.Sprintf("Android 7.0-8.1 (API 24-27) read only v2 and v1 signatures, and the APK has neither, so devices at API %d-27 refuse it", max(v.minSDK, sdkN))})
	}
	if l := v.schemeLineage(); l != nil && (res.Schemes.V3 || res.Schemes.V31) {
		res.lineage = l
		for _, n := range l.Nodes {
			res.Lineage = append(res.Lineage, lineageNode(n))
		}
	}
	if v32 := scheme.VerifyV32(v.s.blocks); v32.Present {
		res.SchemeResults = append(res.SchemeResults, v32)
		v.issues(signer.SchemeV32, nil, v32.Warnings)
	}
	res.Frosting = &signer.FrostingResult{}
	if block := v.a.SigningBlock(); block != nil {
		if _, ok := block.Find(scheme.BlockIDFrosting); ok {
			res.Frosting = v.s.frosting(v.opts.frostingKeys)
		}
	}
}

// evidence completes Result.SourceStamp and Result.V4 when the run ended
// before checking them, so that they always say whether the evidence was
// there: a stamp the file carries or a .idsig the caller gave is never
// reported as absent.
func (v *verification) evidence() {
	res := v.res
	if res.SourceStamp == nil {
		e := v.a.Lookup(scheme.StampCertDigestEntry)
		if e == nil {
			res.SourceStamp = v.s.stampWithoutEntry(v.manifest)
		} else {
			st := &signer.SourceStampResult{Present: true, Status: signer.StampNotVerified}
			st.Source, st.Type = stampMarkers(v.manifest)
			if b, err := e.ReadAll(4 << 10); err == nil {
				st.CertSHA256 = hex.EncodeToString(b)
			}
			st.Errors = append(st.Errors, Issue{Code: CodeStampNotChecked, Scheme: signer.SchemeStamp, Signer: -1,
				Message: "the source stamp was not checked because the APK's signatures did not verify: a stamp vouches only for signed content"})
			res.SourceStamp = st
		}
	}
	switch {
	case res.V4 != nil:
	case v.opts.V4Signature == nil:
		res.V4 = &signer.V4Result{}
	default:
		r := &signer.V4Result{Present: true}
		for _, i := range res.Errors {
			if i.Scheme == signer.SchemeV4 {
				// V4_SIG_NOT_APPLICABLE: the range has no v2+ platform.
				r.Errors = append(r.Errors, i)
			}
		}
		if len(r.Errors) == 0 {
			r.Errors = append(r.Errors, Issue{Code: CodeV4NotChecked, Scheme: signer.SchemeV4, Signer: -1,
				Message: "the v4 signature was not checked because the APK's v2/v3 signatures it pairs with did not verify"})
		}
		res.V4 = r
	}
}

func subjectOf(c *signer.Certificate) string {
	if c == nil {
		return ""
	}
	return c.Subject
}
