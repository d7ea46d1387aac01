// Package lineage parses proof-of-rotation lineages (the v3 attribute and
// apksigner's lineage files) and verifies each node's signature by its
// parent, charging the verifications to a work budget. It sits below
// package signer, which wraps it as ParseLineage and ParseLineageFile,
// and internal/scheme, which charges the file's budget; both turn its
// plain nodes and error kinds into signer's Lineage and codes.
package lineage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/lpblock"
	"github.com/apktrust/apktrust/internal/sigalg"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// Proof-of-rotation constants, as apksig's SigningCertificateLineage
// writes them.
const (
	// FileMagic starts a lineage file written by apksigner rotate.
	FileMagic uint32 = 0x3eff39d1
	// encodingVersion is the only lineage encoding version that exists,
	// both for files and for the attribute.
	encodingVersion uint32 = 1
	// MaxNodes bounds the work a hostile lineage can cause (each node
	// costs a certificate parse and a signature check). Real lineages
	// have a handful of nodes; apksig sets no limit.
	MaxNodes = 256
)

// Kind is why a lineage was refused; signer reports each under its own
// code (CodeLineageMalformed, ..., and the key-limit and budget codes).
type Kind int

// Kinds of Error.
const (
	Malformed Kind = iota
	Empty
	BadMagic
	Version
	UnknownAlgorithm
	Signature
	AlgorithmMismatch
	Duplicate
	Certificate
	KeyUnsupported
	BudgetExceeded
)

// Error is a refused lineage: its Kind, the 1-based node concerned (0
// when not about one), what was wrong and the cause.
type Error struct {
	Kind Kind
	Node int
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Node > 0 {
		s = fmt.Sprintf("node #%d: %s", e.Node, s)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Node is one certificate of a lineage (signer.LineageNode with a plain
// certificate and algorithm IDs).
type Node struct {
	Certificate              *certparse.Certificate
	Flags                    uint32
	SignatureAlgorithm       sigalg.ID
	ParentSignatureAlgorithm sigalg.ID
}

// Parse parses a lineage in either encoding (the v3 proof-of-rotation
// attribute's value or a lineage file, told apart by the file magic),
// charging the node signatures to budget: the verifiers pass the file's
// budget, so that a long lineage of costly keys (in v3, v3.1 or the
// stamp) shares the per-file bound.
func Parse(b []byte, budget *workbudget.Budget) ([]Node, error) {
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == FileMagic {
		return ParseFile(b, budget)
	}
	return parseAttribute(b, budget)
}

// ParseFile parses a lineage file as written by apksigner rotate:
// uint32 magic, uint32 version (1), then the attribute encoding as a
// length-prefixed value.
func ParseFile(b []byte, budget *workbudget.Budget) ([]Node, error) {
	r := lpblock.New(b)
	magic, err := r.U32()
	if err != nil {
		return nil, &Error{Kind: Malformed, Msg: "file too short", Err: err}
	}
	if magic != FileMagic {
		return nil, &Error{Kind: BadMagic, Msg: fmt.Sprintf("magic 0x%08x, want 0x%08x", magic, FileMagic)}
	}
	version, err := r.U32()
	if err != nil {
		return nil, &Error{Kind: Malformed, Msg: "file too short", Err: err}
	}
	if version != encodingVersion {
		return nil, &Error{Kind: Version, Msg: fmt.Sprintf("file version %d", version)}
	}
	body, err := r.LengthPrefixedBytes()
	if err != nil {
		return nil, &Error{Kind: Malformed, Msg: "lineage value", Err: err}
	}
	return parseAttribute(body, budget)
}

// parseAttribute parses the attribute encoding:
//
//	uint32 version (1)
//	repeated length-prefixed node:
//	  length-prefixed signed data:
//	    length-prefixed certificate
//	    uint32 algorithm the parent signed this node with
//	  uint32 flags
//	  uint32 algorithm this node signs its child with
//	  length-prefixed signature by the parent over the signed data
func parseAttribute(b []byte, budget *workbudget.Budget) ([]Node, error) {
	if len(b) == 0 {
		return nil, &Error{Kind: Empty, Msg: "empty lineage"}
	}
	r := lpblock.New(b)
	version, err := r.U32()
	if err != nil {
		return nil, &Error{Kind: Malformed, Msg: "version", Err: err}
	}
	if version != encodingVersion {
		return nil, &Error{Kind: Version, Msg: fmt.Sprintf("lineage version %d", version)}
	}
	var nodes []Node
	seen := map[[32]byte]bool{}
	var last *certparse.Certificate
	var lastAlg sigalg.ID
	for n := 1; r.HasRemaining(); n++ {
		if n > MaxNodes {
			return nil, &Error{Kind: Malformed, Node: n, Msg: fmt.Sprintf("more than %d nodes", MaxNodes)}
		}
		malformed := func(err error) error {
			return &Error{Kind: Malformed, Node: n, Msg: "truncated node", Err: err}
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
			if _, _, known := sigalg.Info(lastAlg); !known {
				return nil, &Error{Kind: UnknownAlgorithm, Node: n, Msg: fmt.Sprintf("parent signs with unknown algorithm %s", lastAlg)}
			}
			ok, err := sigalg.VerifySignature(budget, lastAlg, last.PublicKey, signed, sig)
			var limit *sigalg.LimitError
			if errors.As(err, &limit) {
				kind := KeyUnsupported
				if limit.Budget {
					kind = BudgetExceeded
				}
				return nil, &Error{Kind: kind, Node: n, Msg: limit.Msg}
			}
			if err != nil || !ok {
				return nil, &Error{Kind: Signature, Node: n, Msg: fmt.Sprintf("signature by the parent (%s) does not verify", lastAlg), Err: err}
			}
			if sigalg.ID(parentAlg) != lastAlg {
				return nil, &Error{Kind: AlgorithmMismatch, Node: n,
					Msg: fmt.Sprintf("node names %s, parent declared %s", sigalg.ID(parentAlg), lastAlg)}
			}
		}
		cert, err := certparse.Parse(certDER)
		if err != nil {
			return nil, &Error{Kind: Certificate, Node: n, Msg: "certificate", Err: err}
		}
		if seen[cert.SHA256] {
			return nil, &Error{Kind: Duplicate, Node: n, Msg: "certificate already in the lineage"}
		}
		seen[cert.SHA256] = true
		nodes = append(nodes, Node{
			Certificate:              cert,
			Flags:                    flags,
			SignatureAlgorithm:       sigalg.ID(parentAlg),
			ParentSignatureAlgorithm: sigalg.ID(childAlg),
		})
		last, lastAlg = cert, sigalg.ID(childAlg)
	}
	if len(nodes) == 0 {
		return nil, &Error{Kind: Empty, Msg: "lineage has no node"}
	}
	return nodes, nil
}
