package signer

// The BER reader shared by the PKCS #7 signature blocks of v1 signatures
// and the lenient certificate parser: both must accept the BER that Java
// (and so Android) accepts, and keep every element's original bytes.

// berMaxDepth bounds how deeply elements may nest; X.509 and PKCS #7 need
// about a dozen levels.
const berMaxDepth = 32

// berElement is one BER-encoded element. Raw is its whole original encoding
// (identifier, length and content; for indefinite lengths, up to and
// including the end-of-contents octets) and Content its content octets
// (without the end-of-contents octets).
type berElement struct {
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

// readBER reads one element from the start of b and returns it with the
// bytes that follow it. Lengths are checked against what remains before
// anything is sliced.
func readBER(b []byte, depth int) (berElement, []byte, error) {
	var e berElement
	if depth > berMaxDepth {
		return e, nil, pkcs7Errorf("elements nested deeper than %d", berMaxDepth)
	}
	if len(b) < 2 {
		return e, nil, pkcs7Errorf("truncated element")
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
				return e, nil, pkcs7Errorf("bad high tag number")
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
		return e, nil, pkcs7Errorf("truncated length")
	}
	e.tagLen = pos
	l := int(b[pos])
	pos++
	if l == 0x80 {
		// Indefinite length: the content is a series of elements closed by
		// two zero octets. Only constructed encodings may use it.
		if !e.Constructed {
			return e, nil, pkcs7Errorf("indefinite length on a primitive element")
		}
		start := pos
		rest := b[pos:]
		for {
			if len(rest) < 2 {
				return e, nil, pkcs7Errorf("missing end-of-contents")
			}
			if rest[0] == 0 && rest[1] == 0 {
				end := len(b) - len(rest)
				e.Content = b[start:end]
				e.Raw = b[:end+2]
				e.indefinite = true
				return e, rest[2:], nil
			}
			var err error
			if _, rest, err = readBER(rest, depth+1); err != nil {
				return e, nil, err
			}
		}
	}
	if l > 0x80 {
		n := l & 0x7f
		if n > 4 {
			return e, nil, pkcs7Errorf("length of %d octets", n)
		}
		if len(b)-pos < n {
			return e, nil, pkcs7Errorf("truncated length")
		}
		l = 0
		for i := 0; i < n; i++ {
			l = l<<8 | int(b[pos+i])
		}
		pos += n
		if l < 0 {
			return e, nil, pkcs7Errorf("negative length")
		}
	}
	if l > len(b)-pos {
		return e, nil, pkcs7Errorf("element of %d bytes runs past the %d that remain", l, len(b)-pos)
	}
	e.Content = b[pos : pos+l]
	e.Raw = b[:pos+l]
	return e, b[pos+l:], nil
}

// berPlatformSignedAttrs returns the bytes Android 7.0 and later verify a
// SignerInfo's signature over when it has signed attributes: OpenJDK's
// sun.security.pkcs code (PKCS9Attributes.decode) takes the attributes'
// DerValue, re-encodes it with the SET OF tag and a minimal length
// (DerValue.toByteArray), and a DerValue read from an indefinite-length
// encoding has been rewritten by DerIndefLenConverter: every
// indefinite-length element reached through indefinite-length parents
// gets a definite, minimal length and loses its end-of-contents octets,
// and the definite-length children of such elements get their length
// re-encoded minimally with their content copied as is. apksig instead
// verifies the original bytes with only the tag changed; where the two
// differ, the platform's form is the one that counts (issue 13).
func berPlatformSignedAttrs(raw []byte) ([]byte, error) {
	e, _, err := readBER(raw, 0)
	if err != nil {
		return nil, err
	}
	content, err := berPlatformContent(e, 0)
	if err != nil {
		return nil, err
	}
	return berAppendTLV([]byte{0x31}, content), nil
}

// berPlatformContent is an element's content after DerIndefLenConverter:
// unchanged for a definite-length element, rebuilt child by child for an
// indefinite-length one.
func berPlatformContent(e berElement, depth int) ([]byte, error) {
	if !e.indefinite {
		return e.Content, nil
	}
	var out []byte
	rest := e.Content
	for len(rest) > 0 {
		c, r, err := readBER(rest, depth+1)
		if err != nil {
			return nil, err
		}
		inner, err := berPlatformContent(c, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, berAppendTLV(c.Raw[:c.tagLen], inner)...)
		rest = r
	}
	return out, nil
}

// berAppendTLV encodes identifier octets, a minimal definite length and
// the content.
func berAppendTLV(tag, content []byte) []byte {
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
