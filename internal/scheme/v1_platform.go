package scheme

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// The phone's installer does not run apksig: it reads v1 signatures with
// android.util.jar.StrictJarFile / StrictJarVerifier /
// StrictJarManifestReader (platform_frameworks_base,
// core/java/android/util/jar/) and ApkSignatureVerifier's v1 path, which
// differ from apksig's V1SchemeVerifier on several shapes. VerifyV1 first
// reaches apksig's verdict (v1.go); when that verifies, checkPlatform
// replays the platform's reading and the file keeps its verdict only if
// the platform would also accept it with, for every entry, the same
// signer set. A signer one reader ignores and the other uses, or fails the
// APK on, therefore fails the file.

// v1PlatformUse is what StrictJarVerifier.verifyCertificate does with a
// signer whose block verified.
type v1PlatformUse int

const (
	v1PlatformUsed    v1PlatformUse = iota // signatures.put(sf, entries)
	v1PlatformIgnored                      // an early return
	v1PlatformFatal                        // a SecurityException / RuntimeException
)

// checkPlatform applies the platform's rules to a file apksig's rules
// accepted. all are every signer whose block verified (apksig's ignored
// signers included); used are the signers apksig counts.
func (v *v1Verifier) checkPlatform(mfBytes []byte, entries []*apkzip.Entry, mfSections map[string]*jarmanifest.Section, all, used []*v1Signer) {
	maxSections := len(entries) + 64
	// StrictJarFile's constructor: new StrictJarManifest(bytes, true);
	// any IOException there fails the APK.
	mf, err := jarmanifest.ParsePlatform(mfBytes, true, maxSections)
	if err != nil {
		v.schemeErr(CodeJarPlatformManifest, "%s as the platform reads it: %v", v1ManifestName, err)
		return
	}
	// "File X in manifest does not exist" (StrictJarFile looks every
	// name up among all entries, directories included).
	names := make(map[string]bool, len(entries))
	for _, e := range v.a.Entries() {
		names[e.Name] = true
	}
	for _, n := range mf.Order {
		if !names[n] {
			v.schemeErr(CodeJarPlatformManifest, "%s names %q as the platform reads it, and the APK has no such entry", v1ManifestName, n)
			return
		}
	}

	// certificates.put(signatureFile, chain) is keyed by the .SF name: two
	// blocks sharing one .SF (CERT.RSA and CERT.DSA) leave the chain of
	// whichever the HashMap visits last, where apksig counts both.
	bySF := map[string][32]byte{}
	for _, s := range all {
		c := s.certChain[0].SHA256
		if prev, ok := bySF[s.sf.Name]; ok && prev != c {
			v.schemeErr(CodeJarPlatformSigners, "two signature blocks with different signers share %q; the platform keeps one of them, in hash order", s.sf.Name)
			return
		}
		bySF[s.sf.Name] = c
	}

	// readCertificates: every block with a .SF; a fatal signer fails the
	// APK whatever apksig made of it.
	platEntries := map[*v1Signer]map[string]jarmanifest.Attrs{}
	for _, s := range all {
		use, why, ents := v.platformSigner(s, mf, mfBytes, maxSections)
		switch use {
		case v1PlatformFatal:
			v.schemeErr(CodeJarPlatformSigFile, "the platform refuses the APK on %q: %s", s.sf.Name, why)
			return
		case v1PlatformUsed:
			platEntries[s] = ents
		}
	}

	// ApkSignatureVerifier: every entry outside META-INF/ (for a plain JAR,
	// every entry but the signature files) must carry
	// certificates, all the same set (Signature.areExactMatch compares
	// the sets of signing certificates). apksig's set is that of used.
	want := v1CertSet(used)
	got := make([][32]byte, 0, len(all))
	for _, e := range entries {
		if v.unsignedEntry(e.Name) {
			continue
		}
		attrs, ok := mf.Entries[e.Name]
		// initEntry: no section, or (from API 18) no digest attribute it
		// knows, means the entry is unsigned. Older platforms' pick is
		// apksig's legacy one, which v1.go checks.
		if !ok {
			v.schemeErr(CodeJarPlatformSigners, "%q has no section in %s as the platform reads it, so it is unsigned there", e.Name, v1ManifestName)
			return
		}
		if v.maxSDK >= SDKJellyBeanMR2 {
			hash, val, ok := v1PlatformDigest(attrs, "-Digest")
			if !ok {
				v.schemeErr(CodeJarPlatformSigners, "%q has no digest in %s as the platform reads it, so it is unsigned there", e.Name, v1ManifestName)
				return
			}
			// The digest apksig verified must be the one the platform
			// checks.
			if h, av, ok := v1ApksigModernDigest(mfSections[e.Name], "-Digest"); !ok || h != hash || av != val {
				v.schemeErr(CodeJarPlatformDigest, "the platform checks the %[2]s digest %[3]q of %[1]q in %[4]s, apksig another", e.Name, hash, val, v1ManifestName)
				return
			}
		}
		got = got[:0]
		for _, s := range all {
			if ents, ok := platEntries[s]; ok {
				if _, named := ents[e.Name]; named {
					got = append(got, s.certChain[0].SHA256)
				}
			}
		}
		if !v1SameCertSet(got, want) {
			var gotNames []string
			for _, s := range all {
				if ents, ok := platEntries[s]; ok {
					if _, named := ents[e.Name]; named {
						gotNames = append(gotNames, s.name)
					}
				}
			}
			v.schemeErr(CodeJarPlatformSigners, "%q is signed by [%s] as the platform reads the signatures, by %s as apksig does",
				e.Name, strings.Join(gotNames, ", "), v1SignerNames(used))
			return
		}
	}
}

