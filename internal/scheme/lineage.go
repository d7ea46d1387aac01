package scheme

import (
	"bytes"
	"errors"
)

// The lineage rules of the v3 verifier: which issue a lineage that does
// not parse is, and how the lineages of several signers join into one
// history. They act on signer's public Lineage.

// lineageIssueCode maps a lineage error to the v3 issue apksig reports
// for it: its SecurityException cases (bad signature, algorithm mismatch,
// duplicate or unparsable certificate) are V3_SIG_POR_DID_NOT_VERIFY, its
// IllegalArgumentException cases (wrong version, no node) are
// V3_SIG_POR_CERT_MISMATCH, and everything else V3_SIG_MALFORMED_LINEAGE.
func lineageIssueCode(err error) Code {
	var le *Error
	if errors.As(err, &le) {
		switch le.Code {
		case CodeLineageSignature, CodeLineageAlgorithmMismatch, CodeLineageDuplicate, CodeLineageCertificate:
			return CodeV3PORDidNotVerify
		case CodeLineageVersion, CodeLineageEmpty:
			return CodeV3PORCertMismatch
		case CodeWorkBudgetExceeded, CodeKeyUnsupported:
			return le.Code
		}
	}
	return CodeV3MalformedLineage
}

// lineageIndexOf returns the index of the node holding cert, or -1.
func lineageIndexOf(l *Lineage, cert *Certificate) int {
	if l == nil || cert == nil {
		return -1
	}
	for i, n := range l.Nodes {
		if bytes.Equal(n.Certificate.Raw, cert.Raw) {
			return i
		}
	}
	return -1
}

// mergeLineages joins two lineages of one APK into one history, as
// apksig's mergeLineageWith does: the one holding the other's first
// certificate is the descendant; the ancestor's nodes up to that
// certificate come first, then the two must name the same certificates
// for as long as both go on, and whichever is longer supplies the rest.
// It fails when the lineages do not overlap or diverge.
func mergeLineages(a, b *Lineage) (*Lineage, bool) {
	if len(a.Nodes) == 0 || len(b.Nodes) == 0 {
		return nil, false
	}
	anc, desc := a, b
	if lineageIndexOf(b, a.Nodes[0].Certificate) >= 0 {
		anc, desc = b, a
	}
	merged := &Lineage{}
	ai := 0
	first := desc.Nodes[0].Certificate
	for ai < len(anc.Nodes) && !bytes.Equal(anc.Nodes[ai].Certificate.Raw, first.Raw) {
		merged.Nodes = append(merged.Nodes, anc.Nodes[ai])
		ai++
	}
	if ai == len(anc.Nodes) {
		return nil, false // no common certificate
	}
	ai++
	merged.Nodes = append(merged.Nodes, desc.Nodes[0])
	di := 1
	for ; ai < len(anc.Nodes) && di < len(desc.Nodes); ai, di = ai+1, di+1 {
		if !bytes.Equal(anc.Nodes[ai].Certificate.Raw, desc.Nodes[di].Certificate.Raw) {
			return nil, false // the histories diverge
		}
		merged.Nodes = append(merged.Nodes, desc.Nodes[di])
	}
	merged.Nodes = append(merged.Nodes, anc.Nodes[ai:]...)
	merged.Nodes = append(merged.Nodes, desc.Nodes[di:]...)
	return merged, true
}

// consolidateLineages merges the lineages of an APK's signers into one
// history (nil when there are none) and reports whether they were
// consistent.
func consolidateLineages(ls []*Lineage) (*Lineage, bool) {
	if len(ls) == 0 {
		return nil, true
	}
	out := ls[0]
	for _, l := range ls[1:] {
		m, ok := mergeLineages(out, l)
		if !ok {
			return out, false
		}
		out = m
	}
	return out, true
}
