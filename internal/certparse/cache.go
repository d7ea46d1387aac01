package certparse

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// Bounds of the process-wide certificate cache. A service verifying many
// apps meets the same few signing certificates again and again (one
// developer's apps, one app's updates, the stamp certificate); parsing one
// costs more than the rest of a small app's checks together, apart from
// the signatures.
const (
	cacheEntries = 256
	cacheBytes   = 4 << 20
	// cacheMaxDER keeps unusually large certificates out of the cache
	// (Android signer certificates are about 1 KiB).
	cacheMaxDER = 16 << 10
	// cacheOverhead approximates what an entry holds besides twice its
	// DER: the parsed x509.Certificate, names, key and list element.
	cacheOverhead = 4 << 10
)

// cache maps the SHA-256 of a certificate's bytes to its parse. The parse
// depends on nothing but those bytes, so a hit is what a fresh parse would
// give, and a verdict never depends on what was cached before. The cached
// parse never leaves the cache: every lookup gets a copy of its own (see
// Cached), so what a caller does to a certificate it was given cannot
// reach a later lookup.
type cacheT struct {
	mu    sync.Mutex
	byKey map[[sha256.Size]byte]*list.Element
	lru   list.List // of *cacheEntry, most recently used first
	bytes int
}

type cacheEntry struct {
	key  [sha256.Size]byte
	c    *Certificate
	cost int
}

var cache cacheT

// Cached is Parse through a bounded process-wide cache keyed by the
// SHA-256 of der. Every call returns a certificate of its own: the fields
// a verdict reads (Raw, the fingerprints, RawSubjectPublicKeyInfo,
// SerialNumber, PublicKey) are copies, so a user modifying a certificate
// a Result handed out cannot change a later verification (setting SHA256
// to a trusted pin, flipping Raw or the key). Only the X509 view is shared
// with other lookups of the same bytes: nothing in verification reads it,
// and its doc says it is read-only. Failures are not cached.
func Cached(der []byte) (*Certificate, error) {
	return cache.get(der)
}

func (cc *cacheT) get(der []byte) (*Certificate, error) {
	if len(der) > cacheMaxDER {
		return Parse(der)
	}
	key := sha256.Sum256(der)
	cc.mu.Lock()
	if el, ok := cc.byKey[key]; ok {
		cc.lru.MoveToFront(el)
		c := el.Value.(*cacheEntry).c
		cc.mu.Unlock()
		return c.copy(), nil
	}
	cc.mu.Unlock()

	// Parsed outside the lock: concurrent first lookups of one certificate
	// may both parse it; the first to finish is kept.
	parsed, err := Parse(der)
	if err != nil {
		return nil, err
	}
	// The cache keeps a copy sharing nothing the caller can modify with
	// parsed (not even with parsed.X509, whose Raw and PublicKey parsed's
	// fields alias); a key type it cannot copy is not cached.
	c := parsed.copy()
	if c == nil {
		return parsed, nil
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if el, ok := cc.byKey[key]; ok {
		return el.Value.(*cacheEntry).c.copy(), nil
	}
	if cc.byKey == nil {
		cc.byKey = make(map[[sha256.Size]byte]*list.Element)
	}
	cost := 2*len(c.Raw) + cacheOverhead
	cc.byKey[key] = cc.lru.PushFront(&cacheEntry{key: key, c: c, cost: cost})
	cc.bytes += cost
	for cc.lru.Len() > cacheEntries || cc.bytes > cacheBytes {
		e := cc.lru.Remove(cc.lru.Back()).(*cacheEntry)
		delete(cc.byKey, e.key)
		cc.bytes -= e.cost
	}
	return parsed, nil
}

// len returns the number of cached certificates and their accounted bytes.
func (cc *cacheT) len() (int, int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.lru.Len(), cc.bytes
}

// ResetCache empties the cache, for tests and for benchmarks of a first
// (cold) verification.
func ResetCache() { cache.reset() }

func (cc *cacheT) reset() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.byKey = nil
	cc.lru.Init()
	cc.bytes = 0
}