// platformSigner replays StrictJarVerifier.verifyCertificate after the
// block verified (a failing block fails the APK in both readers, and
// apksig's pass has refused it already). It returns what the platform does
// with the signer, why, and the .SF's entries (merged by name) when used.
func (v *v1Verifier) platformSigner(s *v1Signer, mf *jarmanifest.PlatformFile, mfBytes []byte, maxSections int) (v1PlatformUse, string, map[string]jarmanifest.Attrs) {
	sf, err := jarmanifest.ParsePlatform(s.sfBytes, false, maxSections)
	if err != nil {
		// Only IOException is caught ("return"): the signer is ignored.
		if pe, ok := err.(*jarmanifest.PlatformError); ok && pe.Fatal {
			return v1PlatformFatal, pe.Msg, nil
		}
		return v1PlatformIgnored, err.Error(), nil
	}
	// Stripping protection comes before the Signature-Version check: a
	// .SF without a version but naming a stripped scheme fails the APK.
	// That order is why the rule is the JAR verifier's and not judged
	// afterwards from the scheme results: it needs only the container's
	// blocks (V1Options.Blocks), known before any scheme runs.
	if v.maxSDK >= SDKNougat {
		if hdr, ok := sf.Main.Get("X-Android-APK-Signed"); ok {
			for _, id := range v1JavaSchemeIDs(hdr) {
				switch v.stripVerdict(id) {
				case v1StripUnreadable:
					return v1PlatformFatal, fmt.Sprintf("X-Android-APK-Signed token %q is not ASCII", id.text), nil
				case v1StripMissing:
					return v1PlatformFatal, fmt.Sprintf("X-Android-APK-Signed names %s, which was not found (stripped?)", v.supported[id.id]), nil
				}
			}
		}
	}
	// "Do we actually have any signatures to look at?"
	if _, ok := sf.Main.Get("Signature-Version"); !ok {
		return v1PlatformIgnored, "no Signature-Version", nil
	}
	if v.maxSDK < SDKJellyBeanMR2 {
		// Before API 18 the platform picked digest attributes by the
		// Digest-Algorithms list, as apksig's legacy rules (v1.go) model;
		// the strongest-first rules below are those of API 18 and later.
		return v1PlatformUsed, "", sf.Entries
	}
	createdBy, _ := sf.Main.Get("Created-By")
	signtool := strings.Contains(createdBy, "signtool")
	// The main attributes' digest, over the manifest up to the end of
	// its main section and the blank lines after it; absent is fine
	// (verify(..., ignorable=true)).
	if mf.MainEnd > 0 && !signtool {
		if !v1PlatformVerify(v.mfDigest(0), sf.Main, "-Digest-Manifest-Main-Attributes", mfBytes[:mf.MainEnd], false, true) {
			return v1PlatformFatal, "digest of the manifest's main attributes does not match", nil
		}
	}
	suffix := "-Digest-Manifest"
	if signtool {
		suffix = "-Digest"
	}
	if v1PlatformVerify(v.mfDigest(0), sf.Main, suffix, mfBytes, false, false) {
		return v1PlatformUsed, "", sf.Entries
	}
	// The whole-manifest digest failed or is absent: each .SF entry's
	// section digest, in HashMap order. A name the manifest lacks
	// returns (signer ignored) and a digest that fails throws, so with
	// both the outcome depends on the order: counted as fatal.
	missing, bad := "", ""
	for _, name := range sf.Order {
		chunk, ok := mf.Chunks[name]
		if !ok {
			if missing == "" {
				missing = name
			}
			continue
		}
		if bad == "" && !v1PlatformVerify(v.mfDigest(chunk.Start), sf.Entries[name], "-Digest", mfBytes[chunk.Start:chunk.End], signtool, false) {
			bad = name
		}
	}
	switch {
	case bad != "" && missing != "":
		return v1PlatformFatal, fmt.Sprintf("section digest for %q does not match (and %q has no section, so the outcome depends on hash order)", bad, missing), nil
	case bad != "":
		return v1PlatformFatal, fmt.Sprintf("section digest for %q does not match", bad), nil
	case missing != "":
		return v1PlatformIgnored, fmt.Sprintf("%q has no section in the manifest", missing), nil
	}
	return v1PlatformUsed, "", sf.Entries
}

