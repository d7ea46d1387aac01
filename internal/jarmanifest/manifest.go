// Package jarmanifest parses JAR manifests (META-INF/MANIFEST.MF) and
// signature files (.SF) twice over: Parse with the rules of apksig's
// ManifestParser (what apksigner applies) and ParsePlatform with those of
// the phone's android.util.jar.StrictJarManifestReader. The v1 signature
// scheme verifier needs both readings; the scheme logic itself is not
// here.
package jarmanifest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Attribute is one "Name: value" line (continuations joined) of a JAR
// manifest or signature file.
type Attribute struct {
	Name  string
	Value string
}

// Section is one section of a JAR manifest or signature file: the main
// section or an individual (per-entry) section.
type Section struct {
	// Name is the value of the section's first attribute when that
	// attribute is called "Name" (in any letter case), else "". Android
	// treats an individual section without such a first attribute as
	// unnamed.
	Name string
	// Named reports whether the section's first attribute is "Name".
	Named bool
	// Offset and Length locate the section's bytes in the file, from its
	// first line up to and including the empty line that ends it. The
	// section digests in a .SF file are computed over exactly these bytes.
	Offset int
	Length int
	Attrs  []Attribute
}

// Get returns the value of the first attribute with this name, compared
// without regard to letter case, as apksig's ManifestParser does. (The
// platform's java.util.jar.Attributes keeps the last value, see
// ParsePlatform; the v1 verifier requires both readings to agree.)
func (s *Section) Get(name string) (string, bool) {
	if s == nil {
		return "", false
	}
	for i := range s.Attrs {
		if strings.EqualFold(s.Attrs[i].Name, name) {
			return s.Attrs[i].Value, true
		}
	}
	return "", false
}

// Manifest is a parsed META-INF/MANIFEST.MF or .SF file.
type Manifest struct {
	// Main is the main section; nil when the file holds no attribute at
	// all.
	Main *Section
	// Sections are the individual sections in file order.
	Sections []*Section
}

// Parse parses a JAR manifest or signature file with the rules
// of apksig's ManifestParser (what apksigner applies): lines end with CR
// LF, LF or a lone CR; a line starting with a space continues the previous
// attribute; sections are separated by empty lines, and a section's bytes
// end with the first empty line after it; an attribute's name ends at the
// first ": " (a line without one is an attribute with an empty value); the
// 72-byte line limit and the attribute-name grammar are not enforced.
//
// The phone's installer reads these files with the platform's
// StrictJarManifestReader instead, which differs (names are checked, a
// section runs up to the next one, the last value of a repeated name wins,
// an unterminated last line is dropped). apktrust's v1 verifier accepts a
// file only when both readings agree (ParsePlatform gives the platform's); this function gives apksig's.
//
// Hostile input is bounded: the file may not exceed MaxFileSize bytes
// and hold more than maxSections individual sections (when maxSections is
// positive); either limit yields a *LimitError wrapping ErrTooLarge or
// ErrTooManySections.
func Parse(data []byte, maxSections int) (*Manifest, error) {
	if len(data) > MaxFileSize {
		return nil, &LimitError{Err: ErrTooLarge, Msg: fmt.Sprintf("file of %d bytes exceeds the %d-byte limit", len(data), MaxFileSize)}
	}
	p := parser{s: string(data)}
	// Every attribute takes a line and every section but the last ends
	// with an empty one: the first slabs are no bigger than the input can
	// fill, so a small app's few sections cost a few hundred bytes, not
	// full slabs (two manifests' slabs were half of what verifying a 12 KiB
	// app allocated).
	lines := bytes.Count(data, []byte{'\n'}) + 1
	p.secHint, p.attrHint = min(lines/2+1, secSlab), min(lines, attrSlab)
	secHint := p.secHint // next takes p's for its first slab
	m := &Manifest{Main: p.next()}
	if m.Main == nil {
		return m, nil
	}
	for {
		sec := p.next()
		if sec == nil {
			return m, nil
		}
		if maxSections > 0 && len(m.Sections) >= maxSections {
			return nil, &LimitError{Err: ErrTooManySections, Msg: fmt.Sprintf("more than %d individual sections", maxSections)}
		}
		if m.Sections == nil {
			// The sections a small file's lines can hold, at once: not
			// by doubling (the hint is bounded by secSlab).
			m.Sections = make([]*Section, 0, secHint)
		}
		m.Sections = append(m.Sections, sec)
	}
}

