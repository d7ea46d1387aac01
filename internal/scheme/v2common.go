package scheme

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/lpblock"
)

// maxV2Signers is how many v2 signers Android accepts (apksig's
// MAX_APK_SIGNERS); more is V2_SIG_MAX_SIGNATURES_EXCEEDED.
const maxV2Signers = 10

// Bounds on hostile blocks. apksig has no limit on v3 signers, but a real
// v3 block holds one signer per SDK range, a handful at most; without a
// bound a 16 MiB block of empty signers would cost hundreds of MiB of
// results. Issues repeated for every record (unknown algorithms or
// attributes) are kept up to maxSignerWarnings per signer.
const (
	maxV3Signers      = 64
	maxSignerWarnings = 32
)

// Additional-attribute IDs of v2/v3 signed data.
const (
	// AttrStrippingProtection (v2) names a newer scheme the APK was also
	// signed with, so that removing that scheme's block is detected.
	AttrStrippingProtection uint32 = 0xbeeff00d
	// AttrRotationMinSDK (v3.0) is the SDK version from which the v3.1
	// block's rotated signer takes over; it protects the v3.1 block from
	// being stripped.
	AttrRotationMinSDK uint32 = 0x559f8b02
	// AttrRotationOnDevRelease (v3.1) says rotation targets a development
	// release that still reports the previous SDK version.
	AttrRotationOnDevRelease uint32 = 0xc2a6b3ba
	// AttrV32Required and AttrV32RequiredAlt in v3.0/v3.1 signed data
	// announce an APK Signature Scheme v3.2 block, so its removal is
	// detected.
	AttrV32Required    uint32 = 0xbf940529
	AttrV32RequiredAlt uint32 = 0x9f06b79c
)

// Scheme version numbers used by the stripping-protection attribute.
const (
	schemeVersionV2 = 2
	schemeVersionV3 = 3
)

// attribute is one additional attribute of a signer's signed data.
type attribute struct {
	id    uint32
	value []byte
}

// signerState is per-signer data the verifier needs beyond SignerResult.
type signerState struct {
	res        *SignerResult
	attrs      []attribute
	devRelease bool
	rotAttr    bool
}

// schemeVerifier verifies one v2, v3 or v3.1 block.
type schemeVerifier struct {
	scheme  Scheme
	blockID uint32
	// codes are the per-signer issue codes (v2Codes or v3Codes, as
	// apksig names them; v3.1 is verified by apksig's v3 verifier and
	// reports V3_ codes).
	codes *schemeCodes
	// minSDK and maxSDK are the range checked, after the per-scheme
	// clamping Android applies.
	minSDK, maxSDK int

	res     *SchemeResult
	signers []*signerState
	a       *apkzip.Archive // set by load, for the shared certificates
	// budget is the file's signature-verification budget (the context's,
	// see WithWorkBudget), charged for signatures and lineage nodes.
	budget  *WorkBudget
	digests map[ContentDigestAlgorithm]bool

	// v2: scheme versions whose blocks were found (stripping protection)
	// and the ones the checked range supports.
	foundSchemes     map[int]bool
	supportedSchemes map[int]bool
	// v3: rotation-min-sdk from the v3.1 block (0 = none) and whether the
	// v3.2 block is present.
	rotationMinSDK int
	v32Present     bool
}

func newSchemeVerifier(scheme Scheme, minSDK, maxSDK int) *schemeVerifier {
	v := &schemeVerifier{
		scheme:  scheme,
		minSDK:  minSDK,
		maxSDK:  maxSDK,
		res:     &SchemeResult{Scheme: scheme},
		digests: map[ContentDigestAlgorithm]bool{},
		budget:  NewWorkBudget(0),
	}
	switch scheme {
	case SchemeV2:
		v.blockID, v.codes = BlockIDV2, v2Codes
	case SchemeV3:
		v.blockID, v.codes = BlockIDV3, v3Codes
	case SchemeV31:
		v.blockID, v.codes = BlockIDV31, v3Codes
	}
	return v
}

func (v *schemeVerifier) isV3() bool { return v.scheme != SchemeV2 }

func (v *schemeVerifier) addError(code Code, format string, args ...any) {
	v.res.Errors = append(v.res.Errors, Issue{Code: code, Scheme: v.scheme, Message: fmt.Sprintf(format, args...), Signer: -1})
}