// v1PlatformDigest is the attribute StrictJarVerifier.verify and initEntry
// use: the first of SHA-512, SHA-384, SHA-256, SHA1 present (last value of
// a repeated name, as Attributes keeps it).
func v1PlatformDigest(attrs jarmanifest.Attrs, suffix string) (crypto.Hash, string, bool) {
	for _, alg := range v1ModernDigestAlgs {
		if val, ok := attrs.Get(v1DigestAttrName(alg.prefix, suffix)); ok {
			return alg.hash, val, true
		}
	}
	return 0, "", false
}

// v1ApksigModernDigest is apksig's pick from API 18 (the strongest
// present, first value of a repeated name).
func v1ApksigModernDigest(sec *jarmanifest.Section, suffix string) (crypto.Hash, string, bool) {
	for _, alg := range v1ModernDigestAlgs {
		if val, ok := sec.Get(v1DigestAttrName(alg.prefix, suffix)); ok {
			return alg.hash, val, true
		}
	}
	return 0, "", false
}

// mfDigest hashes (with the verifier's cache) ranges of the manifest
// that start at off.
func (v *v1Verifier) mfDigest(off int) func(crypto.Hash, []byte) []byte {
	return func(h crypto.Hash, b []byte) []byte { return v.digest(h, "", off, b) }
}

// v1PlatformVerify is StrictJarVerifier.verify: the digest attribute
// picked by v1PlatformDigest must match data (with signtool's quirk of
// leaving out the second of two final newlines); without an attribute
// the result is ignorable.
func v1PlatformVerify(digest func(crypto.Hash, []byte) []byte, attrs jarmanifest.Attrs, suffix string, data []byte, signtoolQuirk, ignorable bool) bool {
	h, val, ok := v1PlatformDigest(attrs, suffix)
	if !ok {
		return ignorable
	}
	if n := len(data); signtoolQuirk && n >= 2 && data[n-1] == '\n' && data[n-2] == '\n' {
		data = data[:n-1]
	}
	want, ok := v1AndroidBase64(val)
	return ok && bytes.Equal(digest(h, data), want)
}

