package scheme

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/sigalg"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// IDs of the APK Signing Block pairs this package knows.
const (
	BlockIDV2            uint32 = 0x7109871a
	BlockIDV3            uint32 = 0xf05368c0
	BlockIDV31           uint32 = 0x1b93ad61
	BlockIDV32           uint32 = 0x70e1c89f
	BlockIDSourceStampV1 uint32 = 0x2b09189e
	BlockIDSourceStampV2 uint32 = 0x6dff800d
	BlockIDFrosting      uint32 = 0x2146444e
	BlockIDVerityPadding uint32 = 0x42726577
	BlockIDDependencies  uint32 = 0x504b4453 // "dependency info" written by AGP
)

// Android API levels that matter to signature verification.
const (
	SDKJellyBeanMR2 = 18 // SHA-256 digests in v1 JAR signatures
	SDKNougat       = 24 // APK Signature Scheme v2
	SDKP            = 28 // APK Signature Scheme v3
	SDKT            = 33 // APK Signature Scheme v3.1
	// MaxSDK stands for "every future Android version" in SDK ranges.
	MaxSDK = 2147483647
)

// StampCertDigestEntry is the ZIP entry holding the raw SHA-256 of the
// source stamp certificate.
const StampCertDigestEntry = "stamp-cert-sha256"

// PlayStoreStampCertSHA256 is apkverify.PlayStoreStampCertSHA256 (the
// stamp certificate seen on Google Play deliveries), for this package's
// tests, which cannot import apkverify.
const PlayStoreStampCertSHA256 = "3257d599a49d2c961a471ca9843f59d341a405884583fc087df4237b733bbd6d"

// Proof-of-rotation constants, as apksig's SigningCertificateLineage
// writes them.
const (
	// AttrProofOfRotation is the v3/v3.1 signed-data attribute holding the
	// signer's lineage.
	AttrProofOfRotation uint32 = 0x3ba06f8c
	// LineageFileMagic starts a lineage file written by apksigner rotate.
	LineageFileMagic uint32 = 0x3eff39d1
	// lineageVersion is the only lineage encoding version that exists.
	lineageVersion uint32 = 1
)

// WorkBudget is the signature-verification work one file may cost; see
// internal/workbudget.
type WorkBudget = workbudget.Budget

// DefaultWorkBudget is the work allowed per file when none is given.
const DefaultWorkBudget = workbudget.Default

// NewWorkBudget returns a budget of units (DefaultWorkBudget when units
// is not positive).
func NewWorkBudget(units int64) *WorkBudget { return workbudget.New(units) }

// WithWorkBudget returns a context carrying b: VerifyV1, VerifyV2,
// VerifyV3 and VerifyV31 charge their signature verifications to it.
// Without one, each call gets a DefaultWorkBudget of its own.
func WithWorkBudget(ctx context.Context, b *WorkBudget) context.Context {
	return workbudget.With(ctx, b)
}

// workBudgetFrom returns the context's budget or a fresh default one.
func workBudgetFrom(ctx context.Context) *WorkBudget { return workbudget.From(ctx) }

// limitCode returns the code of a key-limit or budget refusal, "" for
// any other error: verifiers report those two under their own code
// rather than as a scheme's verify exception.
func limitCode(err error) Code {
	if err == nil {
		return "" // errors.As's target would escape: no allocation for the common case
	}
	var e *Error
	if errors.As(err, &e) && (e.Code == CodeWorkBudgetExceeded || e.Code == CodeKeyUnsupported) {
		return e.Code
	}
	return ""
}

func v1Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// The signature core is internal/sigalg. It reports a verification
// refused by the key limits or the work budget as a *sigalg.LimitError;
// the verifiers report that under signer's codes (limitCode), as a
// *signer.Error, which these wrappers return.

// errNoSupportedSignatures is returned by signaturesToVerify when Android
// supports none of the signatures on some SDK of the range.
var errNoSupportedSignatures = sigalg.ErrNoSupportedSignatures

// fromLimit reports a key-limit or budget refusal under its code; other
// errors pass unchanged.
func fromLimit(err error) error {
	if err == nil {
		return nil // as in limitCode
	}
	var le *sigalg.LimitError
	if !errors.As(err, &le) {
		return err
	}
	if le.Budget {
		return &Error{Code: CodeWorkBudgetExceeded, Msg: le.Msg}
	}
	return &Error{Code: CodeKeyUnsupported, Msg: le.Msg}
}

func verifySignature(b *WorkBudget, id SignatureAlgorithmID, pub crypto.PublicKey, data, sig []byte) (bool, error) {
	ok, err := sigalg.VerifySignature(b, sigalg.ID(id), pub, data, sig)
	return ok, fromLimit(err)
}

func parsePublicKeyFor(id SignatureAlgorithmID, spki []byte) (crypto.PublicKey, error) {
	pub, err := sigalg.ParsePublicKeyFor(sigalg.ID(id), spki)
	return pub, fromLimit(err)
}

func signaturesToVerify(ids []SignatureAlgorithmID, minSDK, maxSDK int) ([]int, error) {
	return sigalg.SignaturesToVerify(ids, minSDK, maxSDK)
}

func prepareVerify(b *WorkBudget, pub crypto.PublicKey) error {
	return fromLimit(sigalg.PrepareVerify(b, pub))
}

func checkKeyLimits(pub crypto.PublicKey) error { return fromLimit(sigalg.CheckKeyLimits(pub)) }

func digestPreference(id SignatureAlgorithmID) int { return sigalg.DigestPreference(sigalg.ID(id)) }

// certKey is the archive memo key of a parsed certificate.
type certKey [sha256.Size]byte

// certResult is a parsed certificate or the error parsing it.
type certResult struct {
	c   *Certificate
	err error
}

// archiveCertificate parses der once per archive: the v2, v3 and v3.1
// blocks of one app usually carry the same certificate, and each
// verification of a small app would otherwise spend a good part of its
// time and memory parsing it again. Certificates are never modified after
// parsing, so the results share them. Without an archive it just parses
// (through the process-wide cache).
func archiveCertificate(a *apkzip.Archive, der []byte) (*Certificate, error) {
	if a == nil {
		return sharedCertificate(der)
	}
	r := a.Memo(certKey(sha256.Sum256(der)), func() any {
		c, err := sharedCertificate(der)
		return certResult{c, err}
	}).(certResult)
	return r.c, r.err
}

// sharedCertificate is ParseCertificate through certparse's bounded
// process-wide cache (keyed by the SHA-256 of der, so a hit is what a
// fresh parse gives): a service meets the same signer and stamp
// certificates again and again. Each call gets a certificate of its own
// (only its X509 view is shared), so what a user does to one a result
// handed out reaches no later verification; signer.ParseCertificate never
// uses the cache.
// Refusals carry ParseCertificate's codes.
func sharedCertificate(der []byte) (*Certificate, error) {
	c, err := certparse.Cached(der)
	if err != nil {
		return nil, certCause(err)
	}
	return (*Certificate)(c), nil
}

// v1KeyFamily names a public key's algorithm family as v1 signature
// algorithms do.
func v1KeyFamily(pub crypto.PublicKey) string { return sigalg.KeyFamily(pub) }

// fillNamesAndDigests fills a certificate built from a PKCS #7 block's
// parts (no names) with its digests, as certparse does for the ones it
// parses.
func fillNamesAndDigests(c *Certificate) {
	(*certparse.Certificate)(c).FillNamesAndDigests(nil, nil)
}
