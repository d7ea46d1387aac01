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
// the actual checking: internal/scheme (one function per scheme, v3 and
// v3.1 together) and manifest. apkverify never checks a signature itself;
// it decides which findings count for which Android versions.

// schemes runs the per-scheme verifiers of one archive. The v2, v3 and
// v3.1 verifiers share one content digester so the file is hashed once
// per digest algorithm, however many schemes need it.
//
// budget is the file's one signature-verification budget (created once per
// Verify call, with newSchemes): every scheme, lineage and the stamp charge
// it, so that a hostile file cannot spread its cost over schemes.
//
// blocks are the signature blocks the APK Signing Block holds, read once
// from the container before any scheme runs. They are the only thing a
// verifier is told about the other schemes (stripping protection checks a
// signer's claim against them): no verifier's result is fed into another.
type schemes struct {
	a        *apkzip.Archive
	digester *scheme.ContentDigester
	budget   *scheme.WorkBudget
	blocks   scheme.Blocks
}

func newSchemes(a *apkzip.Archive) *schemes {
	return &schemes{a: a, digester: scheme.NewContentDigester(a), budget: scheme.NewWorkBudget(scheme.DefaultWorkBudget),
		blocks: scheme.FindBlocks(a)}
}

// Each verifier checks its scheme for the platform versions
// [minSDK, maxSDK] and reports Present=false when the file has no such
// signature.

// v1 verifies the JAR signature, with its stripping protection
// (X-Android-APK-Signed) checked against the container's blocks. The full
// result also carries the manifest's SHA-256, which a source stamp signs.
func (s *schemes) v1(ctx context.Context, minSDK, maxSDK int) *scheme.V1Result {
	return scheme.VerifyV1Options(scheme.WithWorkBudget(ctx, s.budget), s.a, scheme.V1Options{MinSDK: minSDK, MaxSDK: maxSDK, Blocks: &s.blocks})
}

func (s *schemes) v2(ctx context.Context, minSDK, maxSDK int) *signer.SchemeResult {
	return scheme.VerifyV2(scheme.WithWorkBudget(ctx, s.budget), s.a, s.digester, s.blocks, minSDK, maxSDK)
}

// v3Schemes verifies the v3.1 block (maxSDK >= 33) and then the v3 block
// (maxSDK >= 28) in one call; nil for a scheme the range does not reach.
func (s *schemes) v3Schemes(ctx context.Context, minSDK, maxSDK int) (v3, v31 *signer.SchemeResult) {
	return scheme.VerifyV3Schemes(scheme.WithWorkBudget(ctx, s.budget), s.a, s.digester, s.blocks, minSDK, maxSDK)
}

func (s *schemes) v4(idsig io.ReaderAt, size int64, verified map[signer.Scheme]*signer.SchemeResult) *signer.V4Result {
	return scheme.VerifyV4(s.a, idsig, size, verified)
}

// stamp verifies the source stamp against the digests of the schemes
// Android considered for the range [minSDK, maxSDK] (checked holds the
// results of the schemes that were checked, v1Manifest the JAR manifest's
// SHA-256 the JAR verifier read). Android checks stamps from API 30, so
// the stamp's own signatures are checked from there.
func (s *schemes) stamp(checked map[signer.Scheme]*signer.SchemeResult, v1Manifest []byte, minSDK, maxSDK int, m *Manifest) *signer.SourceStampResult {
	digests := scheme.StampDigestsFromSchemes(checked, v1Manifest, minSDK, maxSDK)
	opts := scheme.SourceStampOptions{MinSDK: max(minSDK, stampMinSDK), MaxSDK: maxSDK, Budget: s.budget}
	return withStampMarkers(scheme.VerifySourceStamp(s.a, digests, opts), m)
}

// stampWithoutEntry reports the source stamp of an APK without the
// stamp-cert-sha256 entry: absent (Present false, no errors: a file
// without a stamp has nothing wrong with it; the stamp verifier, which
// reports apksig's STAMP_MISSING error, is not asked), or a stamp block
// that no signature binds to the app, which Android ignores (Present
// true, not verified, apksig's
// SOURCE_STAMP_SIGNATURE_BLOCK_WITHOUT_CERT_DIGEST).
func (s *schemes) stampWithoutEntry(m *Manifest) *signer.SourceStampResult {
	if !s.blocks.SourceStamp {
		return withStampMarkers(&signer.SourceStampResult{Status: signer.StampMissing}, m)
	}
	return withStampMarkers(scheme.VerifySourceStamp(s.a, nil, scheme.SourceStampOptions{Budget: s.budget}), m)
}

// withStampMarkers adds the manifest's stamp markers to a stamp result:
// reported beside the verdict, they prove nothing on their own (anyone
// can write them into a manifest), so the stamp verifier never sees them.
func withStampMarkers(st *signer.SourceStampResult, m *Manifest) *signer.SourceStampResult {
	st.Source, st.Type = stampMarkers(m)
	return st
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
	// A manifest or container refusal: both are *signer.Error.
	var me *signer.Error
	if errors.As(err, &me) {
		code = me.Code
		if me.Msg != "" {
			msg += ": " + me.Msg
		}
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
