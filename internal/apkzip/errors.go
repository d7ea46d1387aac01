package apkzip

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable identifier of a container problem.
// Codes never change meaning once published; new ones may be added.
type Code string

// Codes for the ways an APK container can be malformed or hostile.
const (
	CodeTooSmall            Code = "ZIP_TOO_SMALL"
	CodeEOCDNotFound        Code = "ZIP_EOCD_NOT_FOUND"
	CodeEOCDInComment       Code = "ZIP_EOCD_SIGNATURE_IN_COMMENT"
	CodeZip64               Code = "ZIP_ZIP64_UNSUPPORTED"
	CodeMultiDisk           Code = "ZIP_MULTI_DISK_UNSUPPORTED"
	CodeCDOutOfRange        Code = "ZIP_CENTRAL_DIRECTORY_OUT_OF_RANGE"
	CodeCDNotBeforeEOCD     Code = "ZIP_CENTRAL_DIRECTORY_NOT_BEFORE_EOCD"
	CodeCDMalformed         Code = "ZIP_CENTRAL_DIRECTORY_MALFORMED"
	CodeCDEntryCount        Code = "ZIP_CENTRAL_DIRECTORY_ENTRY_COUNT_MISMATCH"
	CodeDataBeforeFirst     Code = "ZIP_DATA_BEFORE_FIRST_ENTRY"
	CodeLocalHeader         Code = "ZIP_LOCAL_HEADER_MALFORMED"
	CodeLocalHeaderMismatch Code = "ZIP_LOCAL_HEADER_MISMATCH"
	CodeEntryOverlap        Code = "ZIP_ENTRY_DATA_OVERLAP"
	CodeEntryOutOfRange     Code = "ZIP_ENTRY_DATA_OUT_OF_RANGE"
	CodeDuplicateEntry      Code = "ZIP_DUPLICATE_ENTRY_NAME"
	CodeInvalidName         Code = "ZIP_INVALID_ENTRY_NAME"
	CodeUnsafeName          Code = "ZIP_UNSAFE_ENTRY_NAME"
	CodeDataDescriptor      Code = "ZIP_DATA_DESCRIPTOR_MISMATCH"
	CodeUnsupportedMethod   Code = "ZIP_UNSUPPORTED_COMPRESSION_METHOD"
	CodeEncrypted           Code = "ZIP_ENCRYPTED_ENTRY"
	CodeSizeMismatch        Code = "ZIP_ENTRY_SIZE_MISMATCH"
	CodeCRCMismatch         Code = "ZIP_ENTRY_CRC_MISMATCH"
	CodeInflate             Code = "ZIP_ENTRY_INFLATE_FAILED"
	CodeEntryTooLarge       Code = "ZIP_ENTRY_TOO_LARGE"
	CodeSigBlockMalformed   Code = "APK_SIG_BLOCK_MALFORMED"
	CodeSigBlockPair        Code = "APK_SIG_BLOCK_PAIR_MALFORMED"
	CodeIO                  Code = "IO_ERROR"
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