// MaxFileSize bounds the size of MANIFEST.MF and .SF files the parsers
// accept (and the v1 verifier reads into memory). Real manifests of apps
// with tens of thousands of entries take a few megabytes.
const MaxFileSize = 64 << 20

type parser struct {
	s   string
	off int
	// Sections and attributes are carved out of slabs: a manifest has one
	// section per entry, and allocating each separately dominated the cost
	// of parsing big manifests.
	secs  []Section
	attrs []Attribute
	// secHint and attrHint size the first slabs (0: full size).
	secHint, attrHint int
}

// Slab sizes, in sections and attributes.
const (
	secSlab  = 256
	attrSlab = 1024
)

// line returns the next line without its terminator and the offset just
// past the terminator; ok is false at the end of input.
func (p *parser) line() (l string, ok bool) {
	if p.off >= len(p.s) {
		return "", false
	}
	rest := p.s[p.off:]
	i := strings.IndexAny(rest, "\r\n")
	if i < 0 {
		p.off = len(p.s)
		return rest, true
	}
	n := i + 1
	if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
		n++
	}
	p.off += n
	return rest[:i], true
}

// next returns the next section, or nil at the end of input. Empty lines
// before a section are skipped and not part of it; the empty line that ends
// a section is.
func (p *parser) next() *Section {
	var start int
	var first string
	for {
		start = p.off
		l, ok := p.line()
		if !ok {
			return nil
		}
		if l != "" {
			first = l
			break
		}
	}
	if len(p.secs) == cap(p.secs) {
		n := secSlab
		if p.secHint > 0 {
			n, p.secHint = p.secHint, 0
		}
		p.secs = make([]Section, 0, n)
	}
	p.secs = p.secs[:len(p.secs)+1]
	sec := &p.secs[len(p.secs)-1]
	sec.Offset = start
	if cap(p.attrs)-len(p.attrs) < 16 {
		n := attrSlab
		if p.attrHint > 0 {
			// Room for every line and the reserve the check above keeps.
			n, p.attrHint = p.attrHint+16, 0
		}
		p.attrs = make([]Attribute, 0, n)
	}
	attrStart := len(p.attrs)
	cur := first
	var joined []byte // non-nil while cur has continuation lines appended
	flush := func() {
		a := cur
		if joined != nil {
			a = string(joined)
			joined = nil
		}
		p.attrs = append(p.attrs, parseAttr(a))
	}
	for {
		l, ok := p.line()
		if !ok || l == "" {
			flush()
			break
		}
		if l[0] == ' ' {
			if joined == nil {
				joined = append(make([]byte, 0, len(cur)+len(l)), cur...)
			}
			joined = append(joined, l[1:]...)
			continue
		}
		flush()
		cur = l
	}
	sec.Length = p.off - start
	// Clip capacity so that no later append can write into the next
	// section's attributes.
	sec.Attrs = p.attrs[attrStart:len(p.attrs):len(p.attrs)]
	if strings.EqualFold(sec.Attrs[0].Name, "Name") {
		sec.Name, sec.Named = sec.Attrs[0].Value, true
	}
	return sec
}

// parseAttr splits an attribute at the first ": ". Android keeps any
// other spaces (obfuscators put trailing spaces in names), so this does
// too. Bytes that are not UTF-8 become U+FFFD, as Java's decoder makes
// them.
func parseAttr(a string) Attribute {
	if !utf8.ValidString(a) {
		a = javaUTF8(a)
	}
	if i := strings.Index(a, ": "); i >= 0 {
		return Attribute{Name: a[:i], Value: a[i+2:]}
	}
	return Attribute{Name: a}
}

// javaUTF8 replaces every byte that does not start a valid UTF-8 sequence
// with U+FFFD.
func javaUTF8(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// Sentinels for the input limits of Parse, for errors.Is.
var (
	ErrTooLarge        = errors.New("jarmanifest: file too large")
	ErrTooManySections = errors.New("jarmanifest: too many sections")
)

// LimitError is an input refused by Parse for its size. Err is
// ErrTooLarge or ErrTooManySections; Msg gives the figures.
type LimitError struct {
	Err error
	Msg string
}

func (e *LimitError) Error() string { return e.Err.Error() + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *LimitError) Unwrap() error { return e.Err }
