package apkverify

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"io"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// This file is the thin seam between apkverify and the packages that do
// the actual checking: signer (one function per scheme) and manifest.
// apkverify never checks a signature itself; it decides which findings
// count for which Android versions.

// schemes runs the per-scheme verifiers of one archive. The v2, v3 and
// v3.1 verifiers share one content digester so the file is hashed once
// per digest algorithm, however many schemes need it.
//
// budget is the file's one signature-verification budget (created once per
// Verify call, with newSchemes): every scheme, lineage and the stamp charge
// it, so that a hostile file cannot spread its cost over schemes.
type schemes struct {
	a        *apkzip.Archive
	digester *scheme.ContentDigester
	budget   *scheme.WorkBudget
}

func newSchemes(a *apkzip.Archive) *schemes {
	return &schemes{a: a, digester: scheme.NewContentDigester(a), budget: scheme.NewWorkBudget(scheme.DefaultWorkBudget)}
}

// Each verifier checks its scheme for the platform versions
// [minSDK, maxSDK] and reports Present=false when the file has no such
// signature.

// v1 verifies the JAR signature. found are the v2+ scheme IDs that were
// found and verified, against which X-Android-APK-Signed is checked.
func (s *schemes) v1(ctx context.Context, minSDK, maxSDK int, found []int) *signer.SchemeResult {
	if found == nil {
		found = []int{} // nil would make signer derive them from the file
	}
	r := scheme.VerifyV1Options(scheme.WithWorkBudget(ctx, s.budget), s.a, scheme.V1Options{MinSDK: minSDK, MaxSDK: maxSDK, FoundSchemeIDs: found})
	return r.Result
}

func (s *schemes) v2(ctx context.Context, minSDK, maxSDK int) *signer.SchemeResult {
	return scheme.VerifyV2(scheme.WithWorkBudget(ctx, s.budget), s.a, s.digester, minSDK, maxSDK)
}

// v3 verifies the v3 block; v31 is the v3.1 result (nil when v3.1 was not
// checked), which moves the top of the range the v3 signers must cover
// and is what their rotation-min-sdk-version attribute must announce.
func (s *schemes) v3(ctx context.Context, minSDK, maxSDK int, v31 *signer.SchemeResult) *signer.SchemeResult {
	return scheme.VerifyV3(scheme.WithWorkBudget(ctx, s.budget), s.a, s.digester, minSDK, maxSDK, v31)
}

func (s *schemes) v31(ctx context.Context, minSDK, maxSDK int) *signer.SchemeResult {
	return scheme.VerifyV31(scheme.WithWorkBudget(ctx, s.budget), s.a, s.digester, minSDK, maxSDK)
}

func (s *schemes) v32() *signer.SchemeResult { return scheme.VerifyV32(s.a) }

func (s *schemes) v4(idsig io.ReaderAt, size int64, verified map[signer.Scheme]*signer.SchemeResult) *signer.V4Result {
	return scheme.VerifyV4(s.a, idsig, size, verified)
}

// stamp verifies the source stamp against the digests of the schemes
// Android considered for the range [minSDK, maxSDK] (checked holds the
// results of the schemes that were checked). Android checks stamps from
// API 30, so the stamp's own signatures are checked from there.
func (s *schemes) stamp(checked map[signer.Scheme]*signer.SchemeResult, minSDK, maxSDK int, m *Manifest) *signer.SourceStampResult {
	digests, err := scheme.StampDigestsFromSchemes(s.a, checked, minSDK, maxSDK)
	if err != nil {
		r := &signer.SourceStampResult{Present: true, Status: signer.StampVerificationError}
		r.Errors = append(r.Errors, signer.Issue{Code: signer.StampCodeMalformedAPK, Scheme: signer.SchemeStamp, Signer: -1,
			Message: "reading the digests the stamp signs: " + err.Error()})
		return r
	}
	opts := scheme.SourceStampOptions{MinSDK: max(minSDK, stampMinSDK), MaxSDK: maxSDK, Budget: s.budget}
	// Reported beside the verdict; they prove nothing on their own.
	opts.Source, opts.Type = stampMarkers(m)
	return scheme.VerifySourceStamp(s.a, digests, opts)
}

// stampWithoutEntry reports the source stamp of an APK without the
// stamp-cert-sha256 entry: absent (Present false, no errors: a file
// without a stamp has nothing wrong with it), or a stamp block that no
// signature binds to the app, which Android ignores (Present true, not
// verified, apksig's SOURCE_STAMP_SIGNATURE_BLOCK_WITHOUT_CERT_DIGEST).
func (s *schemes) stampWithoutEntry(m *Manifest) *signer.SourceStampResult {
	opts := scheme.SourceStampOptions{Budget: s.budget}
	opts.Source, opts.Type = stampMarkers(m)
	r := scheme.VerifySourceStamp(s.a, nil, opts)
	if !r.Present {
		// apksig's status STAMP_MISSING stays in Status; its "missing"
		// error would read as a failure of a file that has no stamp.
		r.Errors = nil
	}
	return r
}

func stampMarkers(m *Manifest) (source, typ string) {
	if m == nil || m.Full == nil {
		return "", ""
	}
	if d, ok := m.Full.Meta(scheme.StampMetaSource); ok {
		source = d.String
	}
	if d, ok := m.Full.Meta(scheme.StampMetaType); ok {
		typ = d.String
	}
	return source, typ
}

// stampMinSDK is Android 11, the first version that checks source stamps.
const stampMinSDK = 30

// frosting checks Play frosting with keys, nil for the Play Store's.
func (s *schemes) frosting(keys []*ecdsa.PublicKey) *signer.FrostingResult {
	return scheme.VerifyFrosting(s.a, keys)
}

// readManifest extracts the trust-relevant manifest facts, resolving
// resource references (a debuggable flag set through a resource, for
// example) through resources.arsc.
func readManifest(a *apkzip.Archive) (*Manifest, error) {
	m, err := manifest.ParseFS(a.FS())
	if err != nil {
		return nil, manifestError(err)
	}
	return fromManifest(m), nil
}

func manifestError(err error) error {
	code, msg := manifest.CodeMalformed, "AndroidManifest.xml cannot be read"
	var me *signer.Error
	var ze *apkzip.FormatError
	switch {
	case errors.As(err, &me):
		code = me.Code
		if me.Msg != "" {
			msg += ": " + me.Msg
		}
	case errors.As(err, &ze):
		code = ze.Code
	}
	return &signer.Error{Kind: ErrManifest, Code: code, Msg: msg, Err: err}
}

func fromManifest(m *manifest.Manifest) *Manifest {
	return &Manifest{
		Package:              m.Package,
		VersionCode:          m.LongVersionCode,
		VersionName:          m.VersionName,
		MinSDK:               m.MinSDK(),
		TargetSDK:            m.TargetSDK(),
		TargetSandboxVersion: m.TargetSandboxVersion,
		Debuggable:           m.Debuggable,
		TestOnly:             m.TestOnly,
		Label:                m.Label,
		SharedUserID:         m.SharedUserID,
		Split:                m.Split,
		Full:                 m,
	}
}
