package signer

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apktrust/apktrust/internal/lpblock"
	"github.com/apktrust/apktrust/internal/sigalg"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// Proof-of-rotation constants, as apksig's SigningCertificateLineage
// writes them.
const (
	// lineageFileMagic starts a lineage file written by apksigner rotate.
	lineageFileMagic uint32 = 0x3eff39d1
	// lineageVersion is the only lineage encoding version that exists,
	// both for files and for the attribute.
	lineageVersion uint32 = 1
	// maxLineageNodes bounds the work a hostile lineage can cause (each
	// node costs a certificate parse and a signature check). Real
	// lineages have a handful of nodes; apksig sets no limit.
	maxLineageNodes = 256
)

// Sentinels for errors.Is.
var (
	ErrLineageMalformed         = &Error{Code: CodeLineageMalformed}
	ErrLineageEmpty             = &Error{Code: CodeLineageEmpty}
	ErrLineageBadMagic          = &Error{Code: CodeLineageBadMagic}
	ErrLineageVersion           = &Error{Code: CodeLineageVersion}
	ErrLineageUnknownAlgorithm  = &Error{Code: CodeLineageUnknownAlgorithm}
	ErrLineageSignature         = &Error{Code: CodeLineageSignature}
	ErrLineageAlgorithmMismatch = &Error{Code: CodeLineageAlgorithmMismatch}
	ErrLineageDuplicate         = &Error{Code: CodeLineageDuplicate}
	ErrLineageCertificate       = &Error{Code: CodeLineageCertificate}
)

// ParseLineage parses a proof-of-rotation lineage and verifies every
// node's signature by its parent. It accepts both encodings: the value of
// the v3 proof-of-rotation attribute (0x3ba06f8c) and a lineage file as
// written by apksigner rotate, told apart by the file magic.
//
// The node signatures are charged to a default work budget of this call's
// own; a lineage needing more is refused with CodeWorkBudgetExceeded.
func ParseLineage(b []byte) (*Lineage, error) {
	return parseLineage(b, workbudget.New(0))
}

// parseLineage is ParseLineage charging the node signatures to budget:
// the verifiers pass the file's budget, so that a long lineage of costly
// keys (in v3, v3.1 or the stamp) shares the per-file bound.
func parseLineage(b []byte, budget *workbudget.Budget) (*Lineage, error) {
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == lineageFileMagic {
		return parseLineageFile(b, budget)
	}
	return parseLineageAttribute(b, budget)
}

// ParseLineageFile parses a lineage file as written by apksigner rotate:
// uint32 magic, uint32 version (1), then the attribute encoding as a
// length-prefixed value.
func ParseLineageFile(b []byte) (*Lineage, error) {
	return parseLineageFile(b, workbudget.New(0))
}

func parseLineageFile(b []byte, budget *workbudget.Budget) (*Lineage, error) {
	r := lpblock.New(b)
	magic, err := r.U32()
	if err != nil {
		return nil, &Error{Code: CodeLineageMalformed, Msg: "file too short", Err: err}
	}
	if magic != lineageFileMagic {
		return nil, &Error{Code: CodeLineageBadMagic, Msg: fmt.Sprintf("magic 0x%08x, want 0x%08x", magic, lineageFileMagic)}
	}
	version, err := r.U32()
	if err != nil {
		return nil, &Error{Code: CodeLineageMalformed, Msg: "file too short", Err: err}
	}
	if version != lineageVersion {
		return nil, &Error{Code: CodeLineageVersion, Msg: fmt.Sprintf("file version %d", version)}
	}
	body, err := r.LengthPrefixedBytes()
	if err != nil {
		return nil, &Error{Code: CodeLineageMalformed, Msg: "lineage value", Err: err}
	}
	return parseLineageAttribute(body, budget)
}

