package apkverify

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// Verify and the other entry points refuse input they cannot verify with
// a *signer.Error (the module's one refused-input type) whose Kind is one
// of the sentinels below, so callers test the class with errors.Is and
// read the precise, stable reason from its Code: a code of this package,
// of manifest (manifest.CodeMissing, ...) or of signer (a container
// problem such as signer.CodeZip64 or signer.CodeIO).

// Kinds of refusal, for errors.Is: Verify's *signer.Error has one of
// them as its Kind.
var (
	// ErrNotAPK: the file is not an APK Android would parse (not a ZIP,
	// ZIP64, duplicate or unsafe entry names, data before the first entry,
	// overlapping entries...). Error.Code names the reason.
	ErrNotAPK = errors.New("apkverify: not an APK")
	// ErrManifest: AndroidManifest.xml is missing or unreadable and the
	// verification needs it (for the minSdk or targetSandboxVersion).
	ErrManifest = errors.New("apkverify: AndroidManifest.xml missing or malformed")
	// ErrInvalidOptions: Options are inconsistent (MinSDK > MaxSDK, a
	// trusted certificate that is not a SHA-256 in hex...).
	ErrInvalidOptions = errors.New("apkverify: invalid options")
	// ErrIO: reading the file failed.
	ErrIO = errors.New("apkverify: I/O error")
)

// KindName is the stable name of err's kind, as the apktrust CLI and the
// apktrustd service write it in the "kind" of a JSON error object:
// "not-an-apk", "manifest", "io" or "invalid-options" for the kinds above,
// and "error" for anything else (a cancelled verification, say). The names
// are part of the JSON contract.
func KindName(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{ErrNotAPK, "not-an-apk"},
		{ErrManifest, "manifest"},
		{ErrIO, "io"},
		{ErrInvalidOptions, "invalid-options"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}

// Sentinels for Result.Err errors.
var (
	// ErrNotVerified matches a *VerificationError for a file whose
	// signatures did not verify.
	ErrNotVerified = errors.New("apkverify: signature did not verify")
	// ErrUntrusted matches a *VerificationError for a file that verified
	// but violates the trust policy.
	ErrUntrusted = errors.New("apkverify: not trusted by policy")
)

// VerificationError is what Result.Err returns for a file that did not
// verify or is not trusted: a verdict, not a refused input (that is a
// *signer.Error, returned by Verify itself). It keeps the Result so
// callers that got an error can still show every reason.
//
// Its errors.Is rules are those of every error of this module:
// errors.Is(err, ErrNotVerified) or errors.Is(err, ErrUntrusted) tests
// the class, and errors.Is(err, code) is true when the code is among the
// reasons (Result.Errors or the policy's Violations).
type VerificationError struct {
	Result *Result
}

func (e *VerificationError) Error() string {
	r := e.Result
	var b strings.Builder
	b.WriteString("apkverify: ")
	if r.File != "" {
		b.WriteString(r.File + ": ")
	}
	var reasons []string
	if !r.Verified {
		b.WriteString("signature did not verify")
		for _, i := range r.Errors {
			reasons = append(reasons, string(i.Code)+": "+i.Message)
		}
	} else {
		b.WriteString("not trusted")
	}
	if r.Policy != nil {
		for _, v := range r.Policy.Violations {
			reasons = append(reasons, string(v.Code)+": "+v.Message)
		}
	}
	if len(reasons) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(reasons, "; "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotVerified) true for a file that did not
// verify, errors.Is(err, ErrUntrusted) true for one that violates the
// policy (a file can be both), and errors.Is(err, code) true for a code
// among the reasons.
func (e *VerificationError) Is(target error) bool {
	r := e.Result
	return verdictIs(target, r.Verified, r.Policy, r.Trusted, func(c signer.Code) bool {
		return slices.ContainsFunc(r.Errors, func(i Issue) bool { return i.Code == c })
	})
}

// verdictIs matches ErrNotVerified and ErrUntrusted against a verdict,
// and a code against the verdict's own reasons (has) and the policy's
// violations.
func verdictIs(target error, verified bool, policy *PolicyResult, trusted bool, has func(signer.Code) bool) bool {
	switch target {
	case ErrNotVerified:
		return !verified
	case ErrUntrusted:
		return policy != nil && !trusted
	}
	c, ok := target.(signer.Code)
	if !ok {
		return false
	}
	return has(c) || policy != nil && slices.ContainsFunc(policy.Violations, func(v Violation) bool { return v.Code == c })
}

// fromContainer turns an apkzip error into a refusal, keeping its code.
func fromContainer(err error) *signer.Error {
	var fe *apkzip.FormatError
	if errors.As(err, &fe) {
		kind := ErrNotAPK
		if fe.Code == apkzip.CodeIO {
			kind = ErrIO
		}
		return &signer.Error{Kind: kind, Code: fe.Code, Entry: fe.Entry, Msg: fe.Msg, Err: err}
	}
	return &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "reading the APK failed", Err: err}
}

func optionsError(format string, args ...any) *signer.Error {
	return &signer.Error{Kind: ErrInvalidOptions, Code: CodeInvalidOptions, Msg: fmt.Sprintf(format, args...)}
}
