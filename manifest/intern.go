package manifest

// internedStrings are the string pool entries nearly every manifest
// holds: element and attribute names, the Android namespace and the most
// requested permissions and intent names. A pool string equal to one of
// them is returned as the constant instead of a new string, so a small
// app's manifest costs a few allocations instead of one per name (each
// about 60 ns and garbage-collector work). The table is fixed: it holds
// nothing read from a file.
var internedStrings = func() map[string]string {
	names := []string{
		// namespaces
		"android", "http://schemas.android.com/apk/res/android",
		"tools", "http://schemas.android.com/tools",
		"app", "http://schemas.android.com/apk/res-auto", "dist", "http://schemas.android.com/apk/distribution",
		// elements
		"manifest", "application", "uses-sdk", "uses-permission", "uses-permission-sdk-23", "permission",
		"permission-group", "permission-tree", "uses-feature", "uses-library", "uses-native-library",
		"meta-data", "activity", "activity-alias", "service", "receiver", "provider", "intent-filter",
		"action", "category", "data", "grant-uri-permission", "path-permission", "instrumentation",
		"supports-screens", "compatible-screens", "screen", "queries", "package", "intent", "property",
		"profileable", "uses-configuration", "supports-gl-texture", "original-package", "key-sets",
		"key-set", "public-key", "upgrade-key-set", "overlay", "attribution", "uses-split", "processes",
		"process", "deny-permission", "allow-permission", "layout", "module", "delivery", "install-time",
		"on-demand", "fusing", "removable", "conditions", "uses-static-library", "static-library",
		// attributes
		"versionCode", "versionName", "versionCodeMajor", "compileSdkVersion", "compileSdkVersionCodename",
		"minSdkVersion", "targetSdkVersion", "maxSdkVersion", "platformBuildVersionCode",
		"platformBuildVersionName", "name", "label", "icon", "roundIcon", "logo", "banner", "theme",
		"value", "resource", "protectionLevel", "sharedUserId", "sharedUserLabel", "sharedUserMaxSdkVersion",
		"installLocation", "debuggable", "testOnly", "allowBackup", "exported", "enabled", "required",
		"authorities", "taskAffinity", "launchMode", "screenOrientation", "configChanges",
		"hardwareAccelerated", "supportsRtl", "extractNativeLibs", "usesCleartextTraffic",
		"networkSecurityConfig", "appComponentFactory", "requestLegacyExternalStorage", "isFeatureSplit",
		"split", "isSplitRequired", "hasCode", "glEsVersion", "scheme", "host", "port", "mimeType", "path",
		"pathPrefix", "pathPattern", "priority", "grantUriPermissions", "fullBackupContent",
		"dataExtractionRules", "directBootAware", "foregroundServiceType", "windowSoftInputMode",
		"largeHeap", "usesPermissionFlags", "description", "permissionGroup", "targetPackage",
		"targetActivity", "excludeFromRecents", "stopWithTask", "isolatedProcess", "initOrder",
		"multiprocess", "syncable", "readPermission", "writePermission", "autoVerify", "localeConfig",
		"requiredSplitTypes", "splitTypes", "isolatedSplits", "featureSplit",
		"coreApp", "requiredFeature", "requiredNotFeature", "persistent", "killAfterRestore",
		"backupAgent", "restoreAnyVersion", "resizeableActivity", "supportsPictureInPicture",
		"requestRawExternalStorageAccess", "preserveLegacyExternalStorage", "allowNativeHeapPointerTagging",
		"memtagMode", "gwpAsanMode", "enableOnBackInvokedCallback",
		// permissions, actions and categories most apps use
		"android.permission.INTERNET", "android.permission.ACCESS_NETWORK_STATE",
		"android.permission.ACCESS_WIFI_STATE", "android.permission.WAKE_LOCK",
		"android.permission.FOREGROUND_SERVICE", "android.permission.POST_NOTIFICATIONS",
		"android.permission.RECEIVE_BOOT_COMPLETED", "android.permission.VIBRATE",
		"android.permission.CAMERA", "android.permission.READ_EXTERNAL_STORAGE",
		"android.permission.WRITE_EXTERNAL_STORAGE", "android.permission.ACCESS_FINE_LOCATION",
		"android.permission.ACCESS_COARSE_LOCATION", "android.permission.RECORD_AUDIO",
		"android.permission.READ_PHONE_STATE", "com.google.android.c2dm.permission.RECEIVE",
		"com.google.android.gms.permission.AD_ID", "android.intent.action.MAIN",
		"android.intent.category.LAUNCHER", "android.intent.category.DEFAULT",
		"android.intent.action.VIEW", "android.intent.category.BROWSABLE",
		"android.intent.action.BOOT_COMPLETED", "androidx.core.content.FileProvider",
		"androidx.startup.InitializationProvider", "com.google.android.gms.version",
		"android.support.FILE_PROVIDER_PATHS", "signature", "normal", "dangerous", "true", "false",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}()

// maxInterned bounds the length of the pool strings looked up among
// internedStrings (the longest entry above, rounded up): longer ones are
// never in the table, and a shorter one is assembled on the stack first.
const maxInterned = 64

// interned returns the table's copy of b's string, without allocating.
func interned(b []byte) (string, bool) {
	s, ok := internedStrings[string(b)]
	return s, ok
}
