package signer

import (
	"github.com/apktrust/apktrust/internal/signerlink"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// link exposes the unexported core to internal/scheme through
// internal/signerlink; see that package. Its methods are the only way in:
// an unexported type's methods are not part of signer's API.
type link struct{}

func init() { signerlink.Core = link{} }

func (link) MaxLineageNodes() int { return maxLineageNodes }

func (link) ParseLineage(b []byte, budget *workbudget.Budget) (*Lineage, error) {
	return parseLineage(b, budget)
}
