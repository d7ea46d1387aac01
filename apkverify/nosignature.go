package apkverify

// noSignature reports an unsigned APK in words, ahead of the scheme
// errors that follow from it.
func (v *verification) noSignature() {
	if len(v.found) != 0 || v.v2 != nil || v.v3 != nil || v.v31 != nil || (v.v1 != nil && v.v1.Present) {
		return
	}
	if v.v1 == nil {
		// The JAR signature was not looked at, so the file may have one.
		return
	}
	i := Issue{Code: CodeNoSignature, Signer: -1,
		Message: "the APK is not signed: it has no JAR signature (META-INF/MANIFEST.MF and .SF) and no APK Signature Scheme v2, v3 or v3.1 signature"}
	errs := v.res.Errors
	at := v.containerErrs
	v.res.Errors = append(errs[:at:at], append([]Issue{i}, errs[at:]...)...)
}
