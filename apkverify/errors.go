package apkverify

import (
	"errors"
	"fmt"
	"github.com/apktrust/apktrust/signer"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Error is returned by Verify when verification could not run. Kind is one
// of the sentinel errors below (ErrNotAPK, ErrManifest, ...), so callers
// test the class with errors.Is; Code is the precise, stable reason.
type Error struct {
	// Kind is ErrNotAPK, ErrManifest, ErrInvalidOptions or ErrIO, or the
	// context's error when verification was cancelled.
	Kind error
	// Code is a stable machine-readable reason: one of the Code constants
	// of this package or a container code such as ZIP_ZIP64_UNSUPPORTED.
	Code signer.Code
	// Entry is the ZIP entry concerned, when there is one.
	Entry string
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	s := "apkverify: " + string(e.Code) + ": " + e.Msg
	if e.Entry != "" {
		s += fmt.Sprintf(" (entry %q)", e.Entry)
	}
	// The cause adds detail unless it is the same problem in the words
	// of the layer that found it.
	if e.Err != nil && !strings.Contains(e.Err.Error(), string(e.Code)) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotAPK) and the like true for an Error of
// that kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Kinds of Error, for errors.Is.
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
// verify or is not trusted. It keeps the Result so callers that got an
// error can still show every reason.
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
// verify and errors.Is(err, ErrUntrusted) true for one that violates the
// policy (a file can be both).
func (e *VerificationError) Is(target error) bool {
	return verdictIs(target, e.Result.Verified, e.Result.Policy != nil, e.Result.Trusted)
}

// verdictIs matches ErrNotVerified and ErrUntrusted against a verdict.
func verdictIs(target error, verified, policy, trusted bool) bool {
	switch target {
	case ErrNotVerified:
		return !verified
	case ErrUntrusted:
		return policy && !trusted
	}
	return false
}

// fromContainer turns an apkzip error into an Error, keeping its code.
func fromContainer(err error) *Error {
	var fe *apkzip.FormatError
	if errors.As(err, &fe) {
		kind := ErrNotAPK
		if fe.Code == apkzip.CodeIO {
			kind = ErrIO
		}
		return &Error{Kind: kind, Code: fe.Code, Entry: fe.Entry, Msg: fe.Msg, Err: err}
	}
	return &Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "reading the APK failed", Err: err}
}

func optionsError(format string, args ...any) *Error {
	return &Error{Kind: ErrInvalidOptions, Code: CodeInvalidOptions, Msg: fmt.Sprintf(format, args...)}
}
