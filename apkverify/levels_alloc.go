package apkverify

import "github.com/apktrust/apktrust/signer"

// presizeSigners returns a slice with room for every signer of the spans
// that verified (nil when there is none, as before): Signer is large,
// and growing the slice one append at a time allocated it three times
// over for the usual v1, v2 and v3 spans.
func presizeSigners(spans []levelSpan) []Signer {
	n := 0
	for _, sp := range spans {
		if sp.ok() {
			n += len(sp.signers)
		}
	}
	if n == 0 {
		return nil
	}
	return make([]Signer, 0, n)
}

// certSigner remembers the certificate part of the last Signer built:
// the spans of one app usually share one certificate (the same parsed
// certificate for v1, v2 and v3), and its fingerprints and dates are
// formatted once instead of once per span. The strings are immutable,
// so the Signers may share them.
type certSigner struct {
	c *signer.Certificate
	s Signer
}

// newSigner is newSigner with the certificate part reused.
func (l *certSigner) newSigner(scheme signer.Scheme, s *signer.SignerResult, from, to int) Signer {
	c := s.Cert()
	if c == nil {
		return newSigner(scheme, s, from, to)
	}
	if l.c != c {
		l.c, l.s = c, signerOf(c)
	}
	out := l.s
	out.MinSDK, out.MaxSDK, out.Scheme = from, to, scheme
	out.Rotated, out.Lineage = s.Lineage != nil, s.Lineage
	return out
}
