package jarmanifest

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// This file reads MANIFEST.MF and .SF files the way the phone's installer
// does: android.util.jar.StrictJarManifestReader (platform_frameworks_base,
// core/java/android/util/jar/), which java.util.jar.Attributes backs. The
// other reader, Parse, follows apksig's ManifestParser. The v1 verdict
// needs both: a file is trusted only when the two readings agree, and each
// rule below is the platform's, cited where it is implemented.

// PlatformError is a refusal by the platform's reader. Fatal is set when
// the platform fails with a RuntimeException rather than an IOException:
// StrictJarVerifier catches only IOException from the .SF reader (and
// then ignores that signer), so a RuntimeException fails the whole APK.
type PlatformError struct {
	Msg   string
	Fatal bool
}

func (e *PlatformError) Error() string { return e.Msg }

// Chunk is the byte range of one individual section of the
// manifest (StrictJarManifest.Chunk): from its Name line up to the start
// of the next section, so every blank line after a section belongs to it.
type Chunk struct{ Start, End int }

// PlatformFile is a manifest or .SF as the platform reads it.
type PlatformFile struct {
	// Main holds the main attributes, last value winning
	// (java.util.jar.Attributes is a map keyed by Attributes.Name, whose
	// equals ignores letter case; put replaces).
	Main Attrs
	// MainEnd is StrictJarManifestReader.getEndOfMainSection(): the offset
	// after the main section and all the blank lines that follow it.
	MainEnd int
	// Entries maps each section's Name value to its attributes. In a .SF
	// (readEntries with chunks == null) sections repeating a name are
	// merged into one Attributes, later values winning.
	Entries map[string]Attrs
	// Chunks is set for a manifest only (readEntries with chunks).
	Chunks map[string]Chunk
	// Order lists entry names in first-appearance order, for messages.
	Order []string
}

// Attrs is a java.util.jar.Attributes: names compared without regard
// to ASCII letter case, last put wins. Names are stored lower-cased. The
// zero Attrs is empty and ready to use.
//
// A section holds a handful of attributes (one digest per entry in a
// signed APK), so they are kept as a list, slices of one array per file,
// rather than a map per section; past attrsMapMin names a map indexes
// them, so a hostile section of many attributes costs no quadratic time.
type Attrs struct {
	kv  []attr
	idx map[string]int // name -> index in kv, once len(kv) > attrsMapMin
}

type attr struct{ name, value string }

const attrsMapMin = 16

// Len returns the number of distinct names.
func (a Attrs) Len() int { return len(a.kv) }

