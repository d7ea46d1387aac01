package apkverify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// Certificates of the apksig corpus and the real-world set used below.
const (
	// v31-rsa-2048_2-tgt-34-1-tgt-28.apk: v1/v2/v3 by rsa-2048, v3.1 by
	// rsa-2048_2 with the lineage rsa-2048 → rsa-2048_2.
	corpusOldKey = "fb5dbd3c669af9fc236c6991e6387b7f11ff0590997f22d0f5c74ff40e04fca8"
	corpusNewKey = "681b0e56a796350c08647352a4db800cc44b2adc8f4c72fa350bd05d4d50264d"
	// Google Calculator before and after Play's key upgrade.
	calculatorOldKey = "90e8b84c91ae47530018af7fc35a943716fc8d2271f03548a1833be0166e2066"
	calculatorNewKey = "f130f9f844b4e3cc57754b1bf8f3c32e896e1441cae030b3616ab4d1efd9f263"
	// The public AOSP test key (platform/build/target/product/security).
	aospTestKey = "a40da80a59d170caa950cf15c18c454d47a39b26989d8b640ecd745ba71bf5dc"
)

type policyCase struct {
	name string
	file func(t *testing.T) string
	// policy builds the policy; it may look up fixture keys.
	policy func(t *testing.T) *apkverify.Policy
	// wantTrusted and the violation codes expected (all of them, in any
	// order); wantMessage are substrings the violation messages must hold.
	wantTrusted    bool
	wantViolations []signer.Code
	wantMessage    []string
}