func (v *schemeVerifier) signerError(s *SignerResult, code Code, format string, args ...any) {
	s.Errors = append(s.Errors, Issue{Code: code, Scheme: v.scheme, Message: fmt.Sprintf(format, args...), Signer: s.Index})
}

func (v *schemeVerifier) signerWarning(s *SignerResult, code Code, format string, args ...any) {
	if len(s.Warnings) >= maxSignerWarnings {
		return
	}
	s.Warnings = append(s.Warnings, Issue{Code: code, Scheme: v.scheme, Message: fmt.Sprintf(format, args...), Signer: s.Index})
}

// hasErrors reports whether the scheme or any signer has an error.
func (v *schemeVerifier) hasErrors() bool { return schemeHasErrors(v.res) }

func schemeHasErrors(r *SchemeResult) bool {
	if len(r.Errors) > 0 {
		return true
	}
	for _, s := range r.Signers {
		if len(s.Errors) > 0 {
			return true
		}
	}
	return false
}

// load finds and reads the scheme's block. It returns nil when the APK has
// no such block, which is not an error (Present stays false).
func (v *schemeVerifier) load(a *apkzip.Archive) []byte {
	v.a = a
	p, ok := a.SigningBlock().Find(v.blockID)
	if !ok {
		return nil
	}
	v.res.Present = true
	value, err := a.PairValue(p)
	if err != nil {
		v.addError(v.codes.MalformedSigners, "reading the block: %v", err)
		return nil
	}
	return value
}

// parseSigners parses and verifies every signer of the block, everything
// but the content digests.
func (v *schemeVerifier) parseSigners(block []byte) {
	br := lpblock.New(block)
	signers, err := br.LengthPrefixed()
	if err != nil {
		v.addError(v.codes.MalformedSigners, "%v", err)
		return
	}
	if !signers.HasRemaining() {
		v.addError(v.codes.NoSigners, "no signers")
		return
	}
	count := 0
	for signers.HasRemaining() {
		if v.scheme == SchemeV2 && count >= maxV2Signers+1 {
			// The verdict is already failure; count the rest without
			// keeping them, as apksig reports the total.
			if _, err := signers.LengthPrefixed(); err != nil {
				v.addError(CodeV2MalformedSigner, "signer #%d: %v", count+1, err)
				return
			}
			count++
			continue
		}
		if v.scheme != SchemeV2 && count >= maxV3Signers {
			v.addError(CodeV3MaxSignersExceeded, "more than %d signers", maxV3Signers)
			return
		}
		s := &SignerResult{Index: count, MaxSDK: MaxSDK}
		st := &signerState{res: s}
		count++
		v.res.Signers = append(v.res.Signers, s)
		v.signers = append(v.signers, st)
		sr, err := signers.LengthPrefixed()
		if err == nil {
			err = v.parseSigner(st, sr)
		}
		if err != nil {
			v.signerError(s, v.codes.MalformedSigner, "%v", err)
			return
		}
	}
	if v.scheme == SchemeV2 && count > maxV2Signers {
		v.addError(CodeV2MaxSignaturesExceeded, "%d signers, at most %d allowed", count, maxV2Signers)
	}
}

