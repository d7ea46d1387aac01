package scheme

import (
	"crypto"
	_ "crypto/md5" // MD5 digests are valid in v1 signatures
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"strconv"
	"strings"
)

// Digest algorithm OIDs of PKCS #7 SignerInfo.digestAlgorithm.
const (
	oidV1DigestMD5    = "1.2.840.113549.2.5"
	oidV1DigestSHA1   = "1.3.14.3.2.26"
	oidV1DigestSHA224 = "2.16.840.1.101.3.4.2.4"
	oidV1DigestSHA256 = "2.16.840.1.101.3.4.2.1"
	oidV1DigestSHA384 = "2.16.840.1.101.3.4.2.2"
	oidV1DigestSHA512 = "2.16.840.1.101.3.4.2.3"
)

// Signature algorithm OIDs of SignerInfo.signatureAlgorithm: either a bare
// key algorithm (the digest then comes from digestAlgorithm) or a
// digest-with-key combination.
const (
	oidV1SigRSA             = "1.2.840.113549.1.1.1"
	oidV1SigMD5WithRSA      = "1.2.840.113549.1.1.4"
	oidV1SigSHA1WithRSA     = "1.2.840.113549.1.1.5"
	oidV1SigSHA224WithRSA   = "1.2.840.113549.1.1.14"
	oidV1SigSHA256WithRSA   = "1.2.840.113549.1.1.11"
	oidV1SigSHA384WithRSA   = "1.2.840.113549.1.1.12"
	oidV1SigSHA512WithRSA   = "1.2.840.113549.1.1.13"
	oidV1SigDSA             = "1.2.840.10040.4.1"
	oidV1SigSHA1WithDSA     = "1.2.840.10040.4.3"
	oidV1SigSHA224WithDSA   = "2.16.840.1.101.3.4.3.1"
	oidV1SigSHA256WithDSA   = "2.16.840.1.101.3.4.3.2"
	oidV1SigEC              = "1.2.840.10045.2.1"
	oidV1SigSHA1WithECDSA   = "1.2.840.10045.4.1"
	oidV1SigSHA224WithECDSA = "1.2.840.10045.4.3.1"
	oidV1SigSHA256WithECDSA = "1.2.840.10045.4.3.2"
	oidV1SigSHA384WithECDSA = "1.2.840.10045.4.3.3"
	oidV1SigSHA512WithECDSA = "1.2.840.10045.4.3.4"
)

// v1SDKRange is an inclusive range of API levels.
type v1SDKRange struct{ min, max int }

