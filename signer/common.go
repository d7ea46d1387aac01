// Package signer verifies the signatures of an APK: the v1 JAR signature,
// APK Signature Schemes v2, v3, v3.1 (and recognises v3.2), v4 signature
// files, source stamps, proof-of-rotation lineages and the certificates they
// carry.
//
// It reports findings per scheme: whether the scheme's signatures were
// present and verified, which signers signed, for which SDK range, with
// which lineage, and every problem with a stable code. It applies no trust
// policy and decides nothing about which scheme counts on which Android
// version; package apkverify does that.
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

// Issue is one problem found while verifying. Code is stable and
// machine-readable; where AOSP apksig has an equivalent Issue, Code is that
// Issue's name (for example V2_SIG_APK_DIGEST_DID_NOT_VERIFY), so results
// compare line by line with Android's tools.
type Issue struct {
	Code    string `json:"code"`
	Scheme  Scheme `json:"scheme,omitempty"`
	Message string `json:"message"`
	// Signer is the 0-based index of the signer concerned within its
	// scheme, or -1 when the issue is about the scheme or file as a whole.
	Signer int `json:"signer"`
}

func (i Issue) String() string {
	s := i.Code
	if i.Scheme != "" {
		s = string(i.Scheme) + ": " + s
	}
	return s + ": " + i.Message
}
