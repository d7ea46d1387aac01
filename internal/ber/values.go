package ber

import (
	"math/big"
	"strconv"
)

// Readers of element values, shared by PKCS #7 and certificate parsing.
// depth is the nesting depth of e, for the MaxDepth bound.

// Children returns the elements a constructed element contains.
func Children(e Element, depth int) ([]Element, error) {
	if !e.Constructed {
		return nil, errorf("expected a constructed element")
	}
	// Two walks, so the result is allocated once at its size: growing it
	// by appending allocated about twice the bytes, and PKCS #7 and
	// certificate parsing call this for every SEQUENCE and SET they read.
	n := 0
	for rest := e.Content; len(rest) > 0; n++ {
		_, r, err := Read(rest, depth+1)
		if err != nil {
			return nil, err
		}
		rest = r
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]Element, 0, n)
	for rest := e.Content; len(rest) > 0; {
		c, r, _ := Read(rest, depth+1)
		out = append(out, c)
		rest = r
	}
	return out, nil
}

// AppendChildren appends the elements a constructed element contains to
// dst and returns the extended slice. Callers that only look at the
// children pass a small array's slice (var buf [8]Element; buf[:0]) so
// that reading a SEQUENCE allocates nothing.
func AppendChildren(dst []Element, e Element, depth int) ([]Element, error) {
	if !e.Constructed {
		return dst, errorf("expected a constructed element")
	}
	for rest := e.Content; len(rest) > 0; {
		c, r, err := Read(rest, depth+1)
		if err != nil {
			return dst, err
		}
		dst = append(dst, c)
		rest = r
	}
	return dst, nil
}

// Primitive returns the content of a primitive element of the given
// universal tag, joining the segments of a constructed (BER) encoding for
// string types.
func Primitive(e Element, tag int, depth int) ([]byte, error) {
	if e.Class != 0 || e.Tag != tag {
		return nil, errorf("expected universal tag %d, found class %d tag %d", tag, e.Class, e.Tag)
	}
	if !e.Constructed {
		return e.Content, nil
	}
	if tag != 4 && tag != 3 {
		return nil, errorf("constructed encoding of universal tag %d", tag)
	}
	parts, err := Children(e, depth)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, p := range parts {
		b, err := Primitive(p, tag, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// IsUniversal reports whether e has the universal class and this tag.
func IsUniversal(e Element, tag int) bool { return e.Class == 0 && e.Tag == tag }

// IsContext reports whether e has the context-specific class and this tag.
func IsContext(e Element, tag int) bool { return e.Class == 2 && e.Tag == tag }

// OID decodes an OBJECT IDENTIFIER into its dotted form.
func OID(e Element) (string, error) {
	c, err := Primitive(e, 6, 0)
	if err != nil {
		return "", err
	}
	if len(c) == 0 || len(c) > 256 {
		return "", errorf("bad OBJECT IDENTIFIER length %d", len(c))
	}
	// Built on the stack: a verification decodes a dozen OIDs, and only
	// the returned string need be allocated.
	var arcsBuf [32]uint64
	arcs := arcsBuf[:0]
	var v uint64
	for i, b := range c {
		if v > 1<<56 {
			return "", errorf("OBJECT IDENTIFIER arc too large")
		}
		v = v<<7 | uint64(b&0x7f)
		if b&0x80 == 0 {
			arcs = append(arcs, v)
			v = 0
		} else if i == len(c)-1 {
			return "", errorf("truncated OBJECT IDENTIFIER")
		}
	}
	var outBuf [128]byte
	out := outBuf[:0]
	first := arcs[0]
	switch {
	case first < 40:
		out = append(out, "0."...)
	case first < 80:
		out, first = append(out, "1."...), first-40
	default:
		out, first = append(out, "2."...), first-80
	}
	out = strconv.AppendUint(out, first, 10)
	for _, a := range arcs[1:] {
		out = append(out, '.')
		out = strconv.AppendUint(out, a, 10)
	}
	if s, ok := commonOIDs[string(out)]; ok {
		return s, nil // no allocation for the usual ones
	}
	return string(out), nil
}

// commonOIDs are the OIDs every APK signature names (PKCS #7 content
// types and attributes, digest, signature and key algorithms): a fixed
// table, so decoding one returns its constant instead of a new string.
var commonOIDs = func() map[string]string {
	m := map[string]string{}
	for _, o := range []string{
		"1.2.840.113549.1.7.1", "1.2.840.113549.1.7.2", // data, signedData
		"1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5", // contentType, messageDigest, signingTime
		"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11", // RSA, SHA1withRSA, SHA256withRSA
		"1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14", // SHA384/512/224withRSA
		"1.3.14.3.2.26", "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", // SHA-1, SHA-256, SHA-384
		"2.16.840.1.101.3.4.2.3", "2.16.840.1.101.3.4.2.4", // SHA-512, SHA-224
		"1.2.840.10045.2.1", "1.2.840.10045.4.1", "1.2.840.10045.4.3.2", // EC key, ECDSA with SHA-1, SHA-256
		"1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", // ECDSA with SHA-384, SHA-512
		"1.2.840.10040.4.1", "1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.2", // DSA, DSA with SHA-1, SHA-256
	} {
		m[o] = o
	}
	return m
}()

// Integer decodes an INTEGER (two's complement, any sign).
func Integer(e Element) (*big.Int, error) {
	c, err := Primitive(e, 2, 0)
	if err != nil {
		return nil, err
	}
	if len(c) == 0 {
		return nil, errorf("empty INTEGER")
	}
	n := new(big.Int).SetBytes(c)
	if c[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(c))*8))
	}
	return n, nil
}