// v1SigAlgSupport lists, per (digestAlgorithm, signatureAlgorithm) pair of a
// SignerInfo, the API levels whose JAR verifier accepts it. Android's
// support grew and shrank over releases (API 21-23 accepted almost any
// mix; 9-20 and 24+ only matching pairs), which is why a signature valid
// on one version fails on another. The facts are AOSP apksig's.
var v1SigAlgSupport = func() map[string][]v1SDKRange {
	const max = MaxSDK
	all := []v1SDKRange{{0, max}}
	lollipopToM := []v1SDKRange{{21, 23}}
	m := map[string][]v1SDKRange{}
	add := func(dig, sig string, r []v1SDKRange) { m[dig+" "+sig] = r }
	digests := []string{oidV1DigestMD5, oidV1DigestSHA1, oidV1DigestSHA224, oidV1DigestSHA256, oidV1DigestSHA384, oidV1DigestSHA512}
	rsa := []string{oidV1SigMD5WithRSA, oidV1SigSHA1WithRSA, oidV1SigSHA224WithRSA, oidV1SigSHA256WithRSA, oidV1SigSHA384WithRSA, oidV1SigSHA512WithRSA}
	dsa := []string{oidV1SigSHA1WithDSA, oidV1SigSHA224WithDSA, oidV1SigSHA256WithDSA}
	ec := []string{oidV1SigSHA1WithECDSA, oidV1SigSHA224WithECDSA, oidV1SigSHA256WithECDSA, oidV1SigSHA384WithECDSA, oidV1SigSHA512WithECDSA}
	// Mismatched digest/signature pairs: API 21-23 only. The exceptions
	// and matching pairs are set below.
	for _, d := range digests {
		for _, s := range rsa {
			add(d, s, lollipopToM)
		}
		for _, s := range dsa {
			add(d, s, lollipopToM)
		}
		for _, s := range ec {
			add(d, s, lollipopToM)
		}
	}
	// RSA.
	add(oidV1DigestMD5, oidV1SigRSA, all)
	add(oidV1DigestMD5, oidV1SigMD5WithRSA, []v1SDKRange{{0, 8}, {21, max}})
	add(oidV1DigestSHA1, oidV1SigRSA, all)
	add(oidV1DigestSHA1, oidV1SigSHA1WithRSA, all)
	add(oidV1DigestSHA224, oidV1SigRSA, []v1SDKRange{{0, 8}, {21, max}})
	add(oidV1DigestSHA224, oidV1SigSHA224WithRSA, []v1SDKRange{{0, 8}, {21, max}})
	add(oidV1DigestSHA224, oidV1SigSHA256WithRSA, []v1SDKRange{{21, 21}})
	add(oidV1DigestSHA256, oidV1SigRSA, []v1SDKRange{{0, 8}, {18, max}})
	add(oidV1DigestSHA256, oidV1SigSHA1WithRSA, []v1SDKRange{{21, 21}})
	add(oidV1DigestSHA256, oidV1SigSHA256WithRSA, []v1SDKRange{{0, 8}, {18, max}})
	add(oidV1DigestSHA384, oidV1SigRSA, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA384, oidV1SigSHA384WithRSA, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA512, oidV1SigRSA, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA512, oidV1SigSHA384WithRSA, []v1SDKRange{{21, 21}})
	add(oidV1DigestSHA512, oidV1SigSHA512WithRSA, []v1SDKRange{{21, max}})
	// DSA: no bare-DSA pairs with MD5, SHA-384 or SHA-512.
	add(oidV1DigestSHA1, oidV1SigDSA, all)
	add(oidV1DigestSHA1, oidV1SigSHA1WithDSA, []v1SDKRange{{9, max}})
	add(oidV1DigestSHA224, oidV1SigDSA, []v1SDKRange{{22, max}})
	add(oidV1DigestSHA224, oidV1SigSHA224WithDSA, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA256, oidV1SigDSA, []v1SDKRange{{22, max}})
	add(oidV1DigestSHA256, oidV1SigSHA256WithDSA, []v1SDKRange{{21, max}})
	// ECDSA: no MD5 with the bare EC key OID.
	add(oidV1DigestSHA1, oidV1SigEC, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA224, oidV1SigEC, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA256, oidV1SigEC, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA384, oidV1SigEC, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA512, oidV1SigEC, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA1, oidV1SigSHA1WithECDSA, []v1SDKRange{{18, max}})
	add(oidV1DigestSHA224, oidV1SigSHA224WithECDSA, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA256, oidV1SigSHA256WithECDSA, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA384, oidV1SigSHA384WithECDSA, []v1SDKRange{{21, max}})
	add(oidV1DigestSHA512, oidV1SigSHA512WithECDSA, []v1SDKRange{{21, max}})
	return m
}()

// v1UnsupportedLevels returns the API levels of [minSDK, maxSDK] on which
// the digest/signature algorithm pair is not accepted, as ranges.
func v1UnsupportedLevels(digestOID, sigOID string, minSDK, maxSDK int) []v1SDKRange {
	supported := v1SigAlgSupport[digestOID+" "+sigOID]
	var out []v1SDKRange
	cur := minSDK
	for _, r := range supported { // ranges are sorted and disjoint
		if cur > maxSDK {
			break
		}
		if r.max < cur {
			continue
		}
		if r.min > cur {
			end := min(r.min-1, maxSDK)
			out = append(out, v1SDKRange{cur, end})
		}
		if r.max >= maxSDK {
			return out
		}
		cur = r.max + 1
	}
	if cur <= maxSDK {
		out = append(out, v1SDKRange{cur, maxSDK})
	}
	return out
}

func v1FormatSDKRanges(rs []v1SDKRange) string {
	var parts []string
	for _, r := range rs {
		switch {
		case r.min == r.max:
			parts = append(parts, strconv.Itoa(r.min))
		case r.max == MaxSDK:
			parts = append(parts, strconv.Itoa(r.min)+"+")
		default:
			parts = append(parts, strconv.Itoa(r.min)+"-"+strconv.Itoa(r.max))
		}
	}
	return strings.Join(parts, ", ")
}

