package signer

// FrostingResult is what the Play frosting verification found. It is evidence of delivery
// by Google Play, reported on its own: it never changes the signature
// verdict.
type FrostingResult struct {
	// Present is true when the APK Signing Block has a frosting pair.
	Present bool `json:"present"`
	// Verified is true when the first enabled entry's signature verified
	// with the key its index names and its APK digest matches the file.
	Verified bool `json:"verified"`
	// KeyIndex is the key index of the first enabled entry, when parsed.
	KeyIndex *uint64 `json:"keyIndex,omitempty"`
	// APKSHA256 is the digest the entry claims; ComputedSHA256 the one
	// computed from the file (hex).
	APKSHA256      string `json:"apkSha256,omitempty"`
	ComputedSHA256 string `json:"computedSha256,omitempty"`
	// MetadataSize is the size of Play's (undecoded) protobuf metadata.
	MetadataSize int `json:"metadataSize,omitempty"`
	// Binding says what the frosting covers and whether it binds the
	// signers Android uses; set by apkverify for verified frosting.
	Binding  *EvidenceBinding `json:"binding,omitempty"`
	Errors   []Issue          `json:"errors,omitempty"`
	Warnings []Issue          `json:"warnings,omitempty"`
}