// parseSigner follows apksig's order of checks so that the first problem
// reported is the one Android reports: signatures over the signed data
// are verified with the signer's public key before the signed data is
// trusted and parsed. A returned error means broken framing.
func (v *schemeVerifier) parseSigner(st *signerState, r lpblock.Reader) error {
	s := st.res
	signedData, err := r.LengthPrefixedBytes()
	if err != nil {
		return err
	}
	if v.isV3() {
		minS, err := r.I32()
		if err != nil {
			return err
		}
		maxS, err := r.I32()
		if err != nil {
			return err
		}
		s.MinSDK, s.MaxSDK = int(minS), int(maxS)
		if minS < 0 || minS > maxS {
			v.signerError(s, CodeV3InvalidSDKVersions, "invalid SDK range %d-%d", minS, maxS)
		}
	}
	sigs, err := r.LengthPrefixed()
	if err != nil {
		return err
	}
	publicKey, err := r.LengthPrefixedBytes()
	if err != nil {
		return err
	}

	var known []SignatureAlgorithmID
	var knownSigs [][]byte
	count := 0
	for sigs.HasRemaining() {
		count++
		sr, err := sigs.LengthPrefixed()
		var id uint32
		var sig []byte
		if err == nil {
			id, err = sr.U32()
		}
		if err == nil {
			sig, err = sr.LengthPrefixedBytes()
		}
		if err != nil {
			v.signerError(s, v.codes.MalformedSignature, "signature #%d: %v", count, err)
			return nil
		}
		alg := SignatureAlgorithmID(id)
		s.SignatureAlgorithms = append(s.SignatureAlgorithms, alg)
		if !alg.Known() {
			v.signerWarning(s, v.codes.UnknownSigAlgorithm, "unknown signature algorithm %s", alg)
			continue
		}
		known = append(known, alg)
		knownSigs = append(knownSigs, sig)
	}
	if len(s.SignatureAlgorithms) == 0 {
		v.signerError(s, v.codes.NoSignatures, "no signatures")
		return nil
	}
	lo, hi := v.minSDK, v.maxSDK
	if v.isV3() {
		// A v3 signer only has to verify on the versions it targets.
		lo, hi = s.MinSDK, s.MaxSDK
	}
	picked, err := signaturesToVerify(known, lo, hi)
	if err != nil {
		v.signerError(s, v.codes.NoSupportedSignatures, "no signature supported on SDK %d-%d", lo, hi)
		return nil
	}
	for _, i := range picked {
		alg := known[i]
		pub, err := parsePublicKeyFor(alg, publicKey)
		if code := limitCode(err); code != "" {
			v.signerError(s, code, "%v", err)
			return nil
		}
		if err != nil {
			v.signerError(s, v.codes.MalformedPublicKey, "%v", err)
			return nil
		}
		ok, err := verifySignature(v.budget, alg, pub, signedData, knownSigs[i])
		if code := limitCode(err); code != "" {
			v.signerError(s, code, "%s: %v", alg, err)
			return nil
		}
		if err != nil {
			v.signerError(s, v.codes.VerifyException, "%s: %v", alg, err)
			return nil
		}
		if !ok {
			v.signerError(s, v.codes.DidNotVerify, "%s signature over signed data did not verify", alg)
			return nil
		}
		s.VerifiedAlgorithms = append(s.VerifiedAlgorithms, alg)
		d, _ := alg.ContentDigest()
		v.digests[d] = true
	}

	// A signature verified: the signed data can be trusted and parsed.
	sd := lpblock.New(signedData)
	digests, err := sd.LengthPrefixed()
	if err != nil {
		return err
	}
	certs, err := sd.LengthPrefixed()
	if err != nil {
		return err
	}
	if v.isV3() {
		minS, err := sd.I32()
		if err != nil {
			return err
		}
		if int(minS) != s.MinSDK {
			v.signerError(s, CodeV3MinSDKMismatch,
				"min SDK %d in the signer, %d in the signed data", s.MinSDK, minS)
		}
		maxS, err := sd.I32()
		if err != nil {
			return err
		}
		if int(maxS) != s.MaxSDK {
			v.signerError(s, CodeV3MaxSDKMismatch,
				"max SDK %d in the signer, %d in the signed data", s.MaxSDK, maxS)
		}
	}
	attrs, err := sd.LengthPrefixed()
	if err != nil {
		return err
	}

	for i := 0; certs.HasRemaining(); i++ {
		der, err := certs.LengthPrefixedBytes()
		if err != nil {
			return err
		}
		c, err := archiveCertificate(v.a, der)
		if err != nil {
			v.signerError(s, v.codes.MalformedCertificate, "certificate #%d: %v", i+1, err)
			return nil
		}
		s.Certificates = append(s.Certificates, c)
	}
	if len(s.Certificates) == 0 {
		v.signerError(s, v.codes.NoCertificates, "no certificates")
		return nil
	}
	if !publicKeyMatches(s.Certificates[0], publicKey) {
		v.signerError(s, v.codes.PublicKeyMismatch,
			"public key in the signer record differs from the certificate's")
		return nil
	}

	count = 0
	for digests.HasRemaining() {
		count++
		dr, err := digests.LengthPrefixed()
		var id uint32
		var val []byte
		if err == nil {
			id, err = dr.U32()
		}
		if err == nil {
			val, err = dr.LengthPrefixedBytes()
		}
		if err != nil {
			v.signerError(s, v.codes.MalformedDigest, "digest #%d: %v", count, err)
			return nil
		}
		s.ContentDigests = append(s.ContentDigests, ContentDigest{Algorithm: SignatureAlgorithmID(id), Digest: append([]byte(nil), val...)})
	}
	if !sameAlgorithms(s.SignatureAlgorithms, s.ContentDigests) {
		v.signerError(s, v.codes.SigAlgMismatch,
			"signature algorithms %v, digest algorithms %v", s.SignatureAlgorithms, digestAlgorithms(s.ContentDigests))
		return nil
	}

	count = 0
	for attrs.HasRemaining() {
		count++
		ar, err := attrs.LengthPrefixed()
		var id uint32
		if err == nil {
			id, err = ar.U32()
		}
		if err != nil {
			v.signerError(s, v.codes.MalformedAdditionalAttribute, "attribute #%d: %v", count, err)
			return nil
		}
		value := ar.Rest()
		st.attrs = append(st.attrs, attribute{id: id, value: value})
		if !v.attribute(st, id, value) {
			v.signerError(s, v.codes.MalformedAdditionalAttribute, "attribute #%d (0x%08x) is too short", count, id)
			return nil
		}
	}
	v.afterAttributes(st)
	return nil
}

