package scheme

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// A source stamp says through which channel an APK was distributed: the
// distributor (Google Play for Play deliveries) signs the APK's content
// digests with its own stamp key. The app's signatures cover the ZIP entry
// stamp-cert-sha256, which holds the SHA-256 of the stamp certificate, so
// a stamp cannot be swapped without re-signing the app.
//
// Version 2 of the stamp block (pair ID BlockIDSourceStampV2), the one
// Android 12+ and apksig verify, holds, length-prefixed and little-endian:
//
//	stamp block data:
//	  certificate (DER)
//	  signed digests: per scheme, {uint32 scheme ID (1 JAR, 2 v2, 3 v3),
//	                   signatures over that scheme's encoded digests}
//	  optionally: attributes, then signatures over the attributes
//
// where signatures are {uint32 algorithm ID, signature} pairs and the
// attributes {uint32 ID, value} pairs: 0xe43c5946 the timestamp (int64
// seconds), 0x9d6303f7 the stamp key's proof-of-rotation lineage. Version 1
// (BlockIDSourceStampV1, Android 11) holds the certificate and signatures
// over the v3 (or v2) digests only.
//
// What a stamp covers: content digests only. The v2/v3 digests cover every
// ZIP entry (so the JAR signature files among them), the central directory
// and the EOCD, never the APK Signing Block; the JAR digest covers
// META-INF/MANIFEST.MF alone. No v2/v3/v3.1 signer is covered: the same
// content re-signed by another key keeps the stamp valid. Whether a stamp
// binds the signers Android uses is decided from this (EvidenceBinding).

// Attribute IDs of a source stamp v2 block.
const (
	StampAttrProofOfRotation uint32 = 0x9d6303f7
	StampAttrTimestamp       uint32 = 0xe43c5946
)

// Manifest meta-data names a stamped APK carries. They are written by the
// distributor into the manifest and prove nothing on their own: only a
// verified stamp says the APK went through that distributor.
const (
	StampMetaSource = "com.android.stamp.source"
	StampMetaType   = "com.android.stamp.type"
)

// stampAndroid11 is the one Android version that reads version 1 stamp
// blocks.
const stampAndroid11 = 30

// Signature scheme IDs a source stamp signs digests for.
const (
	StampSchemeJAR = 1
	StampSchemeV2  = 2
	StampSchemeV3  = 3
	StampSchemeV31 = 31 // never in a stamp; Android skips it
)

// NormalizeSHA256Hex lowercases a hex fingerprint and drops colons and
// spaces, the forms the Play Console and keytool print.
func NormalizeSHA256Hex(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}

// stampRun is a source stamp verification in progress: its result and the
// per-file budget its signatures are charged to.
type stampRun struct {
	*SourceStampResult
	budget *WorkBudget // the per-file verification budget, see SourceStampOptions.Budget
}

func (r *stampRun) fail(code Code, format string, args ...any) {
	r.Errors = append(r.Errors, Issue{Code: code, Scheme: SchemeStamp, Signer: -1, Message: fmt.Sprintf(format, args...)})
}

func (r *stampRun) warn(code Code, format string, args ...any) {
	r.Warnings = append(r.Warnings, Issue{Code: code, Scheme: SchemeStamp, Signer: -1, Message: fmt.Sprintf(format, args...)})
}

// StampDigests are the content digests a source stamp must sign: per
// signature scheme ID (StampSchemeJAR, StampSchemeV2, StampSchemeV3), by
// content digest algorithm. The JAR scheme's only digest is the SHA-256 of
// META-INF/MANIFEST.MF, under algorithm ID 4.
type StampDigests map[int]map[ContentDigestAlgorithm][]byte

// SourceStampOptions tune VerifySourceStamp.
type SourceStampOptions struct {
	// MinSDK and MaxSDK bound the Android versions whose crypto must
	// support the stamp signature. Zero means 1 and MaxSDK. Android's
	// installer checks stamps from Android 11, so a full verification
	// passes max(minSdkVersion, 30), as apksig's ApkVerifier does.
	MinSDK, MaxSDK int
	// ExpectedCertSHA256, when set, is the hex SHA-256 the
	// stamp-cert-sha256 entry must hold.
	ExpectedCertSHA256 string
	// Budget is the file's signature-verification budget, shared with
	// the schemes' verifiers; nil gives the stamp a DefaultWorkBudget of
	// its own. The stamp's signatures and lineage are charged to it.
	Budget *WorkBudget
}

// maxStampEntrySize bounds the stamp-cert-sha256 entry read into memory;
// it holds 32 bytes.
const maxStampEntrySize = 4 << 10

