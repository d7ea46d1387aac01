package signer

import (
	"errors"

	"github.com/apktrust/apktrust/internal/lineage"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// ParseLineage parses a proof-of-rotation lineage and verifies every
// node's signature by its parent. It accepts both encodings: the value of
// the v3 proof-of-rotation attribute (0x3ba06f8c) and a lineage file as
// written by apksigner rotate, told apart by the file magic.
//
// The node signatures are charged to a default work budget of this call's
// own; a lineage needing more is refused with CodeWorkBudgetExceeded.
func ParseLineage(b []byte) (*Lineage, error) {
	return fromLineage(lineage.Parse(b, workbudget.New(0)))
}

// ParseLineageFile parses a lineage file as written by apksigner rotate:
// uint32 magic, uint32 version (1), then the attribute encoding as a
// length-prefixed value.
func ParseLineageFile(b []byte) (*Lineage, error) {
	return fromLineage(lineage.ParseFile(b, workbudget.New(0)))
}

// lineageCodes are the codes of the lineage parser's refusals.
var lineageCodes = map[lineage.Kind]Code{
	lineage.Malformed:         CodeLineageMalformed,
	lineage.Empty:             CodeLineageEmpty,
	lineage.BadMagic:          CodeLineageBadMagic,
	lineage.Version:           CodeLineageVersion,
	lineage.UnknownAlgorithm:  CodeLineageUnknownAlgorithm,
	lineage.Signature:         CodeLineageSignature,
	lineage.AlgorithmMismatch: CodeLineageAlgorithmMismatch,
	lineage.Duplicate:         CodeLineageDuplicate,
	lineage.Certificate:       CodeLineageCertificate,
	lineage.KeyUnsupported:    CodeKeyUnsupported,
	lineage.BudgetExceeded:    CodeWorkBudgetExceeded,
}

// fromLineage turns the lineage parser's plain nodes into a Lineage and
// its refusals into *Error with their codes.
func fromLineage(nodes []lineage.Node, err error) (*Lineage, error) {
	if err != nil {
		var le *lineage.Error
		if !errors.As(err, &le) {
			return nil, err
		}
		return nil, &Error{Code: lineageCodes[le.Kind], Node: le.Node, Msg: le.Msg, Err: certError(le.Err)}
	}
	l := &Lineage{Nodes: make([]LineageNode, len(nodes))}
	for i, n := range nodes {
		l.Nodes[i] = LineageNode{
			Certificate:              (*Certificate)(n.Certificate),
			Flags:                    n.Flags,
			SignatureAlgorithm:       SignatureAlgorithmID(n.SignatureAlgorithm),
			ParentSignatureAlgorithm: SignatureAlgorithmID(n.ParentSignatureAlgorithm),
		}
	}
	return l, nil
}
