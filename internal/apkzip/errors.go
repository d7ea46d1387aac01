package apkzip

import (
	"fmt"

	"github.com/apktrust/apktrust/signer"
)

// Code is signer.Code: the container's codes are declared there, with the
// module's other public codes, and named here for this package's use.
type Code = signer.Code

// Codes for the ways an APK container can be malformed or hostile.
const (
	CodeTooSmall            Code = signer.CodeZipTooSmall
	CodeEOCDNotFound        Code = signer.CodeZipEOCDNotFound
	CodeEOCDInComment       Code = signer.CodeZipEOCDInComment
	CodeZip64               Code = signer.CodeZip64
	CodeMultiDisk           Code = signer.CodeZipMultiDisk
	CodeCDOutOfRange        Code = signer.CodeZipCDOutOfRange
	CodeCDNotBeforeEOCD     Code = signer.CodeZipCDNotBeforeEOCD
	CodeCDMalformed         Code = signer.CodeZipCDMalformed
	CodeCDEntryCount        Code = signer.CodeZipCDEntryCount
	CodeDataBeforeFirst     Code = signer.CodeZipDataBeforeFirst
	CodeLocalHeader         Code = signer.CodeZipLocalHeader
	CodeLocalHeaderMismatch Code = signer.CodeZipLocalHeaderMismatch
	CodeEntryOverlap        Code = signer.CodeZipEntryOverlap
	CodeEntryOutOfRange     Code = signer.CodeZipEntryOutOfRange
	CodeDuplicateEntry      Code = signer.CodeZipDuplicateEntry
	CodeInvalidName         Code = signer.CodeZipInvalidName
	CodeUnsafeName          Code = signer.CodeZipUnsafeName
	CodeDataDescriptor      Code = signer.CodeZipDataDescriptor
	CodeUnsupportedMethod   Code = signer.CodeZipUnsupportedMethod
	CodeEncrypted           Code = signer.CodeZipEncrypted
	CodeSizeMismatch        Code = signer.CodeZipSizeMismatch
	CodeCRCMismatch         Code = signer.CodeZipCRCMismatch
	CodeInflate             Code = signer.CodeZipInflate
	CodeEntryTooLarge       Code = signer.CodeZipEntryTooLarge
	CodeSigBlockMalformed   Code = signer.CodeSigBlockMalformed
	CodeSigBlockPair        Code = signer.CodeSigBlockPair
	CodeIO                  Code = signer.CodeIO
)

// FormatError is why an APK container was refused: the module's one
// refused-input type, *signer.Error, with the stable Code and, where
// known, the entry name and the file offset (0 when unknown).
// errors.Is(err, CodeZip64) tests the class.
type FormatError = signer.Error

func errorf(c Code, entry string, off int64, format string, args ...any) *FormatError {
	return &FormatError{Code: c, Entry: entry, Offset: max(off, 0), Msg: fmt.Sprintf(format, args...)}
}

func ioError(off int64, err error) *FormatError {
	return &FormatError{Code: CodeIO, Offset: off, Msg: "read failed", Err: err}
}
