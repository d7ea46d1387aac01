package manifest

import "github.com/apktrust/apktrust/signer"

// Code is signer.Code, the module's one code type: errors.Is(err,
// CodeTruncated) is true for every error carrying that code.
type Code = signer.Code

// Codes for the ways AndroidManifest.xml can be absent, malformed or
// hostile.
const (
	// CodeMissing: the APK has no entry named exactly AndroidManifest.xml.
	CodeMissing Code = "MANIFEST_MISSING"
	// CodeRead: the entry exists but the container could not deliver it
	// (bad local header, CRC or size mismatch, inflate failure), or the
	// file given to ParseAPK is not a ZIP. The container's error is
	// wrapped.
	CodeRead Code = "MANIFEST_READ_FAILED"
	// CodeTooLarge: the entry declares more bytes than the 8 MiB limit.
	CodeTooLarge Code = "MANIFEST_TOO_LARGE"
	// CodeNotBinaryXML: the bytes are not an Android binary XML document
	// (for example plain-text XML, or a protobuf manifest from an App
	// Bundle).
	CodeNotBinaryXML Code = "MANIFEST_NOT_BINARY_XML"
	// CodeTruncated: a chunk, string or element runs past the end of the
	// document, or the document ends inside an element.
	CodeTruncated Code = "MANIFEST_TRUNCATED"
	// CodeMalformed: the chunk structure is inconsistent (bad header
	// sizes, misaligned chunks, dangling string references, duplicate
	// string pools, an element before the string pool, ...).
	CodeMalformed Code = "MANIFEST_MALFORMED"
	// CodeLimit: the document exceeds a safety limit (nesting depth,
	// element count) that no real manifest approaches.
	CodeLimit Code = "MANIFEST_LIMIT_EXCEEDED"
	// CodeBadRoot: the root element is not <manifest>, or there is more
	// than one root element.
	CodeBadRoot Code = "MANIFEST_BAD_ROOT"
	// CodeMinSDK: android:minSdkVersion has a value Android's verifier
	// cannot turn into an API level: a codename that does not start with
	// an ASCII capital letter, or a value that is neither an integer nor a
	// string (a resource reference, a boolean, a float).
	CodeMinSDK Code = "MANIFEST_MIN_SDK_UNSUPPORTED"
	// CodeResources: resources.arsc is absent or cannot be used to
	// resolve a reference. For the label and <meta-data> it is only
	// reported in Manifest.ResourcesErr, because a broken table is not a
	// broken manifest; the judged facts fail safe instead (see
	// ParseFS).
	CodeResources Code = "MANIFEST_RESOURCES_UNUSABLE"
	// CodeAmbiguous: readers of the manifest disagree on a fact the
	// policy judges (attribute order, duplicate attributes, a typed string
	// that differs from the raw one, a string value that differs between
	// resource configurations), so no single reading can be trusted. The
	// message names the attribute.
	CodeAmbiguous Code = "MANIFEST_AMBIGUOUS"
	// CodeRefused: Android's package parser refuses this manifest (no
	// package name, a versionCode that is not an integer, a reference it
	// cannot resolve to a usable value), so the file does not install.
	CodeRefused Code = "MANIFEST_REFUSED_BY_PLATFORM"
	// CodeResourcesLimit: resolving a reference would make resources.arsc
	// decode more than its budget (a small multiple of its string pool's
	// size) or follow too many references: a resource bomb.
	CodeResourcesLimit Code = "MANIFEST_RESOURCES_LIMIT_EXCEEDED"
	// CodeInternal: a dependency failed in a way it should not have; the
	// input is refused rather than trusted.
	CodeInternal Code = "MANIFEST_INTERNAL_ERROR"
)
