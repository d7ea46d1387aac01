package signer

import (
	"crypto"

	"github.com/apktrust/apktrust/internal/signerlink"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// link exposes the unexported core to internal/scheme through
// internal/signerlink; see that package. Its methods are the only way in:
// an unexported type's methods are not part of signer's API.
type link struct{}

func init() { signerlink.Core = link{} }

func (link) VerifySignature(b *workbudget.Budget, id SignatureAlgorithmID, pub crypto.PublicKey, data, sig []byte) (bool, error) {
	return verifySignature(b, id, pub, data, sig)
}

func (link) ParsePublicKeyFor(id SignatureAlgorithmID, spki []byte) (crypto.PublicKey, error) {
	return parsePublicKeyFor(id, spki)
}

func (link) SignaturesToVerify(ids []SignatureAlgorithmID, minSDK, maxSDK int) ([]int, error) {
	return signaturesToVerify(ids, minSDK, maxSDK)
}

func (link) ErrNoSupportedSignatures() error { return errNoSupportedSignatures }

func (link) DigestPreference(id SignatureAlgorithmID) int {
	return algorithms[id].digest.preference()
}

func (link) AlgorithmSigning(id SignatureAlgorithmID) (crypto.Hash, bool) {
	return algorithms[id].hash, algorithms[id].pss
}

func (link) MaxLineageNodes() int { return maxLineageNodes }

func (link) PrepareVerify(b *workbudget.Budget, pub crypto.PublicKey) error {
	return prepareVerify(b, pub)
}

func (link) CheckKeyLimits(pub crypto.PublicKey) error { return checkKeyLimits(pub) }

func (link) ParseLineage(b []byte, budget *workbudget.Budget) (*Lineage, error) {
	return parseLineage(b, budget)
}

func (link) KeyFamily(pub crypto.PublicKey) string { return keyFamily(pub) }
