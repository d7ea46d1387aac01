package signer

import (
	"bytes"
	"container/list"
	"crypto/dsa" //nolint:staticcheck // DSA keys appear in old APK signatures; they are only copied here.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"slices"
	"sync"
)

// Bounds of the process-wide certificate cache. A service verifying many
// apps meets the same few signing certificates again and again (one
// developer's apps, one app's updates); parsing one costs more than the
// rest of a small app's checks together, apart from the signatures.
const (
	certCacheEntries = 256
	certCacheBytes   = 4 << 20
	// certCacheMaxDER keeps unusually large certificates out of the cache
	// (Android signer certificates are about 1 KiB).
	certCacheMaxDER = 16 << 10
	// certCacheOverhead approximates what an entry holds besides twice its
	// DER: the parsed x509.Certificate, names, key and list element.
	certCacheOverhead = 4 << 10
)

// certCache maps the SHA-256 of a certificate's bytes to its parse. The
// parse depends on nothing but those bytes, so a hit gives the same
// certificate a fresh parse would. Parsed certificates are handed to
// callers, who may modify them (the fields are exported), so the cache
// keeps a private original and every caller gets its own copy of what
// verification reads (Raw, the key, the serial number); see clone.
type certCacheT struct {
	mu    sync.Mutex
	byKey map[[sha256.Size]byte]*list.Element
	lru   list.List // of *certCacheEntry, most recently used first
	bytes int
}

type certCacheEntry struct {
	key  [sha256.Size]byte
	c    *Certificate // private: never returned, only cloned
	cost int
}

var certCache certCacheT

// get returns a copy of the cached parse of der, or
// parses it with parse and caches the result. Failures are not cached.
func (cc *certCacheT) get(der []byte, parse func([]byte) (*Certificate, error)) (*Certificate, error) {
	if len(der) > certCacheMaxDER {
		return parse(der)
	}
	key := sha256.Sum256(der)
	cc.mu.Lock()
	if el, ok := cc.byKey[key]; ok {
		cc.lru.MoveToFront(el)
		master := el.Value.(*certCacheEntry).c
		cc.mu.Unlock()
		return master.clone(), nil
	}
	cc.mu.Unlock()

	c, err := parse(der)
	if err != nil || !clonable(c) {
		return c, err
	}
	// The fresh parse becomes the cache's private original and the caller
	// gets a copy, like every later caller. The original's Raw is a copy
	// of its own, apart from the bytes the X509 view's slices point into,
	// so that nothing a caller writes through its certificate (even
	// through the extensions of the X509 view) reaches what later copies
	// are made from.
	master := c
	priv := bytes.Clone(c.Raw)
	master.RawSubjectPublicKeyInfo = rebase(c.RawSubjectPublicKeyInfo, c.Raw, priv)
	master.Raw = priv
	cost := 2*len(c.Raw) + certCacheOverhead

	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.byKey[key]; ok {
		return master.clone(), nil // another goroutine cached it meanwhile
	}
	if cc.byKey == nil {
		cc.byKey = make(map[[sha256.Size]byte]*list.Element)
	}
	cc.byKey[key] = cc.lru.PushFront(&certCacheEntry{key: key, c: master, cost: cost})
	cc.bytes += cost
	for cc.lru.Len() > certCacheEntries || cc.bytes > certCacheBytes {
		old := cc.lru.Back()
		e := cc.lru.Remove(old).(*certCacheEntry)
		delete(cc.byKey, e.key)
		cc.bytes -= e.cost
	}
	return master.clone(), nil
}

// len returns the number of cached certificates and their accounted bytes.
func (cc *certCacheT) len() (int, int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.lru.Len(), cc.bytes
}

// reset empties the cache (tests).
func (cc *certCacheT) reset() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.byKey = nil
	cc.lru.Init()
	cc.bytes = 0
}

// clonable reports whether clone can copy every part of c that a caller
// could modify: its key must be of a type clone knows.
func clonable(c *Certificate) bool {
	switch c.PublicKey.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, *dsa.PublicKey, ed25519.PublicKey, nil:
		return true
	}
	return false
}

// clone returns a copy of c that shares no mutable state with c that
// verification reads: Raw, RawSubjectPublicKeyInfo (within the new Raw),
// SerialNumber and PublicKey are copied; strings and arrays are values.
// The X509 view is a new struct whose byte slices (Raw, the raw fields,
// the signature, key IDs and extension values) point into the new Raw
// and whose key and serial number are the copy's; the rest of it (names,
// OIDs, URLs) is shared, and nothing in this module reads it.
func (c *Certificate) clone() *Certificate {
	cp := *c
	cp.Raw = bytes.Clone(c.Raw)
	cp.RawSubjectPublicKeyInfo = rebase(c.RawSubjectPublicKeyInfo, c.Raw, cp.Raw)
	cp.SerialNumber = cloneInt(c.SerialNumber)
	cp.PublicKey = clonePublicKey(c.PublicKey)
	if c.X509 != nil {
		x := *c.X509
		base := c.X509.Raw
		if len(base) == len(cp.Raw) {
			x.Raw = cp.Raw
		} else {
			x.Raw = bytes.Clone(base)
		}
		// Every byte slice of the view that points into its Raw points
		// into this copy's, so no write through one copy's view reaches
		// another's bytes.
		x.RawTBSCertificate = rebase(x.RawTBSCertificate, base, x.Raw)
		x.RawSubjectPublicKeyInfo = rebase(x.RawSubjectPublicKeyInfo, base, x.Raw)
		x.RawSubject = rebase(x.RawSubject, base, x.Raw)
		x.RawIssuer = rebase(x.RawIssuer, base, x.Raw)
		x.Signature = rebase(x.Signature, base, x.Raw)
		x.SubjectKeyId = rebase(x.SubjectKeyId, base, x.Raw)
		x.AuthorityKeyId = rebase(x.AuthorityKeyId, base, x.Raw)
		if len(x.Extensions) > 0 {
			x.Extensions = slices.Clone(x.Extensions)
			for i := range x.Extensions {
				x.Extensions[i].Value = rebase(x.Extensions[i].Value, base, x.Raw)
			}
		}
		x.SerialNumber = cp.SerialNumber
		x.PublicKey = cp.PublicKey
		cp.X509 = &x
	}
	return &cp
}

// rebase returns the part of newBase at the offset where s lies in
// oldBase, or a copy of s when s is not a part of oldBase.
func rebase(s, oldBase, newBase []byte) []byte {
	if len(s) == 0 {
		return s
	}
	off := cap(oldBase) - cap(s)
	if off < 0 || off+len(s) > len(oldBase) || len(oldBase) != len(newBase) || &oldBase[off] != &s[0] {
		return bytes.Clone(s)
	}
	return newBase[off : off+len(s) : off+len(s)]
}

func cloneInt(n *big.Int) *big.Int {
	if n == nil {
		return nil
	}
	return new(big.Int).Set(n)
}

func clonePublicKey(pub any) any {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return &rsa.PublicKey{N: cloneInt(k.N), E: k.E}
	case *ecdsa.PublicKey:
		return &ecdsa.PublicKey{Curve: k.Curve, X: cloneInt(k.X), Y: cloneInt(k.Y)}
	case *dsa.PublicKey:
		return &dsa.PublicKey{
			Parameters: dsa.Parameters{P: cloneInt(k.P), Q: cloneInt(k.Q), G: cloneInt(k.G)},
			Y:          cloneInt(k.Y),
		}
	case ed25519.PublicKey:
		return ed25519.PublicKey(bytes.Clone(k)) // the type, not just []byte: verifiers switch on it
	}
	return pub
}
