package apkverify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/apktrust/apktrust/signer"
)

// A stored Result must be judged again later (Policy.Evaluate) exactly as
// at verification time, so its JSON carries what the policy rules read
// beyond the printed facts: each certificate's bytes ("certDer", standard
// base64 of the certificate exactly as the file holds it) and each
// signer's own proof-of-rotation ("lineage" on a signer). Decoding parses
// the certificates again and refuses bytes whose SHA-256 is not the
// "certSha256" beside them, so a stored result cannot name one key and
// carry another.

// signerFields is Signer without its methods, so that its fields encode
// as Signer's while signerJSON adds the keys below.
type signerFields Signer

type signerJSON struct {
	signerFields
	CertDER string `json:"certDer,omitempty"`
	// OwnLineage is Signer.Lineage: the signer's proof-of-rotation,
	// oldest certificate first.
	OwnLineage []lineageNodeJSON `json:"lineage,omitempty"`
}

// lineageNodeJSON is a LineageNode with its certificate's bytes.
type lineageNodeJSON struct {
	LineageNode
	CertDER string `json:"certDer,omitempty"`
}

// MarshalJSON encodes the Signer with the field names documented on it,
// plus "certDer" (the certificate's bytes, base64) and "lineage" (its own
// proof-of-rotation, when it has one), so that a decoded Signer has its
// Certificate and Lineage back.
func (s Signer) MarshalJSON() ([]byte, error) {
	return json.Marshal(signerJSON{signerFields: signerFields(s), CertDER: certDER(s.Certificate), OwnLineage: encodeLineage(s.Lineage, nil)})
}

// UnmarshalJSON decodes what MarshalJSON wrote; Certificate and Lineage
// are parsed from "certDer" and "lineage" when present.
func (s *Signer) UnmarshalJSON(b []byte) error {
	var j signerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Signer(j.signerFields)
	var err error
	if s.Certificate, err = decodeCert(j.CertDER, j.CertSHA256); err != nil {
		return err
	}
	s.Lineage, err = decodeLineage(j.OwnLineage)
	return err
}

// encodeLineage encodes a proof-of-rotation as lineage nodes with their
// certificates' bytes. nodes, when given, are the Result's own
// descriptions of l's nodes (with their known-key entries).
func encodeLineage(l *signer.Lineage, nodes []LineageNode) []lineageNodeJSON {
	if l == nil {
		return nil
	}
	out := make([]lineageNodeJSON, len(l.Nodes))
	for i, n := range l.Nodes {
		if i < len(nodes) {
			out[i].LineageNode = nodes[i]
		} else {
			out[i].LineageNode = lineageNode(n)
		}
		out[i].CertDER = certDER(n.Certificate)
	}
	return out
}

// lineageNode describes one node of a proof-of-rotation.
func lineageNode(n signer.LineageNode) LineageNode {
	return LineageNode{
		CertSHA256:   certHex(n.Certificate),
		Subject:      subjectOf(n.Certificate),
		SubjectHex:   rawIfInvalid(subjectOf(n.Certificate)),
		Capabilities: signer.CapabilityNames(n.Flags),
		Flags:        n.Flags,
	}
}

// decodeLineage rebuilds a proof-of-rotation from its nodes; nil when
// there are none or a node has no certificate bytes (a result stored
// before they were encoded).
func decodeLineage(nodes []lineageNodeJSON) (*signer.Lineage, error) {
	if len(nodes) == 0 {
		return nil, nil
	}
	l := &signer.Lineage{Nodes: make([]signer.LineageNode, len(nodes))}
	for i, n := range nodes {
		c, err := decodeCert(n.CertDER, n.CertSHA256)
		if err != nil || c == nil {
			return nil, err
		}
		l.Nodes[i] = signer.LineageNode{Certificate: c, Flags: n.Flags}
	}
	return l, nil
}

// encodeResultLineage is Result.Lineage with the bytes of res.lineage's
// certificates, which it describes node for node.
func encodeResultLineage(r *Result) []lineageNodeJSON {
	if r.lineage != nil && len(r.lineage.Nodes) == len(r.Lineage) {
		return encodeLineage(r.lineage, r.Lineage)
	}
	out := make([]lineageNodeJSON, len(r.Lineage))
	for i, n := range r.Lineage {
		out[i].LineageNode = n
	}
	return out
}

func decodeResultLineage(nodes []lineageNodeJSON) ([]LineageNode, *signer.Lineage, error) {
	if nodes == nil {
		return nil, nil, nil
	}
	out := make([]LineageNode, len(nodes))
	for i, n := range nodes {
		out[i] = n.LineageNode
	}
	l, err := decodeLineage(nodes)
	return out, l, err
}

func certDER(c *signer.Certificate) string {
	if c == nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(c.Raw)
}

// decodeCert parses a certificate stored as base64 beside its hex
// SHA-256; nil without bytes.
func decodeCert(b64, sha256Hex string) (*signer.Certificate, error) {
	if b64 == "" {
		return nil, nil
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("apkverify: certDer of %s: %w", sha256Hex, err)
	}
	c, err := signer.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("apkverify: certDer of %s: %w", sha256Hex, err)
	}
	if want, ok := parseFingerprint(sha256Hex); !ok || !bytes.Equal(want[:], c.SHA256[:]) {
		return nil, fmt.Errorf("apkverify: certDer has SHA-256 %s, not the certSha256 %q beside it", c.SHA256Hex(), sha256Hex)
	}
	return c, nil
}
