// Package signer is the vocabulary of APK signatures that a user of
// apkverify holds and can build on: certificates (ParseCertificate),
// proof-of-rotation lineages (ParseLineage, ParseLineageFile and their
// capabilities), scheme names, the per-scheme findings of a verification
// (SchemeResult, SignerResult, SourceStampResult, FrostingResult, V4Result)
// with their stable issue codes, and the known-keys tables.
//
// The verifiers that produce these findings are internal to the module;
// package apkverify runs them and applies the rules that span schemes and
// the caller's policy.
package signer

// Scheme names a signature scheme as it appears in results and JSON.
type Scheme string

// Schemes, with the names the verify CLI's JSON uses.
const (
	SchemeV1    Scheme = "v1"
	SchemeV2    Scheme = "v2"
	SchemeV3    Scheme = "v3"
	SchemeV31   Scheme = "v31"
	SchemeV32   Scheme = "v32"
	SchemeV4    Scheme = "v4"
	SchemeStamp Scheme = "stamp"
	// SchemeJAR is the signature of a plain JAR file that is not an APK,
	// such as an Android App Bundle signed with its upload key.
	SchemeJAR Scheme = "jar"
)

// Issue is one problem found while verifying. Code is stable and
// machine-readable; where AOSP apksig has an equivalent Issue, Code is that
// Issue's name (for example V2_SIG_APK_DIGEST_DID_NOT_VERIFY), so results
// compare line by line with Android's tools.
type Issue struct {
	Code    Code   `json:"code"`
	Scheme  Scheme `json:"scheme,omitempty"`
	Message string `json:"message"`
	// Signer is the 0-based index of the signer concerned within its
	// scheme, or -1 when the issue is about the scheme or file as a whole.
	Signer int `json:"signer"`
}

// String returns "[scheme: ]CODE: message".
func (i Issue) String() string {
	s := string(i.Code)
	if i.Scheme != "" {
		s = string(i.Scheme) + ": " + s
	}
	return s + ": " + i.Message
}
