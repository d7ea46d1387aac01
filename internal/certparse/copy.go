package certparse

import (
	"bytes"
	"crypto"
	//lint:ignore SA1019 Android signers still use DSA keys.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"math/big"
)

// copy returns a certificate equal to c that shares with it nothing but
// immutable values and the X509 view: its own Raw (RawSubjectPublicKeyInfo
// within it when c's is within c's Raw), serial number and public key. It
// returns nil for a public key type it cannot copy.
func (c *Certificate) copy() *Certificate {
	pub, ok := copyPublicKey(c.PublicKey)
	if !ok {
		return nil
	}
	out := *c
	out.Raw = bytes.Clone(c.Raw)
	spki := c.RawSubjectPublicKeyInfo
	if i := bytes.Index(c.Raw, spki); len(spki) > 0 && i >= 0 {
		out.RawSubjectPublicKeyInfo = out.Raw[i : i+len(spki) : i+len(spki)]
	} else {
		out.RawSubjectPublicKeyInfo = bytes.Clone(spki)
	}
	if c.SerialNumber != nil {
		out.SerialNumber = new(big.Int).Set(c.SerialNumber)
	}
	out.PublicKey = pub
	return &out
}

// copyPublicKey deep-copies the key types certificates carry.
func copyPublicKey(pub crypto.PublicKey) (crypto.PublicKey, bool) {
	n := func(x *big.Int) *big.Int {
		if x == nil {
			return nil
		}
		return new(big.Int).Set(x)
	}
	switch k := pub.(type) {
	case nil:
		return nil, true
	case *rsa.PublicKey:
		return &rsa.PublicKey{N: n(k.N), E: k.E}, true
	case *ecdsa.PublicKey:
		return &ecdsa.PublicKey{Curve: k.Curve, X: n(k.X), Y: n(k.Y)}, true
	case *dsa.PublicKey:
		return &dsa.PublicKey{Parameters: dsa.Parameters{P: n(k.P), Q: n(k.Q), G: n(k.G)}, Y: n(k.Y)}, true
	case ed25519.PublicKey:
		return ed25519.PublicKey(bytes.Clone(k)), true
	}
	return nil, false
}
