package apkverify

// policyJSON is the encoding of Result.Policy: the PolicyResult's fields
// plus "applied": true, so a consumer reads whether a policy decided
// "trusted" from the object itself. Without a policy, "policy" is absent.
type policyJSON struct {
	Applied bool `json:"applied"`
	PolicyResult
}

func encodePolicy(p *PolicyResult) *policyJSON {
	if p == nil {
		return nil
	}
	j := &policyJSON{Applied: true, PolicyResult: *p}
	if j.Violations == nil {
		j.Violations = []Violation{}
	}
	return j
}

func (j *policyJSON) decode() *PolicyResult {
	if j == nil {
		return nil
	}
	p := j.PolicyResult
	return &p
}
