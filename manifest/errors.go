package manifest

import (
	"errors"
	"fmt"
)

// FormatError describes why a manifest was refused. It carries the stable
// Code, where known the byte offset of the problem inside
// AndroidManifest.xml, and any underlying cause.
//
// errors.Is(err, ErrTruncated) and the other sentinels match any
// FormatError with the same Code.
type FormatError struct {
	Code   Code
	Offset int64 // offset inside AndroidManifest.xml, or -1
	Msg    string
	Err    error // underlying cause (for example the container's read error)
}

// Error formats the code, message, offset and cause.
func (e *FormatError) Error() string {
	s := "manifest: " + string(e.Code)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// Is reports whether target is a sentinel FormatError with the same Code.
func (e *FormatError) Is(target error) bool {
	var t *FormatError
	if errors.As(target, &t) {
		return t.Code == e.Code && t.Msg == "" && t.Err == nil
	}
	return false
}

func sentinel(c Code) *FormatError { return &FormatError{Code: c, Offset: -1} }

// Sentinels for errors.Is. Each matches every FormatError of its Code.
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

func errorf(c Code, off int64, format string, args ...any) *FormatError {
	return &FormatError{Code: c, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