// VerifySourceStamp verifies the APK's source stamp against the content
// digests of the signature schemes Android considered for it, as apksig's
// verifySourceStamp does. Use StampDigestsFromSchemes to build digests
// from verified scheme results, or SourceStampDigests to read them from
// the signing block without verifying the app's signatures (apksig's
// SourceStampVerifier).
//
// A missing or failing stamp never affects the app's signature verdict; it
// is reported here only.
func VerifySourceStamp(a *apkzip.Archive, digests StampDigests, opts SourceStampOptions) *SourceStampResult {
	r := &stampRun{SourceStampResult: &SourceStampResult{Status: StampVerificationFailed}, budget: opts.Budget}
	if r.budget == nil {
		r.budget = NewWorkBudget(0)
	}
	minSDK, maxSDK := opts.MinSDK, opts.MaxSDK
	if minSDK <= 0 {
		minSDK = 1
	}
	if maxSDK <= 0 {
		maxSDK = MaxSDK
	}
	block := a.SigningBlock()
	v2Pair, hasV2 := block.Find(BlockIDSourceStampV2)
	v1Pair, hasV1 := block.Find(BlockIDSourceStampV1)
	entry := a.Lookup(StampCertDigestEntry)
	if entry == nil {
		if hasV2 || hasV1 {
			r.Present = true
			r.Status = StampNotVerified
			r.fail(StampCodeSigBlockWithoutCertDigest, "the APK has a source stamp block but no %s entry", StampCertDigestEntry)
		} else {
			r.Status = StampMissing
			r.fail(StampCodeCertDigestAndSigBlockMissing, "the APK has neither a %s entry nor a source stamp block", StampCertDigestEntry)
		}
		return r.SourceStampResult
	}
	r.Present = true
	certDigest, err := entry.ReadAll(maxStampEntrySize)
	if err != nil {
		r.Status = StampVerificationError
		r.fail(StampCodeMalformedAPK, "reading %s: %v", StampCertDigestEntry, err)
		return r.SourceStampResult
	}
	r.CertSHA256 = hex.EncodeToString(certDigest)
	if opts.ExpectedCertSHA256 != "" && !strings.EqualFold(NormalizeSHA256Hex(opts.ExpectedCertSHA256), r.CertSHA256) {
		r.Status = StampCertDigestMismatch
		r.fail(StampCodeExpectedDigestMismatch, "stamp certificate digest is %s, expected %s", r.CertSHA256, opts.ExpectedCertSHA256)
		return r.SourceStampResult
	}
	switch {
	case hasV2:
		r.BlockVersion = 2
		value, err := a.PairValue(v2Pair)
		if err != nil {
			r.Status = StampVerificationError
			r.fail(StampCodeMalformedAPK, "reading the source stamp block: %v", err)
			return r.SourceStampResult
		}
		stampVerifyV2(r, value, certDigest, digests, minSDK, maxSDK)
	case hasV1:
		r.BlockVersion = 1
		if minSDK > stampAndroid11 || maxSDK < stampAndroid11 {
			// Android 12+ and apksig look for the version 2 block only:
			// on this range no platform reads the block.
			r.Status = StampNotVerified
			r.fail(StampCodeV1Block, "the only source stamp block is a version 1 block, which only Android 11 reads, and the range is API %d-%d: no Android version of the range verifies it", minSDK, maxSDK)
			return r.SourceStampResult
		}
		r.warn(StampCodeV1Block, "source stamp version 1 block: verified as Android 11 does; Android 12+ and apksig ignore it")
		value, err := a.PairValue(v1Pair)
		if err != nil {
			r.Status = StampVerificationError
			r.fail(StampCodeMalformedAPK, "reading the source stamp block: %v", err)
			return r.SourceStampResult
		}
		stampVerifyV1(r, value, certDigest, digests, minSDK, maxSDK)
	default:
		r.Status = StampNotVerified
		r.fail(StampCodeSigMissing, "the APK has a %s entry but no source stamp block", StampCertDigestEntry)
		return r.SourceStampResult
	}
	if len(r.Errors) == 0 {
		r.Verified = true
		r.Status = StampVerified
	}
	return r.SourceStampResult
}

// stampParseCertificate reads the stamp certificate and checks it against
// the digest of the stamp-cert-sha256 entry.
func stampParseCertificate(r *stampRun, data *stampReader, certDigest []byte) *Certificate {
	der := data.bytes()
	if data.err != nil {
		r.fail(StampCodeMalformedSignature, "stamp block data: certificate: %v", data.err)
		return nil
	}
	sum := sha256.Sum256(der)
	r.CertSHA256 = hex.EncodeToString(sum[:])
	cert, err := sharedCertificate(der)
	if err != nil {
		r.fail(StampCodeMalformedCertificate, "stamp certificate: %v", err)
		return nil
	}
	r.Certificate = cert
	if !bytes.Equal(sum[:], certDigest) {
		r.fail(StampCodeCertificateMismatch, "stamp block certificate has SHA-256 %x, the %s entry says %x", sum, StampCertDigestEntry, certDigest)
		return nil
	}
	return cert
}

