package signer

// EvidenceBinding says what a piece of evidence of distribution (a source
// stamp, Play frosting) covers, and whether that includes the signers
// Android uses for the app. Evidence that verified but does not bind says
// only that its signer saw content; it does not say that the file Android
// installs, signed as it is, was delivered that way.
//
// What each covers follows from its format:
//
//   - A source stamp signs content digests: for v2/v3 the digests the
//     scheme's signer lists, which cover every ZIP entry, the central
//     directory and the EOCD, but not the APK Signing Block; for the JAR
//     scheme the SHA-256 of META-INF/MANIFEST.MF only. So a stamp over v2
//     or v3 digests covers the JAR signatures (META-INF/*.SF and their
//     .RSA/.DSA/.EC blocks are ZIP entries), and no v2/v3/v3.1 signer: a
//     v3 block re-signed by another key over the same content keeps the
//     stamp valid. A stamp over the JAR digest alone covers no signer (the
//     manifest does not name one).
//   - Play frosting hashes the content (entries, central directory, EOCD)
//     and, of the APK Signing Block, only the v2 pair (its ID and value).
//     So it covers the JAR signers and the v2 signers, and no v3/v3.1
//     signer.
//
// The evidence binds when every signer Android uses on an API level of
// the range is a covered signer or a rotation successor of one (its own
// verified proof-of-rotation contains a covered certificate: the covered
// key consented to the rotation).
type EvidenceBinding struct {
	// Covers says in words what the evidence's signature covers.
	Covers string `json:"covers"`
	// CoveredSigners are the SHA-256 (hex) of the signing certificates
	// whose verified signatures lie inside what the evidence covers.
	CoveredSigners []string `json:"coveredSigners"`
	// Binds is true when every signer Android uses on the checked range
	// is covered or rotates from a covered signer.
	Binds bool `json:"binds"`
}
