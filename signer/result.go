package signer

// SchemeResult is what one signature scheme found in an APK. It says what
// was checked and how it went; whether the scheme counts for a given
// Android version is for the caller (package apkverify) to decide.
type SchemeResult struct {
	Scheme Scheme `json:"scheme"`
	// Present is true when the scheme's signature exists in the file (a
	// signing-block pair, or META-INF signature files for v1).
	Present bool `json:"present"`
	// Verified is true when the signature is present and every check of the
	// scheme passed: no Errors here or in any signer.
	Verified bool `json:"verified"`
	// Signers in the order the signature lists them.
	Signers []*SignerResult `json:"signers,omitempty"`
	// Errors and Warnings concern the scheme as a whole; signer-specific
	// ones are on the signer.
	Errors   []Issue `json:"errors,omitempty"`
	Warnings []Issue `json:"warnings,omitempty"`
}

// SignerResult is one signer of one scheme.
type SignerResult struct {
	// Index is the signer's 0-based position in its scheme.
	Index int `json:"index"`
	// Name is the v1 signer's file name stem (for example "CERT" for
	// META-INF/CERT.SF); empty for other schemes.
	Name string `json:"name,omitempty"`
	// Certificates as listed by the signature; Certificates[0] is the
	// signing certificate.
	Certificates []*Certificate `json:"-"`
	// MinSDK and MaxSDK are the SDK range the signer declares (v3/v3.1);
	// for v1/v2 they are 0 and 2147483647 (every future version).
	MinSDK int `json:"minSdk"`
	MaxSDK int `json:"maxSdk"`
	// SignatureAlgorithms are the algorithm IDs (v2+) of the signatures
	// present; VerifiedAlgorithms those that were checked and passed.
	SignatureAlgorithms []SignatureAlgorithmID `json:"signatureAlgorithms,omitempty"`
	VerifiedAlgorithms  []SignatureAlgorithmID `json:"verifiedAlgorithms,omitempty"`
	// ContentDigests are the digests of the APK's content the signer
	// signed, by content digest algorithm (as listed in the signed data).
	ContentDigests []ContentDigest `json:"-"`
	// Lineage is the signer's proof-of-rotation, when it carries one.
	Lineage *Lineage `json:"lineage,omitempty"`
	// RotationMinSDK is the v3.0 signer's rotation-min-sdk-version
	// attribute (the SDK from which a v3.1 signer takes over), 0 if absent.
	RotationMinSDK int `json:"rotationMinSdk,omitempty"`
	// RotationTargetsDevRelease mirrors the v3.1 dev-release attribute.
	RotationTargetsDevRelease bool `json:"rotationTargetsDevRelease,omitempty"`
	// StrippingProtection lists the scheme IDs an X-Android-APK-Signed
	// header (v1) or stripping-protection attribute (v2) claims.
	StrippingProtection []int `json:"strippingProtection,omitempty"`

	Errors   []Issue `json:"errors,omitempty"`
	Warnings []Issue `json:"warnings,omitempty"`
}

// Cert returns the signing certificate, or nil when none was parsed.
func (s *SignerResult) Cert() *Certificate {
	if s == nil || len(s.Certificates) == 0 {
		return nil
	}
	return s.Certificates[0]
}

// SignatureAlgorithmID is the ID of a v2+ signature algorithm, as written
// in signing blocks (for example 0x0103 for RSASSA-PKCS1-v1_5 with
// SHA2-256).
type SignatureAlgorithmID uint32

// ContentDigest is one content digest a signer signed.
type ContentDigest struct {
	// Algorithm is the signature algorithm ID the digest is listed under.
	Algorithm SignatureAlgorithmID
	Digest    []byte
}

// Lineage is a proof-of-rotation: the chain of signing certificates from
// the oldest to the current one, each node signed by its parent.
type Lineage struct {
	Nodes []LineageNode `json:"nodes"`
}

// LineageNode is one certificate of a lineage with the capabilities its
// successor granted it.
type LineageNode struct {
	Certificate *Certificate `json:"-"`
	// Flags is the raw capability bit set (see the Capability constants).
	Flags uint32 `json:"flags"`
	// SignatureAlgorithm is the algorithm the parent used to sign this
	// node (0 for the first node).
	SignatureAlgorithm SignatureAlgorithmID `json:"signatureAlgorithm"`
	// ParentSignatureAlgorithm is the algorithm this node's certificate
	// uses to sign its child.
	ParentSignatureAlgorithm SignatureAlgorithmID `json:"parentSignatureAlgorithm,omitempty"`
}

// Capability flags of a lineage node, as Android defines them.
const (
	CapabilityInstalledData uint32 = 1 << 0
	CapabilitySharedUID     uint32 = 1 << 1
	CapabilityPermission    uint32 = 1 << 2
	CapabilityRollback      uint32 = 1 << 3
	CapabilityAuth          uint32 = 1 << 4
)

// CapabilityNames returns the names of the capabilities set in flags, in
// the words the verify CLI's JSON uses.
func CapabilityNames(flags uint32) []string {
	names := []string{}
	for _, c := range []struct {
		bit  uint32
		name string
	}{
		{CapabilityInstalledData, "installedData"},
		{CapabilitySharedUID, "sharedUid"},
		{CapabilityPermission, "permission"},
		{CapabilityRollback, "rollback"},
		{CapabilityAuth, "auth"},
	} {
		if flags&c.bit != 0 {
			names = append(names, c.name)
		}
	}
	return names
}

// Contains reports whether the lineage holds a certificate with this
// SHA-256.
func (l *Lineage) Contains(sha256 [32]byte) bool {
	if l == nil {
		return false
	}
	for _, n := range l.Nodes {
		if n.Certificate != nil && n.Certificate.SHA256 == sha256 {
			return true
		}
	}
	return false
}