// attribute handles one additional attribute; it returns false when the
// value is too short for its type (apksig's BufferUnderflowException).
func (v *schemeVerifier) attribute(st *signerState, id uint32, value []byte) bool {
	s := st.res
	if v.scheme == SchemeV2 {
		if id != AttrStrippingProtection {
			v.signerWarning(s, CodeV2UnknownAdditionalAttribute, "unknown additional attribute 0x%08x", id)
			return true
		}
		if len(value) < 4 {
			return false
		}
		scheme := int(int32(binary.LittleEndian.Uint32(value)))
		s.StrippingProtection = append(s.StrippingProtection, scheme)
		if !v.supportedSchemes[scheme] {
			v.signerWarning(s, CodeV2UnknownSchemeID, "stripping protection names unknown scheme %d", scheme)
		}
		return true
	}
	switch id {
	case AttrProofOfRotation:
		l, err := parseLineage(value, v.budget)
		if err != nil {
			v.signerError(s, lineageIssueCode(err), "proof-of-rotation: %v", err)
			return true
		}
		s.Lineage = l
		if i := lineageIndexOf(l, s.Cert()); i != len(l.Nodes)-1 {
			v.signerError(s, CodeV3PORCertMismatch, "the signer's certificate is not the last node of its lineage")
		}
	case AttrRotationMinSDK:
		st.rotAttr = true
		if len(value) >= 4 {
			s.RotationMinSDK = int(int32(binary.LittleEndian.Uint32(value)))
		}
		// apksig reads the value only when the range reaches v3.1.
		if v.maxSDK >= SDKT {
			if len(value) < 4 {
				return false
			}
			switch {
			case v.rotationMinSDK == 0:
				v.signerError(s, CodeV31BlockMissing,
					"rotation-min-sdk-version %d names a v3.1 block that is missing", s.RotationMinSDK)
			case s.RotationMinSDK != v.rotationMinSDK:
				v.signerError(s, CodeV31RotationMinSDKMismatch,
					"rotation-min-sdk-version %d, the v3.1 block starts at %d", s.RotationMinSDK, v.rotationMinSDK)
			}
		}
	case AttrRotationOnDevRelease:
		st.devRelease = true
		s.RotationTargetsDevRelease = true
		if v.scheme != SchemeV31 {
			v.signerWarning(s, CodeV31DevReleaseOnV3,
				"the dev-release rotation attribute belongs on a v3.1 signer")
		}
	case AttrV32Required, AttrV32RequiredAlt:
		// Newer than apksig 13: these announce a v3.2 block, so their
		// presence without one means the block was stripped.
		if !v.v32Present {
			v.signerError(s, CodeV3MissingV32Block,
				"attribute 0x%08x requires an APK Signature Scheme v3.2 block, which is missing", id)
		}
	default:
		v.signerWarning(s, CodeV3UnknownAdditionalAttribute, "unknown additional attribute 0x%08x", id)
	}
	return true
}

