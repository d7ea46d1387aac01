// Package bundle reads the archives that carry the APKs of one install:
// bundletool's .apks (splits/, standalones/, toc.pb), SAI and AppManager
// .apks (APKs at the top level beside meta.sai_v2.json, info.json,
// icon.png), APKPure's .xapk (manifest.json, config.*.apk, Android/obb/)
// and unencrypted APKMirror .apkm (info.json beside the APKs).
//
// A bundle is recognised by content, never by extension: a ZIP without a
// top-level AndroidManifest.xml whose entries include APKs (Detect). Read
// classifies the entries by the central directory alone and applies the
// limits before any part is inflated, so a bundle that claims huge or
// countless parts costs nothing but its central directory. Stored parts
// are then read in place through an io.SectionReader; deflated ones are
// inflated into memory up to a shared budget, and into a temporary file
// beyond it, with the declared size and CRC-32 enforced while inflating.
package bundle

import (
	"fmt"
	"path"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// Layout names the kind of bundle, from the metadata beside the APKs.
type Layout string

// The layouts Read recognises.
const (
	LayoutBundletool Layout = "bundletool-apks" // splits/, standalones/, toc.pb
	LayoutSAI        Layout = "sai-apks"        // meta.sai_v1/v2.json
	LayoutXAPK       Layout = "xapk"            // manifest.json
	LayoutAPKM       Layout = "apkm"            // info.json
	LayoutAPKs       Layout = "apks"            // APKs at the top level, no metadata
)

// Code is signer.Code: the bundle codes are declared there with the
// module's other public codes.
type Code = signer.Code

// Codes of Error.
const (
	CodeNotBundle     = signer.CodeBundleNoAPK
	CodeUnknownLayout = signer.CodeBundleUnknownLayout
	CodeEncrypted     = signer.CodeBundleEncrypted
	CodeUnsafeName    = signer.CodeBundleUnsafeName
	CodeNested        = signer.CodeBundleNested
	CodeTooManyParts  = signer.CodeBundleTooManyParts
	CodePartTooLarge  = signer.CodeBundlePartTooLarge
	CodeTooLarge      = signer.CodeBundleTooLarge
	CodePartRead      = signer.CodeBundlePartUnreadable
)

// Error says why a bundle or one of its parts was refused: the module's
// one refused-input type, so apkverify passes it on as it is and
// errors.Is(err, CodeNested) tests the class.
type Error = signer.Error

func errorf(c Code, entry, format string, args ...any) *Error {
	return &Error{Code: c, Entry: entry, Msg: fmt.Sprintf(format, args...)}
}

// Limits bound what a bundle may make the reader do.
type Limits struct {
	// MaxParts is the most APKs a bundle may hold (standalones included).
	MaxParts int
	// MaxPartSize is the largest uncompressed size of one APK.
	MaxPartSize int64
	// MaxTotalSize bounds the sum of the parts' uncompressed sizes.
	MaxTotalSize int64
	// MemoryBudget is how many bytes of inflated parts are held in memory
	// at once; deflated parts beyond it go to temporary files.
	MemoryBudget int64
}

// DefaultLimits are generous for real bundles (Play's largest sets hold
// a few hundred splits; an APK without ZIP64 stays below 4 GiB).
var DefaultLimits = Limits{
	MaxParts:     512,
	MaxPartSize:  1<<32 - 1,
	MaxTotalSize: 8 << 30,
	MemoryBudget: 128 << 20,
}

// maxDeflateRatio is the most a deflate stream can expand (each 258-byte
// match costs at least two bits, about 1032:1); a part claiming more is
// lying about its size.
const maxDeflateRatio = 1032

// Part is one APK of a bundle.
type Part struct {
	// Name is the entry name inside the bundle.
	Name string
	// Standalone is set for bundletool's standalone APKs (standalones/,
	// system/, universal.apk): complete APKs for devices without split
	// support, each an install of its own rather than a member of the set.
	Standalone bool

	entry *apkzip.Entry
}

// Size is the part's uncompressed size, as the central directory declares
// it (enforced when the part is read).
func (p *Part) Size() int64 { return p.entry.UncompressedSize }

// Bundle is a recognised bundle: its parts in central directory order and
// the entries that are not APKs.
type Bundle struct {
	Layout Layout
	Parts  []Part
	// Ignored are the entries that are not parts: metadata (toc.pb,
	// manifest.json, info.json, icon.png), OBB files, instant-app splits.
	Ignored []string
}

const manifestEntry = "AndroidManifest.xml"

// Detect reports whether an opened archive is a bundle rather than an
// APK: it has no top-level AndroidManifest.xml and holds at least one
// entry named *.apk.
func Detect(a *apkzip.Archive) bool {
	if a.Lookup(manifestEntry) != nil {
		return false
	}
	for _, e := range a.Entries() {
		if isAPKName(e.Name) {
			return true
		}
	}
	return false
}

func isAPKName(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".apk") && !strings.HasSuffix(name, "/")
}

