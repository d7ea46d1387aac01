// Package safetext makes text that comes from an APK (file and entry
// names, certificate subjects, manifest strings, messages quoting them)
// safe to print on a terminal or write to a log: such text can hold
// newlines, escape sequences, bidirectional overrides or invalid UTF-8
// that would let a file forge or hide lines of the output.
package safetext

import (
	"strconv"
	"unicode/utf8"
)

// Escape returns s unchanged when every rune of it is valid UTF-8 and
// printable (letters, marks, numbers, punctuation, symbols and the ASCII
// space, as strconv.IsPrint says); otherwise it returns s quoted as Go's
// %q does, so control characters, line separators, format characters such
// as U+202E and invalid bytes are shown as escapes and the quotes show
// where the text starts and ends.
func Escape(s string) string {
	if Printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// Printable reports whether Escape would return s unchanged.
func Printable(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !strconv.IsPrint(r) {
			return false
		}
		i += n
	}
	return true
}