// stampOpenSigner reads the signer record both stamp block versions start
// with and its certificate, checked against the stamp-cert-sha256 entry. A
// nil certificate means r already says why.
func stampOpenSigner(r *stampRun, value, certDigest []byte) (*stampReader, *Certificate) {
	outer := newStampReader(value)
	data := outer.sub()
	if outer.err != nil {
		r.fail(StampCodeMalformedSignature, "stamp block: %v", outer.err)
		return nil, nil
	}
	return &data, stampParseCertificate(r, &data, certDigest)
}

func stampVerifyV2(r *stampRun, value, certDigest []byte, digests StampDigests, minSDK, maxSDK int) {
	data, cert := stampOpenSigner(r, value, certDigest)
	if cert == nil {
		return
	}
	schemes := data.sub()
	signed := map[int][]byte{}
	for schemes.more() {
		s := schemes.sub()
		id := s.uint32()
		sigs := s.bytes()
		if s.err != nil || schemes.err != nil {
			r.fail(StampCodeMalformedSignature, "stamp block: signed scheme #%d is malformed", len(signed)+1)
			return
		}
		signed[int(id)] = sigs
		r.SignedSchemes = append(r.SignedSchemes, int(id))
	}
	if schemes.err != nil || data.err != nil {
		r.fail(StampCodeMalformedSignature, "stamp block: signed schemes: %v", errStampTruncated)
		return
	}
	sort.Ints(r.SignedSchemes)
	ids := stampRequiredSchemes(digests)
	if len(ids) == 0 {
		r.fail(StampCodeNoDigests, "no signature scheme of the APK has content digests for the stamp to sign: a signature over nothing proves nothing")
		return
	}
	for _, id := range ids {
		sigs, ok := signed[id]
		if !ok {
			r.fail(StampCodeNoSignature, "the stamp signs no digest for signature scheme %d", id)
			return
		}
		if !stampVerifySignatures(r, cert, stampLengthPrefixedPairs(digests[id]), sigs, minSDK, maxSDK, fmt.Sprintf("scheme %d digests", id)) {
			return
		}
		r.VerifiedSchemes = append(r.VerifiedSchemes, id)
	}
	if !data.more() {
		return
	}
	attrs := data.bytes()
	attrSigs := data.bytes()
	if data.err != nil {
		r.fail(StampCodeMalformedSignature, "stamp block: attributes: %v", data.err)
		return
	}
	if !stampVerifySignatures(r, cert, attrs, attrSigs, minSDK, maxSDK, "attributes") {
		return
	}
	stampParseAttributes(r, attrs, cert)
}

func stampVerifyV1(r *stampRun, value, certDigest []byte, digests StampDigests, minSDK, maxSDK int) {
	data, cert := stampOpenSigner(r, value, certDigest)
	if cert == nil {
		return
	}
	sigs := data.bytes()
	if data.err != nil {
		r.fail(StampCodeMalformedSignature, "stamp block: signatures: %v", data.err)
		return
	}
	// Android 11 signs, and checks, the content digests of the v3 block
	// when there is one, else of the v2 block; without either it leaves
	// the stamp unverified. It never uses the JAR scheme.
	scheme := StampSchemeV3
	if len(digests[scheme]) == 0 {
		scheme = StampSchemeV2
	}
	d := digests[scheme]
	if len(d) == 0 {
		r.fail(StampCodeNoDigests, "a version 1 stamp signs the v3 or v2 content digests, and the APK has neither: Android 11 does not verify it")
		return
	}
	if stampVerifySignatures(r, cert, stampLengthPrefixedPairs(d), sigs, minSDK, maxSDK, "APK digests") {
		r.VerifiedSchemes = []int{scheme}
	}
}