// nestedBundleExts are the extensions of bundles; a bundle inside a
// bundle is refused, as no tool writes one.
var nestedBundleExts = []string{".apks", ".xapk", ".apkm", ".aab"}

// Read classifies the entries of a bundle and checks the limits. It reads
// nothing but the central directory already parsed by apkzip.Open.
func Read(a *apkzip.Archive, lim Limits) (*Bundle, error) {
	b := &Bundle{Layout: LayoutAPKs}
	has := func(n string) bool { return a.Lookup(n) != nil }
	bundletool := has("toc.pb")
	for _, e := range a.Entries() {
		if strings.HasPrefix(e.Name, "splits/") || strings.HasPrefix(e.Name, "standalones/") {
			bundletool = true
		}
	}
	switch {
	case bundletool:
		b.Layout = LayoutBundletool
	case has("manifest.json"):
		b.Layout = LayoutXAPK
	case has("meta.sai_v2.json") || has("meta.sai_v1.json"):
		b.Layout = LayoutSAI
	case has("info.json"):
		b.Layout = LayoutAPKM
	}

	var total int64
	for _, e := range a.Entries() {
		name := e.Name
		if err := checkName(name); err != nil {
			return nil, err
		}
		if e.Flags&1 != 0 {
			return nil, errorf(CodeEncrypted, name, "the bundle's entries are encrypted (an encrypted .apkm?); only unencrypted bundles can be verified")
		}
		lower := strings.ToLower(name)
		for _, ext := range nestedBundleExts {
			if strings.HasSuffix(lower, ext) {
				return nil, errorf(CodeNested, name, "a bundle inside a bundle: no tool writes one, so it is refused")
			}
		}
		if strings.HasSuffix(name, "/") || !isAPKName(name) {
			b.Ignored = append(b.Ignored, name)
			continue
		}
		standalone, ok := classify(b.Layout, name)
		if !ok {
			if strings.HasPrefix(name, "instant/") || strings.HasPrefix(name, "Android/obb/") {
				b.Ignored = append(b.Ignored, name)
				continue
			}
			return nil, errorf(CodeUnknownLayout, name, "an APK at a place no known bundle layout (%s) puts one", b.Layout)
		}
		if len(b.Parts) >= lim.MaxParts {
			return nil, errorf(CodeTooManyParts, name, "more than %d APKs", lim.MaxParts)
		}
		if e.UncompressedSize > lim.MaxPartSize {
			return nil, errorf(CodePartTooLarge, name, "the APK claims %d bytes, more than the limit of %d", e.UncompressedSize, lim.MaxPartSize)
		}
		if e.Method != apkzip.MethodStored && e.UncompressedSize > e.CompressedSize*maxDeflateRatio+1024 {
			return nil, errorf(CodePartTooLarge, name, "the APK claims %d bytes from %d compressed, more than deflate can expand to", e.UncompressedSize, e.CompressedSize)
		}
		total += e.UncompressedSize
		if total > lim.MaxTotalSize {
			return nil, errorf(CodeTooLarge, name, "the APKs claim more than %d bytes in all", lim.MaxTotalSize)
		}
		b.Parts = append(b.Parts, Part{Name: name, Standalone: standalone, entry: e})
	}
	if len(b.Parts) == 0 {
		return nil, errorf(CodeNotBundle, "", "no APK in the archive")
	}
	return b, nil
}

// classify says where an APK of this layout belongs: in the set, or as a
// standalone APK; ok is false for a place the layout never uses.
func classify(l Layout, name string) (standalone, ok bool) {
	dir := path.Dir(name)
	if l == LayoutBundletool {
		switch {
		case dir == "splits" || dir == "asset-slices":
			return false, true
		case dir == "standalones" || dir == "system" || dir == ".":
			// universal.apk sits at the top level.
			return true, true
		}
		return false, false
	}
	return false, dir == "."
}

// checkName refuses names that would escape a directory when extracted,
// or that different tools would read differently.
func checkName(name string) error {
	switch {
	case name == "", strings.HasPrefix(name, "/"), strings.Contains(name, "\\"),
		len(name) >= 2 && name[1] == ':', strings.ContainsRune(name, 0):
		return errorf(CodeUnsafeName, name, "an entry name that is absolute or not a plain relative path")
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return errorf(CodeUnsafeName, name, "an entry name with \"..\"")
		}
	}
	return nil
}
