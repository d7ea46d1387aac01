package apkverify

import (
	"github.com/apktrust/apktrust/signer"
)

// Validate reports whether the Policy can be applied: every fingerprint is
// a SHA-256 in one of the accepted hex forms, RequireSourceStamp and
// TrustedStampCertSHA256 come together, RequireSchemes and
// AllowKnownKeyCategories name known values. The error matches
// ErrInvalidOptions. Verify validates its Options.Policy the same way
// before reading the file.
func (p *Policy) Validate() error {
	_, err := p.compile()
	return err
}

// Evaluate applies the Policy to a Result and returns its outcome, without
// changing res: it is what Verify stores in Result.Policy (Result.Trusted
// is then PolicyResult.Trusted), and it gives the same outcome for a
// Result read back from its JSON, so a stored result can be judged again,
// under the same Policy or a newer one. An invalid Policy (see Validate)
// trusts nothing: its only violation is POLICY_INVALID.
func (p *Policy) Evaluate(res *Result) PolicyResult {
	keys, err := p.compile()
	if err != nil {
		return PolicyResult{Violations: []Violation{{Code: PolicyInvalid, Message: err.Error()}}}
	}
	if res == nil {
		res = &Result{}
	}
	return *evaluatePolicy(res, p, keys)
}

// Trusted reports whether the Policy holds: no violations.
func (pr PolicyResult) Trusted() bool { return len(pr.Violations) == 0 }

// setPolicy records the outcome of a Policy on res.
func (res *Result) setPolicy(pr *PolicyResult) {
	res.Policy, res.Trusted = pr, pr.Trusted()
}

// compile checks the Policy and parses its fingerprints, once per Verify.
func (p *Policy) compile() (policyKeys, error) {
	var keys policyKeys
	if p == nil {
		// A nil *Policy means "no policy" in Options; asked to judge,
		// it trusts nothing rather than panic.
		return keys, optionsError("no Policy to evaluate (nil)")
	}
	for _, s := range p.TrustedCertSHA256 {
		fp, ok := parseFingerprint(s)
		if !ok {
			return keys, optionsError("trusted certificate %q is not a SHA-256 fingerprint (64 hex digits)", s)
		}
		keys.signers = append(keys.signers, fp)
	}
	for _, s := range p.TrustedStampCertSHA256 {
		fp, ok := parseFingerprint(s)
		if !ok {
			return keys, optionsError("trusted stamp certificate %q is not a SHA-256 fingerprint (64 hex digits)", s)
		}
		keys.stamps = append(keys.stamps, fp)
	}
	switch {
	case p.RequireSourceStamp && len(keys.stamps) == 0:
		return keys, optionsError("RequireSourceStamp needs the trusted stamp certificates in TrustedStampCertSHA256 (for Google Play: PlayStoreStampCertSHA256): a stamp signed by any key proves nothing")
	case !p.RequireSourceStamp && len(keys.stamps) > 0:
		return keys, optionsError("TrustedStampCertSHA256 is set but RequireSourceStamp is not: set RequireSourceStamp to check the stamp")
	}
	for _, s := range p.RequireSchemes {
		switch s {
		case signer.SchemeV1, signer.SchemeV2, signer.SchemeV3, signer.SchemeV31, signer.SchemeV4:
		default:
			return keys, optionsError("unknown scheme %q in RequireSchemes (want v1, v2, v3, v31 or v4)", s)
		}
	}
	for _, c := range p.AllowKnownKeyCategories {
		if _, ok := knownKeyCodes[c]; !ok {
			return keys, optionsError("AllowKnownKeyCategories: unknown category %q (want %s, %s or %s)", c,
				signer.KnownKeyTestKey, signer.KnownKeyLeakedPlatform, signer.KnownKeyDebug)
		}
	}
	return keys, nil
}
