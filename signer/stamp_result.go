package signer

import "strings"

// SourceStampStatus is apksig's SourceStampVerificationStatus.
type SourceStampStatus string

// Statuses of a source stamp verification.
const (
	StampVerified           SourceStampStatus = "STAMP_VERIFIED"
	StampVerificationFailed SourceStampStatus = "STAMP_VERIFICATION_FAILED"
	StampCertDigestMismatch SourceStampStatus = "CERT_DIGEST_MISMATCH"
	StampMissing            SourceStampStatus = "STAMP_MISSING"
	StampNotVerified        SourceStampStatus = "STAMP_NOT_VERIFIED"
	StampVerificationError  SourceStampStatus = "VERIFICATION_ERROR"
)

// SourceStampResult is what the source stamp verification found.
//
// Source and Type are the manifest markers com.android.stamp.source and
// com.android.stamp.type. They are reported for information only: anyone
// can write them into a manifest. They mean something only when Verified
// is true and the stamp certificate (CertSHA256) is one the caller trusts,
// such as apkverify.PlayStoreStampCertSHA256.
type SourceStampResult struct {
	// Present is true when the APK has the stamp-cert-sha256 entry or a
	// stamp block.
	Present bool `json:"present"`
	// Verified is true when the stamp signature verified over every
	// scheme's digests, the certificate matches the entry, and its
	// lineage and timestamp, if any, are valid.
	Verified bool              `json:"verified"`
	Status   SourceStampStatus `json:"status"`
	// CertSHA256 is the SHA-256 (hex) of the stamp certificate in the
	// block, or, when the block is missing or unreadable, the digest in
	// the stamp-cert-sha256 entry.
	CertSHA256 string `json:"certSha256,omitempty"`
	// Timestamp is the stamp time (Unix seconds), 0 when absent.
	Timestamp int64 `json:"timestamp,omitempty"`
	// Source and Type are the unauthenticated manifest markers.
	Source string `json:"source,omitempty"`
	Type   string `json:"type,omitempty"`
	// Lineage lists the SHA-256 of the stamp key's lineage certificates,
	// oldest first, when the stamp carries a proof-of-rotation.
	Lineage []string `json:"lineage,omitempty"`
	// BlockVersion is 2 or 1 for the stamp block verified, 0 for none.
	BlockVersion int `json:"blockVersion,omitempty"`
	// SignedSchemes are the scheme IDs the stamp signs digests for.
	SignedSchemes []int `json:"signedSchemes,omitempty"`
	// VerifiedSchemes are the scheme IDs whose digests the stamp's
	// signature was checked over (the schemes Android requires), sorted.
	VerifiedSchemes []int `json:"verifiedSchemes,omitempty"`
	// Binding says what the stamp covers and whether it binds the signers
	// Android uses; set by apkverify for a verified stamp.
	Binding  *EvidenceBinding `json:"binding,omitempty"`
	Errors   []Issue          `json:"errors,omitempty"`
	Warnings []Issue          `json:"warnings,omitempty"`

	// Certificate is the stamp certificate, when it parsed.
	Certificate *Certificate `json:"-"`
	// LineageNodes is the parsed stamp lineage.
	LineageNodes *Lineage `json:"-"`
}

// TrustedBy reports whether the stamp verified and its certificate's
// SHA-256 is one of certSHA256 (hex, case and colons ignored).
func (r *SourceStampResult) TrustedBy(certSHA256 ...string) bool {
	if r == nil || !r.Verified || r.Certificate == nil {
		return false
	}
	for _, c := range certSHA256 {
		if normalizeSHA256Hex(c) == r.Certificate.SHA256Hex() {
			return true
		}
	}
	return false
}

// normalizeSHA256Hex lowercases a hex fingerprint and drops colons and
// spaces, the forms the Play Console and keytool print.
func normalizeSHA256Hex(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}
