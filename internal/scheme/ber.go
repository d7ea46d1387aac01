package scheme

import (
	"errors"

	"github.com/apktrust/apktrust/internal/ber"
)

// The BER reader itself lives in internal/ber; these adapters report its
// errors as PKCS7_MALFORMED, the code (and text) v1 issues have always
// carried for a malformed encoding.

// readBER reads one element from the start of b and returns it with the
// bytes that follow it.
func readBER(b []byte, depth int) (ber.Element, []byte, error) {
	e, rest, err := ber.Read(b, depth)
	return e, rest, berError(err)
}

// berPlatformSignedAttrs returns the bytes Android 7.0 and later verify a
// SignerInfo's signature over when it has signed attributes: OpenJDK's
// sun.security.pkcs code (PKCS9Attributes.decode) takes the attributes'
// DerValue and re-encodes it with the SET OF tag (ber.JavaDefinite).
// apksig instead verifies the original bytes with only the tag changed;
// where the two differ, the platform's form is the one that counts
// (issue 13).
func berPlatformSignedAttrs(raw []byte) ([]byte, error) {
	out, err := ber.JavaDefinite(raw, 0x31)
	return out, berError(err)
}

func berError(err error) error {
	var be *ber.Error
	if errors.As(err, &be) {
		return pkcs7Errorf("%s", be.Msg)
	}
	return err
}
