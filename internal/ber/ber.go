// Package ber reads BER (X.690) as Java, and so Android, accepts it:
// definite lengths in any (also non-minimal) form and indefinite lengths
// for constructed values, keeping every element's original bytes. The
// PKCS #7 signature blocks of v1 signatures and the lenient certificate
// parser are built on it.
package ber

import "fmt"

// Error is a malformed BER encoding. Msg says what was wrong.
type Error struct{ Msg string }

// Error returns "ber: " and the message.
func (e *Error) Error() string { return "ber: " + e.Msg }

func errorf(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// MaxDepth bounds how deeply elements may nest; X.509 and PKCS #7 need
// about a dozen levels.
const MaxDepth = 32

// Element is one BER-encoded element. Raw is its whole original encoding
// (identifier, length and content; for indefinite lengths, up to and
// including the end-of-contents octets) and Content its content octets
// (without the end-of-contents octets).
type Element struct {
	Class       int // 0 universal, 1 application, 2 context-specific, 3 private
	Tag         int
	Constructed bool
	Raw         []byte
	Content     []byte
	// tagLen is the length of the identifier octets; indefinite is set
	// for the indefinite-length form.
	tagLen     int
	indefinite bool
}

// Read reads one element from the start of b and returns it with the
// bytes that follow it. Lengths are checked against what remains before
// anything is sliced.
func Read(b []byte, depth int) (Element, []byte, error) {
	var e Element
	if depth > MaxDepth {
		return e, nil, errorf("elements nested deeper than %d", MaxDepth)
	}
	if len(b) < 2 {
		return e, nil, errorf("truncated element")
	}
	id := b[0]
	e.Class = int(id >> 6)
	e.Constructed = id&0x20 != 0
	e.Tag = int(id & 0x1f)
	pos := 1
	if e.Tag == 0x1f {
		e.Tag = 0
		for i := 0; ; i++ {
			if pos >= len(b) || i >= 4 {
				return e, nil, errorf("bad high tag number")
			}
			c := b[pos]
			pos++
			e.Tag = e.Tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if pos >= len(b) {
		return e, nil, errorf("truncated length")
	}
	e.tagLen = pos
	l := int(b[pos])
	pos++
	if l == 0x80 {
		// Indefinite length: the content is a series of elements closed by
		// two zero octets. Only constructed encodings may use it.
		if !e.Constructed {
			return e, nil, errorf("indefinite length on a primitive element")
		}
		start := pos
		rest := b[pos:]
		for {
			if len(rest) < 2 {
				return e, nil, errorf("missing end-of-contents")
			}
			if rest[0] == 0 && rest[1] == 0 {
				end := len(b) - len(rest)
				e.Content = b[start:end]
				e.Raw = b[:end+2]
				e.indefinite = true
				return e, rest[2:], nil
			}
			var err error
			if _, rest, err = Read(rest, depth+1); err != nil {
				return e, nil, err
			}
		}
	}
	if l > 0x80 {
		n := l & 0x7f
		if n > 4 {
			return e, nil, errorf("length of %d octets", n)
		}
		if len(b)-pos < n {
			return e, nil, errorf("truncated length")
		}
		l = 0
		for i := 0; i < n; i++ {
			l = l<<8 | int(b[pos+i])
		}
		pos += n
		if l < 0 {
			return e, nil, errorf("negative length")
		}
	}
	if l > len(b)-pos {
		return e, nil, errorf("element of %d bytes runs past the %d that remain", l, len(b)-pos)
	}
	e.Content = b[pos : pos+l]
	e.Raw = b[:pos+l]
	return e, b[pos+l:], nil
}

// JavaDefinite returns the element at the start of raw re-encoded the way
// OpenJDK's sun.security.util.DerValue.toByteArray writes a value read
// from it, with its identifier octets replaced by tag: the outer length
// becomes definite and minimal, and a DerValue read from an
// indefinite-length encoding has been rewritten by DerIndefLenConverter,
// so every indefinite-length element reached through indefinite-length
// parents gets a definite, minimal length and loses its end-of-contents
// octets, and the definite-length children of such elements get their
// length re-encoded minimally with their content copied as is. Bytes after
// the element are ignored.
func JavaDefinite(raw []byte, tag byte) ([]byte, error) {
	e, _, err := Read(raw, 0)
	if err != nil {
		return nil, err
	}
	content, err := javaContent(e, 0)
	if err != nil {
		return nil, err
	}
	return AppendTLV([]byte{tag}, content), nil
}

// javaContent is an element's content after DerIndefLenConverter:
// unchanged for a definite-length element, rebuilt child by child for an
// indefinite-length one.
func javaContent(e Element, depth int) ([]byte, error) {
	if !e.indefinite {
		return e.Content, nil
	}
	var out []byte
	rest := e.Content
	for len(rest) > 0 {
		c, r, err := Read(rest, depth+1)
		if err != nil {
			return nil, err
		}
		inner, err := javaContent(c, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, AppendTLV(c.Raw[:c.tagLen], inner)...)
		rest = r
	}
	return out, nil
}

// AppendTLV encodes identifier octets, a minimal definite length and
// the content.
func AppendTLV(tag, content []byte) []byte {
	out := append([]byte(nil), tag...)
	n := len(content)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		var lb []byte
		for v := n; v > 0; v >>= 8 {
			lb = append([]byte{byte(v)}, lb...)
		}
		out = append(out, 0x80|byte(len(lb)))
		out = append(out, lb...)
	}
	return append(out, content...)
}
