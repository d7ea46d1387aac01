package apkverify

import (
	"errors"

	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// refusedManifestCodes are the manifest errors that describe the file, not
// a failure to read it: Android's package parser refuses the manifest,
// its readers disagree on a judged fact, or its resource table is a bomb.
// Such a file is rejected (a Result error, CLI exit 1) like any file that
// does not install, rather than reported as unverifiable.
var refusedManifestCodes = map[manifest.Code]bool{
	manifest.CodeAmbiguous:      true,
	manifest.CodeRefused:        true,
	manifest.CodeResourcesLimit: true,
}

// refuseManifest records a refused manifest as the Result's error and
// reports whether it did; the run then ends, since no SDK range or
// manifest fact can be taken from the file.
func (v *verification) refuseManifest() bool {
	me := manifestCause(v.manifestErr)
	if me == nil || !refusedManifestCodes[me.Code] {
		return false
	}
	v.fail(Issue{Code: me.Code, Signer: -1, Message: "AndroidManifest.xml: " + me.Msg})
	v.res.MinSDK, v.res.MaxSDK = v.opts.MinSDK, v.opts.MaxSDK
	v.res.Frosting = &signer.FrostingResult{}
	v.evidence()
	return true
}

// manifestCause is the manifest reader's own error inside a refusal:
// the refusal (Kind ErrManifest) has the same code but a longer message.
func manifestCause(err error) *signer.Error {
	var me *signer.Error
	for errors.As(err, &me) {
		if me.Kind == nil {
			return me
		}
		err = me.Err
	}
	return nil
}
