package apkzip

import (
	"errors"
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

// FormatError describes why an APK container was refused. It carries the
// stable Code, and where known the offending entry name and file offset.
//
// errors.Is(err, ErrZip64) and similar sentinels match any FormatError with
// the same Code, so callers can test for a class of problem without caring
// about the details.
type FormatError struct {
	Code   Code
	Entry  string // entry name, when the problem concerns one entry
	Offset int64  // file offset of the problem, or -1 when not meaningful
	Msg    string
	Err    error // underlying cause (I/O, inflate), if any
}

func (e *FormatError) Error() string {
	s := "apkzip: " + string(e.Code) + ": " + e.Msg
	if e.Entry != "" {
		s += fmt.Sprintf(" (entry %q)", e.Entry)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is a FormatError with the same Code, which makes
// the exported sentinels usable with errors.Is.
func (e *FormatError) Is(target error) bool {
	var t *FormatError
	if errors.As(target, &t) {
		return t.Code == e.Code && t.Msg == "" && t.Entry == ""
	}
	return false
}

func sentinel(c Code) *FormatError { return &FormatError{Code: c, Offset: -1} }

// Sentinels for errors.Is. Each matches every FormatError of its Code.
var (
	ErrTooSmall            = sentinel(CodeTooSmall)
	ErrEOCDNotFound        = sentinel(CodeEOCDNotFound)
	ErrEOCDInComment       = sentinel(CodeEOCDInComment)
	ErrZip64               = sentinel(CodeZip64)
	ErrMultiDisk           = sentinel(CodeMultiDisk)
	ErrCDOutOfRange        = sentinel(CodeCDOutOfRange)
	ErrCDNotBeforeEOCD     = sentinel(CodeCDNotBeforeEOCD)
	ErrCDMalformed         = sentinel(CodeCDMalformed)
	ErrCDEntryCount        = sentinel(CodeCDEntryCount)
	ErrDataBeforeFirst     = sentinel(CodeDataBeforeFirst)
	ErrLocalHeader         = sentinel(CodeLocalHeader)
	ErrLocalHeaderMismatch = sentinel(CodeLocalHeaderMismatch)
	ErrEntryOverlap        = sentinel(CodeEntryOverlap)
	ErrEntryOutOfRange     = sentinel(CodeEntryOutOfRange)
	ErrDuplicateEntry      = sentinel(CodeDuplicateEntry)
	ErrInvalidName         = sentinel(CodeInvalidName)
	ErrUnsafeName          = sentinel(CodeUnsafeName)
	ErrDataDescriptor      = sentinel(CodeDataDescriptor)
	ErrUnsupportedMethod   = sentinel(CodeUnsupportedMethod)
	ErrEncrypted           = sentinel(CodeEncrypted)
	ErrSizeMismatch        = sentinel(CodeSizeMismatch)
	ErrCRCMismatch         = sentinel(CodeCRCMismatch)
	ErrInflate             = sentinel(CodeInflate)
	ErrEntryTooLarge       = sentinel(CodeEntryTooLarge)
	ErrSigBlockMalformed   = sentinel(CodeSigBlockMalformed)
	ErrSigBlockPair        = sentinel(CodeSigBlockPair)
	ErrIO                  = sentinel(CodeIO)
)

func errorf(c Code, entry string, off int64, format string, args ...any) *FormatError {
	return &FormatError{Code: c, Entry: entry, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func ioError(off int64, err error) *FormatError {
	return &FormatError{Code: CodeIO, Offset: off, Msg: "read failed", Err: err}
}