// Get returns the value of name, compared without regard to letter case.
func (a Attrs) Get(name string) (string, bool) {
	// The verifier looks up constant ASCII names ("SHA-256-Digest") for
	// every entry: lower-case them on the stack rather than allocating a
	// lower-cased copy per lookup.
	var buf [64]byte
	if len(name) <= len(buf) {
		b := buf[:len(name)]
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c >= utf8.RuneSelf {
				b = nil // strings.ToLower's Unicode rules below
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		if b != nil {
			return a.lookup(b)
		}
	}
	return a.lookup([]byte(strings.ToLower(name)))
}

func (a Attrs) lookup(key []byte) (string, bool) {
	if a.idx != nil {
		if i, ok := a.idx[string(key)]; ok {
			return a.kv[i].value, true
		}
		return "", false
	}
	for i := range a.kv {
		if a.kv[i].name == string(key) {
			return a.kv[i].value, true
		}
	}
	return "", false
}

// put sets the lower-cased name key to value, replacing an earlier value
// (Attributes.put).
func (a *Attrs) put(key, value string) {
	if a.idx != nil {
		if i, ok := a.idx[key]; ok {
			a.kv[i].value = value
			return
		}
	} else {
		for i := range a.kv {
			if a.kv[i].name == key {
				a.kv[i].value = value
				return
			}
		}
	}
	a.kv = append(a.kv, attr{key, value})
	switch {
	case a.idx != nil:
		a.idx[key] = len(a.kv) - 1
	case len(a.kv) > attrsMapMin:
		a.idx = make(map[string]int, len(a.kv))
		for i, x := range a.kv {
			a.idx[x.name] = i
		}
	}
}

// Map returns the attributes as a map of lower-cased names to values.
func (a Attrs) Map() map[string]string {
	m := make(map[string]string, len(a.kv))
	for _, x := range a.kv {
		m[x.name] = x.value
	}
	return m
}

// platformReader is StrictJarManifestReader's state machine.
type platformReader struct {
	buf []byte
	// str is buf as one string, made once: a one-line value (nearly
	// all of them) is a substring of it instead of a string of its own.
	str string
	pos int
	// breaks is consecutiveLineBreaks: line breaks seen since the last
	// byte of a value, CR LF counting once.
	breaks int
	name   []byte // the attribute name, a slice of buf
	value  string
	// free is the unused end of the array the file's sections share:
	// a new section's attributes are appended there (see carve).
	free []attr
}

// carve ends a new section whose attributes were appended to r.free: the
// array's rest stays free for the next section, and the section's own
// capacity ends with it, so a later section of the same name (a .SF
// merges them) appends to a copy instead of over the next section.
func (r *platformReader) carve(a *Attrs) {
	n := len(a.kv)
	r.free = a.kv[n:n]
	a.kv = a.kv[:n:n]
}

// maxReservedAttrs caps the attributes ParsePlatform reserves room for up
// front; a file with more grows the array as it goes.
const maxReservedAttrs = 1024

var colon = []byte{':'}

// ParsePlatform reads a manifest (isManifest: sections must have
// unique names, their chunks are recorded) or a .SF file. It returns a
// *PlatformError where the platform throws.
func ParsePlatform(buf []byte, isManifest bool, maxSections int) (*PlatformFile, error) {
	if len(buf) > MaxFileSize {
		return nil, &PlatformError{Msg: "file too large", Fatal: true}
	}
	r := &platformReader{buf: buf, str: string(buf)}
	// Every attribute has a ": ", so the count of colons bounds the
	// attributes (one byte is counted several times faster than a
	// two-byte string); capped, so a hostile file of colons reserves
	// little.
	r.free = make([]attr, 0, min(bytes.Count(buf, colon), maxReservedAttrs))
	f := &PlatformFile{Entries: map[string]Attrs{}}
	if isManifest {
		f.Chunks = map[string]Chunk{}
	}
	// Constructor: while (readHeader()) main.put(name, value);
	// endOfMainSection = pos.
	f.Main.kv = r.free
	for {
		ok, err := r.readHeader()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		f.Main.put(r.key(), r.value)
	}
	r.carve(&f.Main)
	f.MainEnd = r.pos
	// readEntries.
	mark := r.pos
	for {
		ok, err := r.readHeader()
		if err != nil {
			return nil, err
		}
		if !ok {
			return f, nil
		}
		// "Entry is not named": the first attribute of an individual
		// section must be Name (Attributes.Name.equals ignores case).
		if !bytes.EqualFold(r.name, nameAttr) {
			return nil, &PlatformError{Msg: "entry is not named"}
		}
		entryName := r.value
		attrs, seen := f.Entries[entryName]
		if !seen {
			if maxSections > 0 && len(f.Entries) >= maxSections {
				return nil, &PlatformError{Msg: "too many sections", Fatal: true}
			}
			attrs.kv = r.free
			if f.Order == nil {
				// Room for a small app's entries at once, not by doubling.
				f.Order = make([]string, 0, 16)
			}
			f.Order = append(f.Order, entryName)
		}
		for {
			ok, err := r.readHeader()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			attrs.put(r.key(), r.value)
		}
		if !seen {
			r.carve(&attrs)
		}
		if isManifest {
			// "A jar verifier does not support more than one entry with
			// the same name": thrown for the manifest only.
			if _, dup := f.Chunks[entryName]; dup {
				return nil, &PlatformError{Msg: "more than one section named " + entryName}
			}
			f.Chunks[entryName] = Chunk{mark, r.pos}
			mark = r.pos
		}
		f.Entries[entryName] = attrs
	}
}

// readHeader reads one attribute. It returns false at a section break
// (a blank line, consumed here) and for a last line without a line
// ending: "if the last line break is missed, the line is ignored by the
// reference implementation".
func (r *platformReader) readHeader() (bool, error) {
	if r.breaks > 1 {
		r.breaks = 0
		return false, nil
	}
	if err := r.readName(); err != nil {
		return false, err
	}
	r.breaks = 0
	if err := r.readValue(); err != nil {
		return false, err
	}
	return r.breaks > 0, nil
}

// readName scans to the next ':' wherever it is, across line breaks: a
// line without ": " is joined with what follows and then fails the name
// check. The byte after ':' must be a space ("Invalid value for
// attribute"); a ':' as the last byte makes the platform index past the
// buffer (ArrayIndexOutOfBoundsException, fatal). Without any ':' left the
// name is unchanged and readValue finds nothing, ending the section.
func (r *platformReader) readName() error {
	mark := r.pos
	for r.pos < len(r.buf) {
		c := r.buf[r.pos]
		r.pos++
		if c != ':' {
			continue
		}
		name := r.buf[mark : r.pos-1]
		if r.pos >= len(r.buf) {
			return &PlatformError{Msg: "':' at the end of the file", Fatal: true}
		}
		next := r.buf[r.pos]
		r.pos++
		if next != ' ' {
			return &PlatformError{Msg: "invalid value for attribute " + quote(name)}
		}
		if !jarValidAttrName(name) {
			return &PlatformError{Msg: "invalid attribute name " + quote(name)}
		}
		r.name = name
		return nil
	}
	return nil
}

// jarValidAttrName is java.util.jar.Attributes.Name's check: 1 to 70
// characters, each an ASCII letter, digit, '_' or '-'. (The name is
// decoded as US-ASCII first, so any other byte fails too.)
func jarValidAttrName(b []byte) bool {
	if len(b) == 0 || len(b) > 70 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// readValue reads a value up to a line break followed by anything but a
// space, byte for byte as the platform does. A NUL anywhere in a value is
// an IOException ("NUL character in a manifest"). CR counts as a line
// break; LF too, unless it follows a CR already counted (and that "after
// a CR" flag is cleared only by such an LF, so after a CR, a continuation
// and more text, the next LF is not counted and the value runs on into
// the next line). A space right after exactly one line break continues
// the value, the break and the space dropped. Any other byte after one or
// more breaks ends the value and is left for the next name; two or more
// breaks end the section too. A continuation line holding only its space
// leaves the value's end before its start, and ByteArrayOutputStream.write
// throws IndexOutOfBoundsException, a RuntimeException that fails the APK
// even from a .SF. The value is decoded as UTF-8, malformed bytes becoming
// U+FFFD.
func (r *platformReader) readValue() error {
	lastCR := false
	mark, last := r.pos, r.pos
	// val gathers a value with continuation lines; a one-line value, the
	// usual case, is converted straight from buf.
	var val []byte
	for r.pos < len(r.buf) {
		c := r.buf[r.pos]
		r.pos++
		switch c {
		case 0:
			return &PlatformError{Msg: "NUL character in a manifest"}
		case '\n':
			if lastCR {
				lastCR = false
			} else {
				r.breaks++
			}
			continue
		case '\r':
			lastCR = true
			r.breaks++
			continue
		case ' ':
			if r.breaks == 1 {
				if last < mark {
					return errEmptyContinuation
				}
				val = append(val, r.buf[mark:last]...)
				mark = r.pos
				r.breaks = 0
				continue
			}
		}
		if r.breaks >= 1 {
			r.pos--
			break
		}
		last = r.pos
	}
	if last < mark {
		return errEmptyContinuation
	}
	if val == nil {
		val = r.buf[mark:last]
		if utf8.Valid(val) {
			r.value = r.str[mark:last]
			return nil
		}
	} else {
		val = append(val, r.buf[mark:last]...)
	}
	if utf8.Valid(val) {
		r.value = string(val)
	} else {
		r.value = javaUTF8(string(val))
	}
	return nil
}

var nameAttr = []byte("Name")

// key returns the attribute name lower-cased, the Attrs key. Names are
// ASCII (jarValidAttrName), so lower-casing them byte by byte is
// strings.ToLower; the names a signer writes come from a fixed set of
// constants instead of one allocation per attribute.
func (r *platformReader) key() string {
	var buf [70]byte // jarValidAttrName: at most 70 bytes
	b := buf[:len(r.name)]
	for i, c := range r.name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	if k, ok := commonKeys[string(b)]; ok {
		return k
	}
	return string(b)
}

// commonKeys interns the lower-cased attribute names of signed APKs.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"name", "manifest-version", "signature-version", "created-by", "built-by",
		"x-android-apk-signed",
		"sha-256-digest", "sha1-digest", "sha-1-digest", "sha-384-digest", "sha-512-digest", "md5-digest",
		"sha-256-digest-manifest", "sha1-digest-manifest", "sha-1-digest-manifest", "sha-384-digest-manifest", "sha-512-digest-manifest",
		"sha-256-digest-manifest-main-attributes", "sha1-digest-manifest-main-attributes",
		"sha-384-digest-manifest-main-attributes", "sha-512-digest-manifest-main-attributes",
	} {
		m[k] = k
	}
	return m
}()

var errEmptyContinuation = &PlatformError{Msg: "empty continuation line (IndexOutOfBoundsException on the platform)", Fatal: true}

// quote quotes b for messages, escaping what is not printable.
func quote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[c>>4])
			sb.WriteByte("0123456789abcdef"[c&15])
			continue
		}
		sb.WriteByte(c)
	}
	sb.WriteByte('"')
	return sb.String()
}