// stampRequiredSchemes lists, sorted, the schemes whose digests a version
// 2 stamp must sign: every scheme of digests with at least one content
// digest. v3.1 is left out: Android puts its digests in the map but never
// expects the stamp to sign them (a v3.1 block always comes with a v3
// block, whose digests the stamp signs). A scheme without digests (the
// JAR scheme of an APK without META-INF/MANIFEST.MF) is left out too: a
// signature over its empty encoding would be a signature over nothing.
func stampRequiredSchemes(digests StampDigests) []int {
	ids := make([]int, 0, len(digests))
	for id, d := range digests {
		if id != StampSchemeV31 && len(d) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids
}

// stampVerifySignatures parses a sequence of {algorithm, signature} and
// verifies, like Android, the strongest signature for each minimum SDK in
// range. It reports the first problem and returns false on failure.
func stampVerifySignatures(r *stampRun, cert *Certificate, data, sigBlock []byte, minSDK, maxSDK int, what string) bool {
	s := newStampReader(sigBlock)
	var ids []SignatureAlgorithmID
	var sigs [][]byte
	for n := 1; s.more(); n++ {
		one := s.sub()
		alg := SignatureAlgorithmID(one.uint32())
		sig := one.bytes()
		if one.err != nil || s.err != nil {
			r.fail(StampCodeMalformedSignature, "%s: signature #%d is malformed", what, n)
			return false
		}
		if !alg.Known() {
			r.warn(StampCodeUnknownSigAlgorithm, "%s: unknown signature algorithm 0x%04x ignored", what, uint32(alg))
			continue
		}
		ids = append(ids, alg)
		sigs = append(sigs, sig)
	}
	if s.err != nil {
		r.fail(StampCodeMalformedSignature, "%s: %v", what, s.err)
		return false
	}
	if len(ids) == 0 {
		r.fail(StampCodeNoSignature, "%s: no signature", what)
		return false
	}
	pick, err := stampSignaturesToVerify(ids, minSDK, maxSDK)
	if err != nil {
		r.fail(StampCodeNoSupportedSignature, "%s: no signature that Android %d to %d supports among %v", what, minSDK, maxSDK, ids)
		return false
	}
	for _, i := range pick {
		if err := stampVerify(r.budget, cert.PublicKey, ids[i], data, sigs[i]); err != nil {
			if code := limitCode(err); code != "" {
				r.fail(code, "%s: %s: %v", what, ids[i], err)
			} else if errors.Is(err, errStampBadSignature) {
				r.fail(StampCodeDidNotVerify, "%s: %s signature by the stamp key did not verify", what, ids[i])
			} else {
				r.fail(StampCodeVerifyException, "%s: %s: %v", what, ids[i], err)
			}
			return false
		}
	}
	return true
}

func stampParseAttributes(r *stampRun, attrBytes []byte, cert *Certificate) {
	attrs := newStampReader(attrBytes)
	list := attrs.sub()
	if attrs.err != nil {
		r.fail(StampCodeMalformedAttribute, "stamp attributes: %v", attrs.err)
		return
	}
	for n := 1; list.more(); n++ {
		a := list.sub()
		id := a.uint32()
		if a.err != nil || list.err != nil {
			r.fail(StampCodeMalformedAttribute, "stamp attribute #%d is malformed", n)
			return
		}
		value := a.Rest()
		switch id {
		case StampAttrProofOfRotation:
			stampCheckLineage(r, value, cert)
		case StampAttrTimestamp:
			// Android reads the first 8 bytes; a longer value is allowed.
			if len(value) < 8 {
				r.fail(StampCodeMalformedAttribute, "stamp attribute #%d: timestamp of %d bytes, want 8", n, len(value))
				return
			}
			ts := int64(binary.LittleEndian.Uint64(value))
			if ts <= 0 {
				r.fail(StampCodeInvalidTimestamp, "stamp timestamp %d is not positive", ts)
			} else {
				r.Timestamp = ts
			}
		default:
			r.warn(StampCodeUnknownAttribute, "unknown stamp attribute 0x%08x ignored", id)
		}
	}
	if list.err != nil {
		r.fail(StampCodeMalformedAttribute, "stamp attributes: %v", list.err)
	}
}

// stampCheckLineage parses the stamp key's proof-of-rotation and checks
// that it ends with the stamp certificate. Its failures map to apksig's
// issues: signature problems to POR_DID_NOT_VERIFY, a wrong version or a
// last certificate other than the stamp's to POR_CERT_MISMATCH, anything
// else to MALFORMED_LINEAGE.
func stampCheckLineage(r *stampRun, value []byte, cert *Certificate) {
	l, err := parseLineage(value, r.budget)
	if err != nil {
		var le *Error
		code := StampCodeMalformedLineage
		if errors.As(err, &le) {
			switch le.Code {
			case CodeWorkBudgetExceeded, CodeKeyUnsupported:
				code = le.Code
			case CodeLineageSignature, CodeLineageAlgorithmMismatch, CodeLineageDuplicate, CodeLineageCertificate:
				code = StampCodePORDidNotVerify
			case CodeLineageVersion:
				code = StampCodePORCertMismatch
			}
		}
		r.fail(code, "stamp lineage: %v", err)
		return
	}
	r.LineageNodes = l
	for _, n := range l.Nodes {
		r.Lineage = append(r.Lineage, n.Certificate.SHA256Hex())
	}
	if last := l.Nodes[len(l.Nodes)-1].Certificate; cert == nil || !bytes.Equal(last.Raw, cert.Raw) {
		r.fail(StampCodePORCertMismatch, "stamp lineage ends with certificate %s, not the stamp certificate", last.SHA256Hex())
	}
}