// afterAttributes runs the checks that need all attributes of a signer.
func (v *schemeVerifier) afterAttributes(st *signerState) {
	s := st.res
	if v.scheme == SchemeV2 {
		// Every scheme the stripping protection names, and the range
		// supports, must have been found.
		seen := map[int]bool{}
		for _, id := range s.StrippingProtection {
			if !v.supportedSchemes[id] || seen[id] {
				continue
			}
			seen[id] = true
			if !v.foundSchemes[id] {
				v.signerError(s, CodeV2MissingReferenced,
					"signer names APK Signature Scheme v%d, whose signature is missing", id)
			}
		}
		return
	}
	if v.scheme == SchemeV3 && v.rotationMinSDK > 0 && !st.rotAttr {
		v.signerWarning(s, CodeV31RotationAttrMissing,
			"a v3.1 block targets SDK %d but the v3.0 signer has no rotation-min-sdk-version attribute", v.rotationMinSDK)
	}
}

// publicKeyMatches compares the signer record's public key with the
// certificate's, accepting both the bytes in the certificate and their
// DER re-encoding (Android compares with the key's re-encoded form).
func publicKeyMatches(c *Certificate, pub []byte) bool {
	if bytes.Equal(c.RawSubjectPublicKeyInfo, pub) {
		return true
	}
	if c.PublicKey != nil {
		if enc, err := x509.MarshalPKIXPublicKey(c.PublicKey); err == nil && bytes.Equal(enc, pub) {
			return true
		}
	}
	return false
}

func sameAlgorithms(sigs []SignatureAlgorithmID, digests []ContentDigest) bool {
	if len(sigs) != len(digests) {
		return false
	}
	for i := range sigs {
		if sigs[i] != digests[i].Algorithm {
			return false
		}
	}
	return true
}

func digestAlgorithms(ds []ContentDigest) []SignatureAlgorithmID {
	out := make([]SignatureAlgorithmID, len(ds))
	for i, d := range ds {
		out[i] = d.Algorithm
	}
	return out
}

// verifyIntegrity computes the content digests the verified signatures
// sign (once, through d) and compares every signer's listed digest for
// those algorithms. Digests for algorithms no checked signature uses are
// ignored, as on Android.
func (v *schemeVerifier) verifyIntegrity(ctx context.Context, d *ContentDigester) {
	algs := make([]ContentDigestAlgorithm, 0, len(v.digests))
	for a := range v.digests {
		algs = append(algs, a)
	}
	sort.Slice(algs, func(i, j int) bool { return algs[i] < algs[j] })
	if len(algs) == 0 {
		return
	}
	actual, err := d.Digests(ctx, algs...)
	if err != nil {
		code := CodeContentDigestFailed
		var de *Error
		switch {
		case errors.As(err, &de):
			code = de.Code
		case ctx.Err() != nil:
			code = CodeCanceled
		}
		v.addError(code, "computing content digests: %v", err)
		return
	}
	for _, st := range v.signers {
		s := st.res
		for _, cd := range s.ContentDigests {
			alg, ok := cd.Algorithm.ContentDigest()
			if !ok || !v.digests[alg] {
				continue
			}
			if !bytes.Equal(cd.Digest, actual[alg]) {
				v.signerError(s, v.codes.APKDigestDidNotVerify,
					"%s content digest does not match the APK: signed %x, actual %x", alg, cd.Digest, actual[alg])
			}
		}
	}
}

// finish sets Verified from the issues found.
func (v *schemeVerifier) finish() *SchemeResult {
	v.res.Verified = v.res.Present && !v.hasErrors()
	return v.res
}

// ApkContentDigests returns the content digests a scheme's signers list,
// by content digest algorithm, as Android gathers them for the source
// stamp: the last signer listing an algorithm wins. Only meaningful when
// r.Verified.
func ApkContentDigests(r *SchemeResult) map[ContentDigestAlgorithm][]byte {
	out := map[ContentDigestAlgorithm][]byte{}
	if r == nil {
		return out
	}
	for _, s := range r.Signers {
		for _, cd := range s.ContentDigests {
			if alg, ok := cd.Algorithm.ContentDigest(); ok {
				out[alg] = cd.Digest
			}
		}
	}
	return out
}
