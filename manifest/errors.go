package manifest

import (
	"fmt"

	"github.com/apktrust/apktrust/signer"
)

func sentinel(c Code) *signer.Error { return &signer.Error{Code: c} }

// Errors of this package are *signer.Error, the module's one type for
// refused input: its Code is one of this package's codes and, where
// known, its Offset is the byte offset of the problem inside
// AndroidManifest.xml. errors.Is(err, CodeTruncated) tests the code, as
// do the sentinels below.

// Sentinels for errors.Is. Each matches every error of its Code.
var (
	ErrMissing      = sentinel(CodeMissing)
	ErrRead         = sentinel(CodeRead)
	ErrTooLarge     = sentinel(CodeTooLarge)
	ErrNotBinaryXML = sentinel(CodeNotBinaryXML)
	ErrTruncated    = sentinel(CodeTruncated)
	ErrMalformed    = sentinel(CodeMalformed)
	ErrLimit        = sentinel(CodeLimit)
	ErrBadRoot      = sentinel(CodeBadRoot)
	ErrResources    = sentinel(CodeResources)
	ErrMinSDK       = sentinel(CodeMinSDK)
	ErrInternal     = sentinel(CodeInternal)
	ErrAmbiguous    = sentinel(CodeAmbiguous)
	ErrRefused      = sentinel(CodeRefused)
	// ErrResourcesLimit matches CodeResourcesLimit.
	ErrResourcesLimit = sentinel(CodeResourcesLimit)
)

func errorf(c Code, off int64, format string, args ...any) *signer.Error {
	return &signer.Error{Code: c, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