// v1DigestHash maps a digestAlgorithm OID to its hash.
func v1DigestHash(oid string) (crypto.Hash, bool) {
	switch oid {
	case oidV1DigestMD5:
		return crypto.MD5, true
	case oidV1DigestSHA1:
		return crypto.SHA1, true
	case oidV1DigestSHA224:
		return crypto.SHA224, true
	case oidV1DigestSHA256:
		return crypto.SHA256, true
	case oidV1DigestSHA384:
		return crypto.SHA384, true
	case oidV1DigestSHA512:
		return crypto.SHA512, true
	}
	return 0, false
}

// v1SignatureScheme resolves the hash and key family that verify a
// SignerInfo's signature: a digest-with-key OID names both; a bare key OID
// takes the hash from digestAlgorithm.
func v1SignatureScheme(digestOID, sigOID string) (h crypto.Hash, family string, ok bool) {
	switch sigOID {
	case oidV1SigMD5WithRSA:
		return crypto.MD5, "RSA", true
	case oidV1SigSHA1WithRSA:
		return crypto.SHA1, "RSA", true
	case oidV1SigSHA224WithRSA:
		return crypto.SHA224, "RSA", true
	case oidV1SigSHA256WithRSA:
		return crypto.SHA256, "RSA", true
	case oidV1SigSHA384WithRSA:
		return crypto.SHA384, "RSA", true
	case oidV1SigSHA512WithRSA:
		return crypto.SHA512, "RSA", true
	case oidV1SigSHA1WithDSA:
		return crypto.SHA1, "DSA", true
	case oidV1SigSHA224WithDSA:
		return crypto.SHA224, "DSA", true
	case oidV1SigSHA256WithDSA:
		return crypto.SHA256, "DSA", true
	case oidV1SigSHA1WithECDSA:
		return crypto.SHA1, "EC", true
	case oidV1SigSHA224WithECDSA:
		return crypto.SHA224, "EC", true
	case oidV1SigSHA256WithECDSA:
		return crypto.SHA256, "EC", true
	case oidV1SigSHA384WithECDSA:
		return crypto.SHA384, "EC", true
	case oidV1SigSHA512WithECDSA:
		return crypto.SHA512, "EC", true
	case oidV1SigRSA:
		family = "RSA"
	case oidV1SigDSA:
		family = "DSA"
	case oidV1SigEC:
		family = "EC"
	default:
		return 0, "", false
	}
	h, ok = v1DigestHash(digestOID)
	return h, family, ok
}

// v1ManifestDigestAlgs are the digest names of manifest and .SF attributes
// Android knows, by upper-case spelling, with their hash and the API level
// from which they count in the legacy (pre-API 18) lookup.
var v1ManifestDigestAlgs = map[string]struct {
	name   string
	hash   crypto.Hash
	minSDK int
}{
	"MD5":     {"MD5", crypto.MD5, 0},
	"SHA":     {"SHA-1", crypto.SHA1, 0},
	"SHA1":    {"SHA-1", crypto.SHA1, 0},
	"SHA-1":   {"SHA-1", crypto.SHA1, 0},
	"SHA-256": {"SHA-256", crypto.SHA256, 0},
	"SHA-384": {"SHA-384", crypto.SHA384, v1SDKGingerbread},
	"SHA-512": {"SHA-512", crypto.SHA512, v1SDKGingerbread},
}

// v1ModernDigestAlgs is the order in which API 18 and later pick the
// strongest digest attribute of a section, with the attribute-name prefix.
var v1ModernDigestAlgs = []struct {
	name   string
	prefix string
	hash   crypto.Hash
}{
	{"SHA-512", "SHA-512", crypto.SHA512},
	{"SHA-384", "SHA-384", crypto.SHA384},
	{"SHA-256", "SHA-256", crypto.SHA256},
	{"SHA-1", "SHA1", crypto.SHA1},
}

// V1SigAlgSupported reports whether Android accepts a v1 SignerInfo with
// this digestAlgorithm and signatureAlgorithm OID on every API level of
// [minSDK, maxSDK].
func V1SigAlgSupported(digestOID, sigOID string, minSDK, maxSDK int) bool {
	return len(v1UnsupportedLevels(digestOID, sigOID, minSDK, maxSDK)) == 0
}