// parseLineageAttribute parses the attribute encoding:
//
//	uint32 version (1)
//	repeated length-prefixed node:
//	  length-prefixed signed data:
//	    length-prefixed certificate
//	    uint32 algorithm the parent signed this node with
//	  uint32 flags
//	  uint32 algorithm this node signs its child with
//	  length-prefixed signature by the parent over the signed data
func parseLineageAttribute(b []byte, budget *workbudget.Budget) (*Lineage, error) {
	if len(b) == 0 {
		return nil, &Error{Code: CodeLineageEmpty, Msg: "empty lineage"}
	}
	r := lpblock.New(b)
	version, err := r.U32()
	if err != nil {
		return nil, &Error{Code: CodeLineageMalformed, Msg: "version", Err: err}
	}
	if version != lineageVersion {
		return nil, &Error{Code: CodeLineageVersion, Msg: fmt.Sprintf("lineage version %d", version)}
	}
	l := &Lineage{}
	seen := map[[32]byte]bool{}
	var last *Certificate
	var lastAlg SignatureAlgorithmID
	for n := 1; r.HasRemaining(); n++ {
		if n > maxLineageNodes {
			return nil, &Error{Code: CodeLineageMalformed, Node: n, Msg: fmt.Sprintf("more than %d nodes", maxLineageNodes)}
		}
		malformed := func(err error) error {
			return &Error{Code: CodeLineageMalformed, Node: n, Msg: "truncated node", Err: err}
		}
		node, err := r.LengthPrefixed()
		if err != nil {
			return nil, malformed(err)
		}
		signed, err := node.LengthPrefixedBytes()
		if err != nil {
			return nil, malformed(err)
		}
		flags, err := node.U32()
		if err != nil {
			return nil, malformed(err)
		}
		childAlg, err := node.U32()
		if err != nil {
			return nil, malformed(err)
		}
		sig, err := node.LengthPrefixedBytes()
		if err != nil {
			return nil, malformed(err)
		}
		sd := lpblock.New(signed)
		certDER, err := sd.LengthPrefixedBytes()
		if err != nil {
			return nil, malformed(err)
		}
		parentAlg, err := sd.U32()
		if err != nil {
			return nil, malformed(err)
		}
		if last != nil {
			// The parent's key verifies this node with the algorithm the
			// parent declared; the node must name the same algorithm.
			if !lastAlg.Known() {
				return nil, &Error{Code: CodeLineageUnknownAlgorithm, Node: n, Msg: fmt.Sprintf("parent signs with unknown algorithm %s", lastAlg)}
			}
			ok, err := sigalg.VerifySignature(budget, sigalg.ID(lastAlg), last.PublicKey, signed, sig)
			var limit *sigalg.LimitError
			if errors.As(err, &limit) {
				code := CodeKeyUnsupported
				if limit.Budget {
					code = CodeWorkBudgetExceeded
				}
				return nil, &Error{Code: code, Node: n, Msg: limit.Msg}
			}
			if err != nil || !ok {
				return nil, &Error{Code: CodeLineageSignature, Node: n, Msg: fmt.Sprintf("signature by the parent (%s) does not verify", lastAlg), Err: err}
			}
			if SignatureAlgorithmID(parentAlg) != lastAlg {
				return nil, &Error{Code: CodeLineageAlgorithmMismatch, Node: n,
					Msg: fmt.Sprintf("node names %s, parent declared %s", SignatureAlgorithmID(parentAlg), lastAlg)}
			}
		}
		cert, err := ParseCertificate(certDER)
		if err != nil {
			return nil, &Error{Code: CodeLineageCertificate, Node: n, Msg: "certificate", Err: err}
		}
		if seen[cert.SHA256] {
			return nil, &Error{Code: CodeLineageDuplicate, Node: n, Msg: "certificate already in the lineage"}
		}
		seen[cert.SHA256] = true
		l.Nodes = append(l.Nodes, LineageNode{
			Certificate:              cert,
			Flags:                    flags,
			SignatureAlgorithm:       SignatureAlgorithmID(parentAlg),
			ParentSignatureAlgorithm: SignatureAlgorithmID(childAlg),
		})
		last, lastAlg = cert, SignatureAlgorithmID(childAlg)
	}
	if len(l.Nodes) == 0 {
		return nil, &Error{Code: CodeLineageEmpty, Msg: "lineage has no node"}
	}
	return l, nil
}
