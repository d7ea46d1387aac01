package apkverify

import (
	"encoding/hex"
	"encoding/json"

	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// Issue is one problem found while verifying, with a stable Code. Where
// AOSP apksig has an equivalent, Code is that Issue's name (for example
// V2_SIG_APK_DIGEST_DID_NOT_VERIFY); container problems use the container
// codes (ZIP_...).
type Issue = signer.Issue

// Result is the outcome of Verify. It encodes to JSON with stable field
// names; the verify CLI's --json output is exactly this encoding.
//
// The certificates a Result holds (its signers', the source stamp's, the
// v4 signature's) are its own, though verification keeps parsed
// certificates in a bounded process-wide cache: modifying them changes no
// other Result. Only their X509 views may be shared with other Results:
// treat those as read-only, like crypto/tls's peer certificates (no
// verification reads them); signer.ParseCertificate(c.Raw) gives one of
// one's own.
type Result struct {
	// File is the path given to VerifyFile (empty for Verify).
	File string `json:"file,omitempty"`
	// Kind is KindAppBundle for an Android App Bundle, empty for an APK.
	Kind string `json:"kind,omitempty"`

	// Verified is true when the signatures verify on every Android version
	// of the checked range, as Android's verifier decides: no Errors.
	Verified bool `json:"verified"`

	// Schemes says which schemes were checked and verified for the range.
	Schemes Schemes `json:"schemes"`

	// MinSDK and MaxSDK are the API levels the verification covered.
	MinSDK int `json:"minSdk"`
	MaxSDK int `json:"maxSdk"`

	// Signers are the signers Android uses, each with the SDK range and
	// the scheme it is used for, oldest API levels first. A file signed
	// with one key lists that key once per scheme that counts; a file
	// that rotated its key lists the old key for older Android and the
	// new key for newer Android.
	//
	// It is the per-API-level decision of Android's verifier: for each
	// level of [MinSDK, MaxSDK], the block a release build at that level
	// reads (v3.1 from 33 where a v3.1 signer's range holds the level,
	// else v3 from 28, else v2 from 24, else the JAR signature) and its
	// signer there. Ranges do not overlap, except that the several
	// signers of one v1/v2 signature share their range (the set is the
	// identity). When Verified, every level of the range is listed, save
	// API 24-27 of an APK with neither v2 nor v1 (warning
	// NO_SIG_FOR_SDK_24_TO_27). SignersAt looks up one level.
	Signers []Signer `json:"signers"`

	// DevReleaseSigners are the v3.1 signers that preview builds use
	// where release builds use another (Signers): previews report the
	// SDK number of the last release, so a preview of Android 14 at 33
	// uses a signer targeting the development release from 33, and
	// previews of Android 13 (reporting 32) read v3.1 signers covering
	// 32. The trust policy checks them too.
	DevReleaseSigners []Signer `json:"devReleaseSigners,omitempty"`

	// Lineage is the proof-of-rotation of the newest signer (v3.1 when it
	// verified, else v3), oldest certificate first; empty without
	// rotation.
	Lineage []LineageNode `json:"lineage"`

	// Manifest holds the facts of AndroidManifest.xml that matter for
	// trust, when it could be read.
	Manifest *Manifest `json:"manifest,omitempty"`
	// ManifestError says why AndroidManifest.xml could not be read when
	// Manifest is nil (empty when the file has none); a Policy that needs
	// the manifest names it in POLICY_MANIFEST_UNAVAILABLE.
	ManifestError string `json:"manifestError,omitempty"`
	// Modules are an App Bundle's modules, base first, each with its own
	// manifest's facts; Manifest is then the base module's, with the
	// debuggable and testOnly flags of every module.
	Modules []Module `json:"modules,omitempty"`

	// Errors make the file fail verification; Warnings do not.
	Errors   []Issue `json:"errors"`
	Warnings []Issue `json:"warnings"`

	// Trusted is true when a Policy was given, the file verified and the
	// policy holds. It is encoded only when a Policy was given.
	Trusted bool `json:"-"`
	// Policy is the outcome of the trust policy. It is nil exactly when
	// no Policy was given: Trusted == false with Policy == nil means "not
	// asked", with Policy != nil "rejected by the policy" (its Violations
	// say why). In the JSON, "policy" is then absent, or present with
	// "applied": true, and "trusted" likewise.
	Policy *PolicyResult `json:"policy,omitempty"`

	// SourceStamp is the source stamp: the distributor (Google Play for
	// Play deliveries) signing the APK's content digests with its stamp
	// key. Verify always sets it. Present is false for a file without a
	// stamp, with Status STAMP_MISSING and no errors: a missing stamp is
	// not a failure of the file, only a Policy requiring one makes it a
	// violation. A stamp is checked only when the signatures verified
	// (else its error is SOURCE_STAMP_NOT_CHECKED). It never changes
	// Verified; the problems of a stamp that was checked are also in
	// Warnings. Only Policy.RequireSourceStamp makes it part of Trusted.
	SourceStamp *signer.SourceStampResult `json:"sourceStamp,omitempty"`

	// V4 is the outcome of the APK Signature Scheme v4 file given in
	// Options. Verify always sets it; Present is false when no file was
	// given. Its errors are also in Errors, except V4_SIG_NOT_CHECKED
	// (the v2/v3 signatures it pairs with failed first). Schemes.V4 is
	// true only when a given file fully verified.
	V4 *signer.V4Result `json:"v4,omitempty"`

	// Frosting is Google Play's delivery metadata signature, checked on
	// its own. Verify always sets it; Present is false without frosting.
	// It never changes Verified, and changes Trusted only under
	// Policy.RequireFrosting.
	Frosting *signer.FrostingResult `json:"frosting,omitempty"`

	// SchemeResults are the raw per-scheme findings of the schemes that
	// were checked, in the order Android checks them.
	SchemeResults []*signer.SchemeResult `json:"schemeResults,omitempty"`

	lineage *signer.Lineage
	// stampKnown is the stamp certificate's known-key entry.
	stampKnown *signer.KnownKeyMatch
}

// Schemes says, per scheme, whether it was checked and verified for the
// SDK range. A scheme present in the file but not used by Android for the
// range (for example v2 next to v3 when minSdk ≥ 28) is false, as
// apksigner reports it.
type Schemes struct {
	V1  bool `json:"v1"`
	V2  bool `json:"v2"`
	V3  bool `json:"v3"`
	V31 bool `json:"v31"`
	V4  bool `json:"v4"`
}

// Has reports whether the scheme verified.
func (s Schemes) Has(scheme signer.Scheme) bool {
	switch scheme {
	case signer.SchemeV1:
		return s.V1
	case signer.SchemeV2:
		return s.V2
	case signer.SchemeV3:
		return s.V3
	case signer.SchemeV31:
		return s.V31
	case signer.SchemeV4:
		return s.V4
	}
	return false
}

// Signer is a signer Android uses for a range of API levels.
type Signer struct {
	CertSHA256 string `json:"certSha256"`
	// Subject and Issuer are the certificate's names in RFC 4514 form
	// (see signer.Certificate); they may hold any bytes the certificate
	// has, so escape them before printing.
	Subject string `json:"subject"`
	Issuer  string `json:"issuer,omitempty"`
	// SubjectHex and IssuerHex are the bytes of Subject and Issuer in hex,
	// set only when those are not valid UTF-8 (the JSON text then shows
	// U+FFFD in their place).
	SubjectHex string `json:"subjectHex,omitempty"`
	IssuerHex  string `json:"issuerHex,omitempty"`
	// CertSHA1 and CertMD5 are older fingerprints of the certificate, for
	// matching the Play Console (SHA-1) and older reports (MD5); the
	// identity is CertSHA256. PublicKeySHA256 is the SHA-256 of the
	// certificate's SubjectPublicKeyInfo, as apksigner prints it.
	CertSHA1        string `json:"certSha1,omitempty"`
	CertMD5         string `json:"certMd5,omitempty"`
	PublicKeySHA256 string `json:"publicKeySha256,omitempty"`
	// NotBefore and NotAfter are the certificate's validity (RFC 3339,
	// UTC). They are reported, not enforced: Android installs APKs whose
	// signing certificate has expired or is not yet valid.
	NotBefore string `json:"notBefore,omitempty"`
	NotAfter  string `json:"notAfter,omitempty"`
	// KeyAlgorithm is RSA, EC, DSA...; KeySize its size in bits.
	KeyAlgorithm string `json:"keyAlgorithm,omitempty"`
	KeySize      int    `json:"keySize,omitempty"`
	// MinSDK and MaxSDK are the API levels, within the checked range, on
	// which Android uses this signer; 2147483647 means all future ones.
	MinSDK int           `json:"minSdk"`
	MaxSDK int           `json:"maxSdk"`
	Scheme signer.Scheme `json:"scheme"`
	// Rotated is true when the signer carries a proof-of-rotation lineage.
	Rotated bool `json:"rotated,omitempty"`
	// Known is set when the certificate is a key anyone can sign with
	// (test, leaked or debug key); see CodeKnownTestKey.
	Known *signer.KnownKeyMatch `json:"known,omitempty"`

	// Certificate is the parsed signing certificate.
	Certificate *signer.Certificate `json:"-"`
	// Lineage is the signer's own proof-of-rotation, nil without one.
	Lineage *signer.Lineage `json:"-"`
}

// LineageNode is one certificate of a proof-of-rotation lineage.
type LineageNode struct {
	CertSHA256 string `json:"certSha256"`
	Subject    string `json:"subject,omitempty"`
	// SubjectHex is Subject's bytes in hex when they are not valid UTF-8.
	SubjectHex string `json:"subjectHex,omitempty"`
	// Capabilities the lineage grants this certificate, by name:
	// installedData, sharedUid, permission, rollback, auth.
	Capabilities []string `json:"capabilities"`
	Flags        uint32   `json:"flags"`
	// Known is set when the certificate is a known key, as on Signer.
	Known *signer.KnownKeyMatch `json:"known,omitempty"`
}

// Manifest holds the AndroidManifest.xml facts that matter for trust.
type Manifest struct {
	Package              string `json:"package"`
	VersionCode          int64  `json:"versionCode"`
	VersionName          string `json:"versionName"`
	MinSDK               int    `json:"minSdk"`
	TargetSDK            int    `json:"targetSdk"`
	TargetSandboxVersion int    `json:"targetSandboxVersion,omitempty"`
	Debuggable           bool   `json:"debuggable"`
	TestOnly             bool   `json:"testOnly"`
	Label                string `json:"label,omitempty"`
	SharedUserID         string `json:"sharedUserId,omitempty"`
	Split                string `json:"split,omitempty"`

	// Full is everything the manifest package read, for callers that need
	// more than the trust-relevant facts (permissions, meta-data).
	Full *manifest.Manifest `json:"-"`
}

// PolicyResult is the outcome of a Policy.
type PolicyResult struct {
	// Violations are the rules the file breaks; empty when trusted.
	Violations []Violation `json:"violations"`
	// TrustedSigner is the fingerprint of the signer that made the file
	// trusted, when one did.
	TrustedSigner string `json:"trustedSigner,omitempty"`
	// InsecureAcceptAnySigner echoes the policy switch, so a stored
	// result shows that no key was checked.
	InsecureAcceptAnySigner bool `json:"insecureAcceptAnySigner,omitempty"`
	// Warnings are facts about the decision that do not make the file
	// untrusted, with the same stable codes as violations (for example
	// POLICY_ROTATION_WITHOUT_HISTORY).
	Warnings []Violation `json:"warnings,omitempty"`
}

// Violation is one broken policy or install-set rule. Code is stable;
// Message says what was found and what was expected, naming certificates
// as "<sha256> (CN=...)". File and Split name the APK of an install set
// concerned, for a set's findings (SetResult.Errors); they are empty,
// and absent from the JSON, otherwise.
//
// The findings of the signature schemes are Issues (signer.Issue): they
// also name the scheme and signer, which a Violation has not, and their
// JSON always carries "signer", which a Violation's never did.
type Violation struct {
	Code    signer.Code `json:"code"`
	Message string      `json:"message"`
	File    string      `json:"file,omitempty"`
	Split   string      `json:"split,omitempty"`
}

// Err returns nil when the file verified and, if a Policy was given, is
// trusted. Otherwise it returns a *VerificationError listing every reason;
// errors.Is(err, ErrNotVerified) and errors.Is(err, ErrUntrusted) tell the
// two apart.
func (r *Result) Err() error {
	if r.Verified && (r.Policy == nil || r.Trusted) {
		return nil
	}
	return &VerificationError{Result: r}
}

// SignerCertificates returns the certificates apksigner prints as the
// APK's signers: the newest v3.1 or v3 signer, else every v2 signer, else
// every v1 signer. It is empty for a file that did not verify.
func (r *Result) SignerCertificates() []*signer.Certificate {
	if !r.Verified {
		return nil
	}
	var certs []*signer.Certificate
	for _, scheme := range []signer.Scheme{signer.SchemeV31, signer.SchemeV3} {
		var last *Signer
		for i := range r.Signers {
			if r.Signers[i].Scheme == scheme {
				last = &r.Signers[i]
			}
		}
		if last != nil {
			return append(certs, last.Certificate)
		}
	}
	for _, scheme := range []signer.Scheme{signer.SchemeV2, signer.SchemeV1} {
		for i := range r.Signers {
			if r.Signers[i].Scheme == scheme {
				certs = append(certs, r.Signers[i].Certificate)
			}
		}
		if len(certs) > 0 {
			return certs
		}
	}
	return nil
}

// LineageOf returns the file's proof-of-rotation lineage (see Lineage), to
// keep as Policy.History once the release is trusted. Nil without one.
func (r *Result) LineageOf() *signer.Lineage { return r.lineage }

// resultJSON is Result's encoding: "trusted" appears exactly when a
// policy was applied, so a missing key never reads as "not trusted".
type resultJSON struct {
	File          string                 `json:"file,omitempty"`
	Kind          string                 `json:"kind,omitempty"`
	Verified      bool                   `json:"verified"`
	Schemes       Schemes                `json:"schemes"`
	MinSDK        int                    `json:"minSdk"`
	MaxSDK        int                    `json:"maxSdk"`
	Signers       []Signer               `json:"signers"`
	DevRelease    []Signer               `json:"devReleaseSigners,omitempty"`
	Lineage       []lineageNodeJSON      `json:"lineage"`
	Manifest      *Manifest              `json:"manifest,omitempty"`
	ManifestError string                 `json:"manifestError,omitempty"`
	Modules       []Module               `json:"modules,omitempty"`
	Errors        []Issue                `json:"errors"`
	Warnings      []Issue                `json:"warnings"`
	Trusted       *bool                  `json:"trusted,omitempty"`
	Policy        *policyJSON            `json:"policy,omitempty"`
	SourceStamp   *sourceStampJSON       `json:"sourceStamp"`
	V4            *v4JSON                `json:"v4"`
	Frosting      *frostingJSON          `json:"frosting"`
	SchemeResults []*signer.SchemeResult `json:"schemeResults,omitempty"`
}

// The evidence objects are always encoded, each with every key present so
// that consumers never have to tell a missing key from a missing piece of
// evidence: lists are [], unknown text "", unknown numbers (a stamp without
// timestamp, frosting whose key index could not be read) null.

// sourceStampJSON is the encoding of Result.SourceStamp.
type sourceStampJSON struct {
	Present  bool                     `json:"present"`
	Verified bool                     `json:"verified"`
	Status   signer.SourceStampStatus `json:"status"`
	// CertSHA256 is the stamp certificate's SHA-256 (hex); PlayStoreCert
	// says whether it is PlayStoreStampCertSHA256 (whether or not the
	// stamp verified).
	CertSHA256    string   `json:"certSha256"`
	PlayStoreCert bool     `json:"playStoreCert"`
	Timestamp     *int64   `json:"timestamp"`
	Source        string   `json:"source"`
	Type          string   `json:"type"`
	Lineage       []string `json:"lineage"`
	BlockVersion  int      `json:"blockVersion,omitempty"`
	SignedSchemes []int    `json:"signedSchemes,omitempty"`
	Errors        []Issue  `json:"errors"`
	Warnings      []Issue  `json:"warnings"`
	// VerifiedSchemes: the schemes whose digests the stamp was checked
	// over; Binding: what the stamp covers and whether it binds the signers.
	VerifiedSchemes []int                   `json:"verifiedSchemes,omitempty"`
	Binding         *signer.EvidenceBinding `json:"binding"`
	// Known is the stamp certificate's known-key entry, null when none.
	Known *signer.KnownKeyMatch `json:"known"`
	// CertDER is the stamp certificate's bytes (base64), "" when unknown.
	CertDER string `json:"certDer"`
}

// v4JSON is the encoding of Result.V4.
type v4JSON struct {
	Present    bool     `json:"present"`
	Verified   bool     `json:"verified"`
	CertSHA256 []string `json:"certSha256"`
	RootHash   string   `json:"rootHash"`
	Errors     []Issue  `json:"errors"`
	Warnings   []Issue  `json:"warnings"`
}

// frostingJSON is the encoding of Result.Frosting.
type frostingJSON struct {
	Present        bool    `json:"present"`
	Verified       bool    `json:"verified"`
	KeyIndex       *uint64 `json:"keyIndex"`
	APKSHA256      string  `json:"apkSha256"`
	ComputedSHA256 string  `json:"computedSha256"`
	MetadataSize   int     `json:"metadataSize,omitempty"`
	Errors         []Issue `json:"errors"`
	Warnings       []Issue `json:"warnings"`
	// Binding: what the frosting covers and whether it binds the signers.
	Binding *signer.EvidenceBinding `json:"binding"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encodeStamp(st *signer.SourceStampResult) *sourceStampJSON {
	if st == nil {
		st = &signer.SourceStampResult{Status: signer.StampMissing}
	}
	j := &sourceStampJSON{
		Present: st.Present, Verified: st.Verified, Status: st.Status,
		CertSHA256: st.CertSHA256, PlayStoreCert: isPlayStampCert(st.CertSHA256),
		Source: st.Source, Type: st.Type, Lineage: nonNil(st.Lineage),
		BlockVersion: st.BlockVersion, SignedSchemes: st.SignedSchemes,
		Errors: nonNil(st.Errors), Warnings: nonNil(st.Warnings), Binding: st.Binding,
		VerifiedSchemes: st.VerifiedSchemes, CertDER: certDER(st.Certificate),
	}
	if st.Timestamp != 0 {
		t := st.Timestamp
		j.Timestamp = &t
	}
	return j
}

func (j *sourceStampJSON) decode() *signer.SourceStampResult {
	if j == nil {
		return nil
	}
	st := &signer.SourceStampResult{
		Present: j.Present, Verified: j.Verified, Status: j.Status,
		CertSHA256: j.CertSHA256, Source: j.Source, Type: j.Type,
		Lineage: j.Lineage, BlockVersion: j.BlockVersion, SignedSchemes: j.SignedSchemes,
		Errors: j.Errors, Warnings: j.Warnings, Binding: j.Binding,
		VerifiedSchemes: j.VerifiedSchemes,
	}
	if j.Timestamp != nil {
		st.Timestamp = *j.Timestamp
	}
	return st
}

func encodeV4(r *signer.V4Result) *v4JSON {
	if r == nil {
		r = &signer.V4Result{}
	}
	return &v4JSON{
		Present: r.Present, Verified: r.Verified, CertSHA256: nonNil(r.CertSHA256),
		RootHash: r.RootHash, Errors: nonNil(r.Errors), Warnings: nonNil(r.Warnings),
	}
}

func (j *v4JSON) decode() *signer.V4Result {
	if j == nil {
		return nil
	}
	return &signer.V4Result{Present: j.Present, Verified: j.Verified, CertSHA256: j.CertSHA256,
		RootHash: j.RootHash, Errors: j.Errors, Warnings: j.Warnings}
}

func encodeFrosting(r *signer.FrostingResult) *frostingJSON {
	if r == nil {
		r = &signer.FrostingResult{}
	}
	return &frostingJSON{
		Present: r.Present, Verified: r.Verified, KeyIndex: r.KeyIndex,
		APKSHA256: r.APKSHA256, ComputedSHA256: r.ComputedSHA256, MetadataSize: r.MetadataSize,
		Errors: nonNil(r.Errors), Warnings: nonNil(r.Warnings), Binding: r.Binding,
	}
}

func (j *frostingJSON) decode() *signer.FrostingResult {
	if j == nil {
		return nil
	}
	return &signer.FrostingResult{Present: j.Present, Verified: j.Verified, KeyIndex: j.KeyIndex,
		APKSHA256: j.APKSHA256, ComputedSHA256: j.ComputedSHA256, MetadataSize: j.MetadataSize,
		Errors: j.Errors, Warnings: j.Warnings, Binding: j.Binding}
}

// MarshalJSON encodes the Result with the field names documented on it;
// lists are [] rather than null. sourceStamp, v4 and frosting are always
// encoded, with "present": false when the evidence is absent, and every
// key always present (errors and warnings [], unknown numbers such as a
// missing stamp timestamp or frosting key index null). sourceStamp adds
// "playStoreCert", true when certSha256 is PlayStoreStampCertSHA256.
// Certificates carry their bytes ("certDer") and signers their own
// proof-of-rotation, so that the decoded Result can be judged again by
// Policy.Evaluate (see UnmarshalJSON).
func (r Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		File: r.File, Kind: r.Kind, Modules: r.Modules, Verified: r.Verified, Schemes: r.Schemes,
		MinSDK: r.MinSDK, MaxSDK: r.MaxSDK, ManifestError: r.ManifestError,
		Signers: r.Signers, DevRelease: r.DevReleaseSigners, Lineage: encodeResultLineage(&r), Manifest: r.Manifest,
		Errors: r.Errors, Warnings: r.Warnings, Policy: encodePolicy(r.Policy),
		SourceStamp: encodeStamp(r.SourceStamp), V4: encodeV4(r.V4), Frosting: encodeFrosting(r.Frosting),
		SchemeResults: r.SchemeResults,
	}
	j.SourceStamp.Known = r.stampKnown
	if j.Signers == nil {
		j.Signers = []Signer{}
	}
	if j.Lineage == nil {
		j.Lineage = []lineageNodeJSON{}
	}
	if j.Errors == nil {
		j.Errors = []Issue{}
	}
	if j.Warnings == nil {
		j.Warnings = []Issue{}
	}
	if r.Policy != nil {
		t := r.Trusted
		j.Trusted = &t
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote, so stored results can be
// read back and judged again (Policy.Evaluate): certificates, the
// signers' lineages and LineageOf are restored from their bytes. What the
// JSON does not hold stays empty: Manifest.Full, the lineage nodes'
// signature algorithms, the raw findings' certificates. A result stored
// without "certDer" (before apktrust wrote it) has no certificates, so a
// Policy pinning keys trusts it no more.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	lineage, l, err := decodeResultLineage(j.Lineage)
	if err != nil {
		return err
	}
	*r = Result{
		File: j.File, Kind: j.Kind, Modules: j.Modules, Verified: j.Verified, Schemes: j.Schemes,
		MinSDK: j.MinSDK, MaxSDK: j.MaxSDK, ManifestError: j.ManifestError,
		Signers: j.Signers, DevReleaseSigners: j.DevRelease, Lineage: lineage, Manifest: j.Manifest,
		lineage: l,
		Errors:  j.Errors, Warnings: j.Warnings, Policy: j.Policy.decode(),
		SourceStamp: j.SourceStamp.decode(), V4: j.V4.decode(), Frosting: j.Frosting.decode(),
		SchemeResults: j.SchemeResults,
	}
	if j.Trusted != nil {
		r.Trusted = *j.Trusted
	}
	if j.SourceStamp != nil {
		r.stampKnown = j.SourceStamp.Known
		if r.SourceStamp.Certificate, err = decodeCert(j.SourceStamp.CertDER, j.SourceStamp.CertSHA256); err != nil {
			return err
		}
	}
	return nil
}

func certHex(c *signer.Certificate) string {
	if c == nil {
		return ""
	}
	return hex.EncodeToString(c.SHA256[:])
}

// describeCert names a certificate the way messages do:
// "<sha256> (CN=...)".
func describeCert(c *signer.Certificate) string {
	if c == nil {
		return "(no certificate)"
	}
	if c.Subject == "" {
		return certHex(c)
	}
	return certHex(c) + " (" + c.Subject + ")"
}
