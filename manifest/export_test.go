package manifest

import "testing"

// ShapeAPK is an attack shape as an unsigned APK, for the external test
// that signs the shapes and runs them through apkverify's policy.
type ShapeAPK struct {
	Name    string
	APK     []byte
	MinSDK  int
	Trusted bool // Android installs it as the genuine app; the others must be rejected
}

// AttackShapeAPKs returns the shapes of shapes_test.go as APKs.
func AttackShapeAPKs(t testing.TB) []ShapeAPK {
	var out []ShapeAPK
	for _, s := range attackShapes() {
		out = append(out, ShapeAPK{Name: s.name, APK: s.apk(t), MinSDK: s.minSDK, Trusted: s.passesPolicy})
	}
	return out
}
