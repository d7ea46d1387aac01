// Package apkentry names the entries the manifest reader loads, besides
// AndroidManifest.xml (which package manifest exports as ManifestEntry),
// and the limits on their size: package manifest reads them from an APK
// and apkverify from the modules of an App Bundle, so both need the same
// names and limits, and no user does.
package apkentry

// Entry names, exactly as written (no path cleaning). An App Bundle
// module (base, or a feature module such as "dynamic_feature") holds the
// manifest and the resource table as aapt2's protocol buffers, which
// bundletool turns into binary XML and resources.arsc when it builds APKs.
const (
	Resources       = "resources.arsc"
	BundleManifest  = "manifest/AndroidManifest.xml"
	BundleResources = "resources.pb"
)

// Size limits for the entries the reader loads into memory. Real
// manifests are well under 1 MiB and real resource tables under 16 MiB.
const (
	MaxManifestSize  = 8 << 20
	MaxResourcesSize = 32 << 20
)
