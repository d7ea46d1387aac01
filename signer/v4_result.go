package signer

// V4Result is what the v4 signature verification found.
type V4Result struct {
	// Present is true when a v4 signature file was given.
	Present bool `json:"present"`
	// Verified is true only when every check passed: the signatures, the
	// pairing with the v2/v3 (and v3.1) signers, and the fs-verity root
	// hash (and Merkle tree, when the file has one) recomputed over the APK.
	Verified bool `json:"verified"`
	// CertSHA256 lists the SHA-256 of each signing info's certificate.
	CertSHA256 []string `json:"certSha256,omitempty"`
	// RootHash is the fs-verity root hash recorded in the file (hex).
	RootHash string  `json:"rootHash,omitempty"`
	Errors   []Issue `json:"errors,omitempty"`
	Warnings []Issue `json:"warnings,omitempty"`
}
