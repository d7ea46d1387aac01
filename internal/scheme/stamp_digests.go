package scheme

import (
	"fmt"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// stampManifestEntry is the JAR manifest whose SHA-256 a stamp signs for
// the v1 scheme.
const stampManifestEntry = "META-INF/MANIFEST.MF"

// StampDigestsFromSchemes builds the digests a source stamp must sign from
// the verified scheme results of an APK checked for Android minSDK to
// maxSDK (the APK's minSdkVersion, or the caller's override), choosing the
// schemes as apksig's ApkVerifier does: v3 when maxSDK >= 28 and the APK
// has a v3 block; v2 when maxSDK >= 24, the APK has a v2 block, and
// minSDK < 28 or there is no v3/v3.1 block; v1 when minSDK < 24 or the APK
// has no v2+ block. v3.1 is never signed by a stamp. For v1 the digest is
// v1Manifest, the SHA-256 of META-INF/MANIFEST.MF that the JAR verifier
// read (V1Result.ManifestSHA256), passed forward rather than hashed again;
// nil (an APK without a manifest) gives an empty digest set, which no
// stamp signs. Nil results count as absent.
func StampDigestsFromSchemes(schemes map[Scheme]*SchemeResult, v1Manifest []byte, minSDK, maxSDK int) StampDigests {
	if minSDK <= 0 {
		minSDK = 1
	}
	if maxSDK <= 0 {
		maxSDK = MaxSDK
	}
	present := func(s Scheme) bool { return schemes[s] != nil && schemes[s].Present }
	d := StampDigests{}
	found := maxSDK >= SDKT && present(SchemeV31)
	if maxSDK >= SDKP && present(SchemeV3) {
		d[StampSchemeV3] = ApkContentDigests(schemes[SchemeV3])
		found = true
	}
	if maxSDK >= SDKNougat && (minSDK < SDKP || !found) && present(SchemeV2) {
		d[StampSchemeV2] = ApkContentDigests(schemes[SchemeV2])
		found = true
	}
	if minSDK < SDKNougat || !found {
		m := map[ContentDigestAlgorithm][]byte{}
		if v1Manifest != nil {
			m[stampDigestSHA256] = v1Manifest
		}
		d[StampSchemeJAR] = m
	}
	return d
}

// stampManifestDigest returns {SHA256: digest of META-INF/MANIFEST.MF},
// or an empty map when the APK has no JAR manifest.
func stampManifestDigest(a *apkzip.Archive) (map[ContentDigestAlgorithm][]byte, error) {
	m := map[ContentDigestAlgorithm][]byte{}
	if a.Lookup(stampManifestEntry) == nil {
		return m, nil
	}
	sum, err := V1ManifestDigest(a)
	if err != nil {
		return nil, err
	}
	m[stampDigestSHA256] = sum
	return m, nil
}

// SourceStampDigests reads the digests a source stamp must sign straight
// from the APK, without verifying the app's signatures, as apksig's
// SourceStampVerifier does: the v3 signers' digests when Android P+ is in
// [minSDK, maxSDK] and the block exists; the v2 signers' when maxSDK >= 24
// and minSDK < 28 or there is no v3 block; the SHA-256 of the JAR manifest
// when minSDK < 24 or neither block exists. Use it only when the app's
// signatures are verified by other means. The issues are warnings about
// signer blocks that did not parse (their digests are then missing, so the
// stamp will not verify).
func SourceStampDigests(a *apkzip.Archive, minSDK, maxSDK int) (StampDigests, []Issue, error) {
	if minSDK <= 0 {
		minSDK = 1
	}
	if maxSDK <= 0 {
		maxSDK = MaxSDK
	}
	d := StampDigests{}
	var issues []Issue
	block := a.SigningBlock()
	read := func(id uint32, scheme int, name string, code Code) error {
		p, ok := block.Find(id)
		if !ok {
			return nil
		}
		value, err := a.PairValue(p)
		if err != nil {
			return err
		}
		m := map[ContentDigestAlgorithm][]byte{}
		if err := stampSignerDigests(value, m); err != nil {
			issues = append(issues, Issue{Code: code, Scheme: SchemeStamp, Signer: -1,
				Message: fmt.Sprintf("%s block: %v", name, err)})
		}
		d[scheme] = m
		return nil
	}
	if maxSDK >= SDKP {
		if err := read(BlockIDV3, StampSchemeV3, "V3", CodeStampV3SigMalformed); err != nil {
			return nil, nil, err
		}
	}
	if maxSDK >= SDKNougat && (minSDK < SDKP || len(d) == 0) {
		if err := read(BlockIDV2, StampSchemeV2, "V2", CodeStampV2SigMalformed); err != nil {
			return nil, nil, err
		}
	}
	if minSDK < SDKNougat || len(d) == 0 {
		m, err := stampManifestDigest(a)
		if err != nil {
			return nil, nil, err
		}
		d[StampSchemeJAR] = m
		if len(m) > 0 && !stampHasJARSignatureBlock(a) {
			issues = append(issues, Issue{Code: CodeJarNoSignatures, Scheme: SchemeV1, Signer: -1,
				Message: "META-INF/MANIFEST.MF is present but no JAR signature block (.RSA, .DSA, .EC)"})
		}
	}
	return d, issues, nil
}

// stampHasJARSignatureBlock reports whether a META-INF/*.RSA, .DSA or .EC
// entry exists, as apksig's source stamp verifier looks for one.
func stampHasJARSignatureBlock(a *apkzip.Archive) bool {
	for _, e := range a.Entries() {
		n := e.Name
		if strings.HasPrefix(n, "META-INF/") && (strings.HasSuffix(n, ".RSA") || strings.HasSuffix(n, ".DSA") || strings.HasSuffix(n, ".EC")) {
			return true
		}
	}
	return false
}

// stampSignerDigests collects the content digests every signer of a v2 or
// v3 block lists, by content digest algorithm (a later signer's digest
// replaces an earlier one of the same algorithm, as in apksig). Unknown
// algorithms are skipped. It stops at the first malformed signer.
func stampSignerDigests(value []byte, m map[ContentDigestAlgorithm][]byte) error {
	r := newStampReader(value)
	signers := r.sub()
	if r.err != nil {
		return fmt.Errorf("signers: %w", r.err)
	}
	if !signers.more() {
		return fmt.Errorf("no signers")
	}
	for n := 1; signers.more(); n++ {
		signer := signers.sub()
		signed := signer.sub()
		digests := signed.sub()
		if signers.err != nil || signer.err != nil || signed.err != nil {
			return fmt.Errorf("signer #%d: %w", n, errStampTruncated)
		}
		for digests.more() {
			one := digests.sub()
			alg := SignatureAlgorithmID(one.uint32())
			digest := one.bytes()
			if one.err != nil || digests.err != nil {
				return fmt.Errorf("signer #%d: malformed digest", n)
			}
			if c, ok := alg.ContentDigest(); ok {
				m[c] = digest
			}
		}
	}
	return nil
}
