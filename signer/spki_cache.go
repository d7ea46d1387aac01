package signer

import (
	"crypto"
	"crypto/sha256"
	"sync"
)

// spkiCacheEntries bounds the cache of parsed signed-data public keys.
const spkiCacheEntries = 256

// spkiCache holds the keys parsePublicKeyFor parsed, by the SHA-256 of
// their SubjectPublicKeyInfo: the v2 and v3 blocks of an app carry the
// same key, and a service meets the same keys again and again. The keys
// are only ever passed to signature verification, which does not modify
// them, and never reach a caller, so they are shared as they are. When
// full, the cache is emptied: a bound, not a policy.
var spkiCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]spkiParsed
}

type spkiParsed struct {
	pub crypto.PublicKey
	alg string
}

// parseSPKICached is parseSPKI through spkiCache; failures are not cached.
func parseSPKICached(spki []byte) (crypto.PublicKey, string, error) {
	key := sha256.Sum256(spki)
	spkiCache.mu.Lock()
	p, ok := spkiCache.m[key]
	spkiCache.mu.Unlock()
	if ok {
		return p.pub, p.alg, nil
	}
	pub, alg, err := parseSPKI(spki)
	if err != nil {
		return pub, alg, err
	}
	spkiCache.mu.Lock()
	if len(spkiCache.m) >= spkiCacheEntries || spkiCache.m == nil {
		spkiCache.m = make(map[[sha256.Size]byte]spkiParsed)
	}
	spkiCache.m[key] = spkiParsed{pub, alg}
	spkiCache.mu.Unlock()
	return pub, alg, nil
}