func TestPolicy(t *testing.T) {
	fx := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return fixture(t, name) }
	}
	corpus := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return corpusAPK(t, name) }
	}
	real := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return realWorldAPK(t, name) }
	}
	pin := func(keys ...string) func(t *testing.T) *apkverify.Policy {
		return func(t *testing.T) *apkverify.Policy {
			p := &apkverify.Policy{}
			for _, k := range keys {
				if len(k) != 64 {
					k = keySHA256(t, k)
				}
				p.TrustedCertSHA256 = append(p.TrustedCertSHA256, k)
			}
			return p
		}
	}
	with := func(base func(t *testing.T) *apkverify.Policy, edit func(t *testing.T, p *apkverify.Policy)) func(t *testing.T) *apkverify.Policy {
		return func(t *testing.T) *apkverify.Policy {
			p := base(t)
			edit(t, p)
			return p
		}
	}
	cases := []policyCase{
		{name: "the right key passes", file: fx("min21-v123.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				p.Package = "dev.apktrust.fixture"
				p.MinVersionCode = 7
			}),
			wantTrusted: true},
		{name: "the fingerprint may be written keytool-style", file: fx("min21-v123.apk"),
			policy: func(t *testing.T) *apkverify.Policy {
				hex := strings.ToUpper(keySHA256(t, "rsa-a"))
				var pairs []string
				for i := 0; i < len(hex); i += 2 {
					pairs = append(pairs, hex[i:i+2])
				}
				return &apkverify.Policy{TrustedCertSHA256: []string{strings.Join(pairs, ":")}}
			},
			wantTrusted: true},
		{name: "a different key fails, naming both", file: fx("min21-v123.apk"), policy: pin("rsa-b"),
			wantViolations: []signer.Code{apkverify.PolicyUntrustedSigner},
			wantMessage:    []string{"CN=apktrust test A", "expected one of"}},
		{name: "one of several pinned keys is enough", file: fx("min21-v123-ec.apk"), policy: pin("rsa-a", "ec-p256"), wantTrusted: true},
		{name: "two signers, both pinned", file: fx("min21-v12-two-signers.apk"), policy: pin("rsa-a", "rsa-b"), wantTrusted: true},
		{name: "two signers, only one pinned", file: fx("min21-v12-two-signers.apk"), policy: pin("rsa-a"),
			wantViolations: []signer.Code{apkverify.PolicySignerNotInLineage},
			wantMessage:    []string{"CN=apktrust test B", "neither that key nor in its proof-of-rotation"}},
		{name: "rotated file, old key pinned: the new signer's lineage contains it", file: fx("min21-v123-rot-ab.apk"), policy: pin("rsa-a"), wantTrusted: true},
		{name: "rotated file, new key pinned: the old signers are in its lineage", file: fx("min21-v123-rot-ab.apk"), policy: pin("rsa-b"), wantTrusted: true},
		{name: "rotated twice, first key pinned", file: fx("min21-v123-rot-abc.apk"), policy: pin("rsa-a"), wantTrusted: true},
		{name: "rotated twice, intermediate key pinned", file: fx("min21-v123-rot-abc.apk"), policy: pin("rsa-b"), wantTrusted: true},
		{name: "old-key file with only the new key pinned: no proof of the new key's consent", file: fx("min21-v123.apk"), policy: pin("rsa-b"),
			wantViolations: []signer.Code{apkverify.PolicyUntrustedSigner}},
		{name: "rotation with a forged lineage is not trusted through it", file: fx("min21-v123-rot-ab-broken-link.apk"), policy: pin("rsa-a"),
			wantViolations: []signer.Code{apkverify.PolicyNotVerified}},
		{name: "Play v3.1 key upgrade, old key pinned", file: corpus("v31-rsa-2048_2-tgt-34-1-tgt-28.apk"), policy: pin(corpusOldKey), wantTrusted: true},
		{name: "Play v3.1 key upgrade, new key pinned", file: corpus("v31-rsa-2048_2-tgt-34-1-tgt-28.apk"), policy: pin(corpusNewKey), wantTrusted: true},
		{name: "Play v3.1 key upgrade, unrelated key pinned", file: corpus("v31-rsa-2048_2-tgt-34-1-tgt-28.apk"), policy: pin(strings.Repeat("ab", 32)),
			wantViolations: []signer.Code{apkverify.PolicyUntrustedSigner},
			wantMessage:    []string{corpusOldKey, corpusNewKey}},
		{name: "real Play key upgrade (Calculator 8.6.1), old key pinned", file: real("play-google-calculator_85005519-standalone.apk"), policy: pin(calculatorOldKey), wantTrusted: true},
		{name: "real Play key upgrade (Calculator 8.6.1), new key pinned", file: real("play-google-calculator_85005519-standalone.apk"), policy: pin(calculatorNewKey), wantTrusted: true},
		{name: "real pre-upgrade release (Calculator 7.8), old key pinned", file: real("play-google-calculator_78000303.apk"), policy: pin(calculatorOldKey), wantTrusted: true},
		{name: "real pre-upgrade release (Calculator 7.8), only the new key pinned", file: real("play-google-calculator_78000303.apk"), policy: pin(calculatorNewKey),
			wantViolations: []signer.Code{apkverify.PolicyUntrustedSigner},
			wantMessage:    []string{calculatorOldKey, "CN=calculator_google", calculatorNewKey}},
		{name: "debuggable build fails", file: fx("debuggable-v123.apk"), policy: pin("rsa-a"),
			wantViolations: []signer.Code{apkverify.PolicyDebuggable}},
		{name: "debuggable build passes when allowed", file: fx("debuggable-v123.apk"),
			policy:      with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) { p.AllowDebuggable = true }),
			wantTrusted: true},
		// android:debuggable="@bool/..." is resolved through resources.arsc
		// (false in every configuration here) rather than guessed.
		{name: "debuggable through a resource reference resolving to false passes", file: corpus("debuggable-resource.apk"), policy: allowTestKeys(pin(aospTestKey)),
			wantTrusted: true},
		{name: "debuggable as a literal in an AOSP corpus APK fails", file: corpus("debuggable-boolean.apk"), policy: allowTestKeys(pin(aospTestKey)),
			wantViolations: []signer.Code{apkverify.PolicyDebuggable}},
		{name: "testOnly build fails", file: fx("testonly-v123.apk"), policy: pin("rsa-a"),
			wantViolations: []signer.Code{apkverify.PolicyTestOnly}},
		{name: "testOnly build passes when allowed", file: fx("testonly-v123.apk"),
			policy:      with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) { p.AllowTestOnly = true }),
			wantTrusted: true},
		{name: "wrong package", file: fx("min21-v123.apk"),
			policy:         with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) { p.Package = "com.example.other" }),
			wantViolations: []signer.Code{apkverify.PolicyPackageMismatch},
			wantMessage:    []string{`"dev.apktrust.fixture"`, `"com.example.other"`}},
		{name: "versionCode below the minimum", file: fx("min21-v123.apk"),
			policy:         with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) { p.MinVersionCode = 8 }),
			wantViolations: []signer.Code{apkverify.PolicyVersionTooLow},
			wantMessage:    []string{"versionCode 7", "minimum 8"}},
		{name: "required scheme missing", file: fx("min21-v1-rsa.apk"),
			policy:         with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) { p.RequireSchemes = []signer.Scheme{signer.SchemeV2} }),
			wantViolations: []signer.Code{apkverify.PolicySchemeMissing}},
		{name: "no trusted key is a violation, not a pass", file: fx("min21-v123.apk"),
			policy:         func(t *testing.T) *apkverify.Policy { return &apkverify.Policy{Package: "dev.apktrust.fixture"} },
			wantViolations: []signer.Code{apkverify.PolicyNoTrustedKey}},
		{name: "accepting any signer must be explicit", file: fx("min21-v123.apk"),
			policy: func(t *testing.T) *apkverify.Policy {
				return &apkverify.Policy{InsecureAcceptAnySigner: true, Package: "dev.apktrust.fixture"}
			},
			wantTrusted: true},
		{name: "a file that does not verify is never trusted", file: fx("tamper-stored-entry.apk"), policy: pin("rsa-a"),
			wantViolations: []signer.Code{apkverify.PolicyNotVerified}},
		{name: "several violations are all reported", file: fx("debuggable-v123.apk"),
			policy: with(pin("rsa-b"), func(t *testing.T, p *apkverify.Policy) {
				p.Package = "com.example.other"
			}),
			wantViolations: []signer.Code{apkverify.PolicyUntrustedSigner, apkverify.PolicyPackageMismatch, apkverify.PolicyDebuggable}},
		{name: "history: a file signed by the old key is refused without the rollback capability", file: fx("min21-v123.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				p.History = lineageFixture(t, "rsa-a_to_rsa-b.lineage")
			}),
			wantViolations: []signer.Code{apkverify.PolicyRollbackNotAllowed},
			wantMessage:    []string{"CN=apktrust test A", "CN=apktrust test B", "rollback"}},
		{name: "history: the old key is accepted when the history grants it rollback", file: fx("min21-v123.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				h := lineageFixture(t, "rsa-a_to_rsa-b.lineage")
				h.Nodes[0].Flags |= signer.CapabilityRollback
				p.History = h
			}),
			wantTrusted: true},
		{name: "history: a file signed by the current key passes", file: fx("min21-v123-rot-ab.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				p.History = lineageFixture(t, "rsa-a_to_rsa-b.lineage")
			}),
			wantTrusted: true},
		{name: "history: a file rotated beyond the history passes", file: fx("min21-v123-rot-abc.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				p.History = lineageFixture(t, "rsa-a_to_rsa-b.lineage")
			}),
			wantTrusted: true},
		{name: "history: an intermediate key is refused once the app moved on", file: fx("min21-v123-rot-ab.apk"),
			policy: with(pin("rsa-a"), func(t *testing.T, p *apkverify.Policy) {
				p.History = lineageFixture(t, "rsa-a_to_rsa-b_to_rsa-c.lineage")
			}),
			wantViolations: []signer.Code{apkverify.PolicyRollbackNotAllowed}},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, c.file(t), apkverify.Options{Policy: c.policy(t)})
			require.NoError(t, err)
			require.NotNil(t, res.Policy)
			requirePolicyVerdict(t, res, c.wantTrusted, c.wantViolations, c.wantMessage)
			if c.wantTrusted {
				require.NoError(t, res.Err())
			} else {
				err := res.Err()
				require.ErrorIs(t, err, apkverify.ErrUntrusted)
				var ve *apkverify.VerificationError
				require.True(t, errors.As(err, &ve))
				require.Same(t, res, ve.Result)
				require.Contains(t, err.Error(), c.wantViolations[0])
			}
		})
	}
}

// TestPolicyMessageNamesBothKeys pins the exact wording users act on.
func TestPolicyMessageNamesBothKeys(t *testing.T) {
	a, b := keySHA256(t, "rsa-a"), keySHA256(t, "rsa-b")
	res, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"),
		apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{b}}})
	require.NoError(t, err)
	require.Len(t, res.Policy.Violations, 1)
	msg := res.Policy.Violations[0].Message
	require.True(t, strings.HasPrefix(msg, "signed by "+a+" (CN=apktrust test A,O=apktrust test keys)"), msg)
	require.True(t, strings.HasSuffix(msg, "expected one of "+b), msg)
}

func TestPolicyRejectsMalformedFingerprint(t *testing.T) {
	for _, fp := range []string{"", "xyz", strings.Repeat("a", 63), strings.Repeat("a", 66)} {
		_, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"),
			apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{fp}}})
		require.ErrorIs(t, err, apkverify.ErrInvalidOptions, "fingerprint %q", fp)
	}
}
