package apkverify

import (
	"log/slog"

	"github.com/apktrust/apktrust/internal/safetext"
)

// LogValue makes a Result log as its summary with log/slog: file,
// verdict ("verified" or "not-verified"), trust ("trusted", "rejected" or
// "no-policy"), package, versionCode, the SHA-256 of the signer Android
// uses on the newest versions, and the first error's code. Text from the
// file (its name, the package) is escaped (control characters, invalid
// UTF-8, bidirectional overrides), so a log line cannot be forged by the
// input.
func (r *Result) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	verdict := "not-verified"
	if r.Verified {
		verdict = "verified"
	}
	attrs := []slog.Attr{
		slog.String("file", safetext.Escape(r.File)),
		slog.String("verdict", verdict),
		slog.String("trust", r.trustWord()),
	}
	if m := r.Manifest; m != nil {
		attrs = append(attrs, slog.String("package", safetext.Escape(m.Package)), slog.Int64("versionCode", m.VersionCode))
	}
	if n := len(r.Signers); n > 0 {
		attrs = append(attrs, slog.String("signerSha256", r.Signers[n-1].CertSHA256))
	}
	if len(r.Errors) > 0 {
		attrs = append(attrs, slog.String("error", string(r.Errors[0].Code)))
	}
	return slog.GroupValue(attrs...)
}

// trustWord says whether a policy was applied and what it decided.
func (r *Result) trustWord() string {
	switch {
	case r.Policy == nil:
		return "no-policy"
	case r.Trusted:
		return "trusted"
	}
	return "rejected"
}
