package scheme

import (
	"errors"

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/lineage"
	"github.com/apktrust/apktrust/signer"
)

// parseLineage is signer.ParseLineage charging the node signatures to the
// file's budget (signer's runs on a budget of its own): internal/lineage
// parses, and its plain nodes and refusals become signer's Lineage and
// *signer.Error exactly as signer's parser reports them. signer does the
// same conversion for ParseLineage; sharing it would take an exported
// signer function over internal types.
func parseLineage(b []byte, budget *WorkBudget) (*Lineage, error) {
	nodes, err := lineage.Parse(b, budget)
	if err != nil {
		var le *lineage.Error
		if !errors.As(err, &le) {
			return nil, err
		}
		return nil, &Error{Code: lineageCode(le.Kind), Node: le.Node, Msg: le.Msg, Err: certCause(le.Err)}
	}
	l := &Lineage{Nodes: make([]LineageNode, 0, len(nodes))}
	for _, n := range nodes {
		l.Nodes = append(l.Nodes, LineageNode{Certificate: (*Certificate)(n.Certificate), Flags: n.Flags,
			SignatureAlgorithm: SignatureAlgorithmID(n.SignatureAlgorithm), ParentSignatureAlgorithm: SignatureAlgorithmID(n.ParentSignatureAlgorithm)})
	}
	return l, nil
}

// lineageCode is the code of a lineage refusal.
func lineageCode(k lineage.Kind) Code {
	switch k {
	case lineage.Empty:
		return signer.CodeLineageEmpty
	case lineage.BadMagic:
		return signer.CodeLineageBadMagic
	case lineage.Version:
		return signer.CodeLineageVersion
	case lineage.UnknownAlgorithm:
		return signer.CodeLineageUnknownAlgorithm
	case lineage.Signature:
		return signer.CodeLineageSignature
	case lineage.AlgorithmMismatch:
		return signer.CodeLineageAlgorithmMismatch
	case lineage.Duplicate:
		return signer.CodeLineageDuplicate
	case lineage.Certificate:
		return signer.CodeLineageCertificate
	case lineage.KeyUnsupported:
		return signer.CodeKeyUnsupported
	case lineage.BudgetExceeded:
		return signer.CodeWorkBudgetExceeded
	}
	return signer.CodeLineageMalformed
}

// certCause reports a node certificate's refusal as signer.ParseCertificate
// does.
func certCause(err error) error {
	var ce *certparse.Error
	if !errors.As(err, &ce) {
		return err
	}
	if ce.PublicKey {
		return &Error{Code: signer.CodeCertPublicKey, Msg: ce.Msg}
	}
	return &Error{Code: signer.CodeCertMalformed, Msg: ce.Msg}
}
