package manifest

import (
	"fmt"

	"github.com/apktrust/apktrust/signer"
)

// Errors of this package are *signer.Error, the module's one type for
// refused input: its Code is one of this package's codes and, where
// known, its Offset is the byte offset of the problem inside
// AndroidManifest.xml. errors.Is(err, CodeTruncated) tests the code.

func errorf(c Code, off int64, format string, args ...any) *signer.Error {
	return &signer.Error{Code: c, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
