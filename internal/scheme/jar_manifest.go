package scheme

import (
	"errors"

	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// The JAR manifest and .SF text parsers live in internal/jarmanifest; the
// v1 scheme logic built on them stays here.

// MaxSignatureBlockSize bounds the size of a .RSA/.DSA/.EC signature
// block; real ones hold a few certificates and take a few kilobytes.
const MaxSignatureBlockSize = 4 << 20

// parseJarManifest is jarmanifest.Parse (apksig's reading) with its limit
// errors reported as the *Error codes v1 issues carry,
// JAR_SIG_FILE_TOO_LARGE and JAR_SIG_TOO_MANY_SECTIONS.
func parseJarManifest(data []byte, maxSections int) (*jarmanifest.Manifest, error) {
	m, err := jarmanifest.Parse(data, maxSections)
	var le *jarmanifest.LimitError
	if errors.As(err, &le) {
		code := CodeJarFileTooLarge
		if errors.Is(le, jarmanifest.ErrTooManySections) {
			code = CodeJarTooManySections
		}
		return nil, v1Errorf(code, "%s", le.Msg)
	}
	return m, err
}