// v1AndroidBase64 decodes as android.util.Base64.decode(DEFAULT):
// characters outside the alphabet are skipped, '=' ends the data. A
// value it cannot decode compares unequal (the platform throws
// IllegalArgumentException, which fails the APK as well).
func v1AndroidBase64(s string) ([]byte, bool) {
	var clean []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=':
			i = len(s)
		}
	}
	if len(clean)%4 == 1 {
		return nil, false
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	return out, err == nil
}

func v1CertSet(ss []*v1Signer) [][32]byte {
	out := make([][32]byte, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.certChain[0].SHA256)
	}
	return out
}

// v1SameCertSet compares two lists of certificate digests as sets. The
// lists hold one digest per signer (a handful), so each element is looked
// up in the other list rather than both copied and sorted.
func v1SameCertSet(a, b [][32]byte) bool {
	return v1Subset(a, b) && v1Subset(b, a)
}

// v1Subset reports whether every digest of a is in b.
func v1Subset(a, b [][32]byte) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// v1SchemeID is one token of an X-Android-APK-Signed header.
type v1SchemeID struct {
	text     string
	id       int
	notASCII bool // a non-ASCII token Java's parseInt did not read
}

// v1JavaSchemeIDs reads an X-Android-APK-Signed value as both readers do:
// new StringTokenizer(value, ",") (empty tokens skipped), each token
// String.trim()med (characters up to U+0020) and read by
// Integer.parseInt, tokens that do not parse skipped. Integer.parseInt
// accepts every Unicode decimal digit (Character.digit), so "２" (a
// full-width 2) is scheme 2. A non-ASCII token that does not parse is
// returned with notASCII set: the phone's Unicode tables may know digits
// Go's do not, so it is refused rather than skipped.
func v1JavaSchemeIDs(hdr string) []v1SchemeID {
	var out []v1SchemeID
	// Cut, not Split: the header is read three times per file, and the
	// tokens need no slice of their own.
	for rest, more := hdr, true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, ",")
		tok = strings.TrimFunc(tok, func(r rune) bool { return r <= ' ' })
		if tok == "" {
			continue
		}
		if id, ok := javaParseInt(tok); ok {
			out = append(out, v1SchemeID{text: tok, id: int(id)})
			continue
		}
		for _, r := range tok {
			if r >= 0x80 {
				out = append(out, v1SchemeID{text: tok, id: -1, notASCII: true})
				break
			}
		}
	}
	return out
}

// javaParseInt is Integer.parseInt(s) (radix 10): an optional '+' or '-',
// then one or more characters for which Character.digit(c, 10) is not -1
// (the decimal digits of the Basic Multilingual Plane: Java works on UTF-16
// units, and a supplementary digit is two surrogates that are not
// digits), within int32.
func javaParseInt(s string) (int32, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for _, r := range s {
		d := javaDigit(r)
		if d < 0 {
			return 0, false
		}
		n = n*10 + int64(d)
		if n > 1<<31 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	if n > 1<<31-1 || n < -1<<31 {
		return 0, false
	}
	return int32(n), true
}

// javaDigit is Character.digit(r, 10) for a BMP rune: the value of a
// decimal digit (Unicode category Nd), -1 otherwise. Nd digits come in
// runs of ten from zero, and contiguous runs are multiples of ten long,
// so the value is the distance from the run's start modulo ten.
func javaDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r > 0xFFFF || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	k := 0
	for unicode.Is(unicode.Nd, r-rune(k)-1) {
		k++
	}
	return k % 10
}
