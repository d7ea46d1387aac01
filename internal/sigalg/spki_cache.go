package sigalg

import (
	"crypto"
	"crypto/sha256"
	"sync"

	"github.com/apktrust/apktrust/internal/certparse"
)

// Bounds of the cache of parsed signed-data public keys: at most 256
// keys, each from at most 4 KiB of SubjectPublicKeyInfo (an RSA-16384 key,
// the largest Android signs with, takes about 2.1 KiB). A larger key is
// parsed every time, so hostile files cannot make the process keep
// megabytes of parsed keys.
const (
	spkiCacheEntries = 256
	spkiCacheMaxDER  = 4 << 10
)

// spkiCache holds the keys ParsePublicKeyFor parsed, by the SHA-256 of
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

// parseSPKICached is certparse.ParseSPKI through spkiCache; failures are not cached.
func parseSPKICached(spki []byte) (crypto.PublicKey, string, error) {
	if len(spki) > spkiCacheMaxDER {
		return certparse.ParseSPKI(spki)
	}
	key := sha256.Sum256(spki)
	spkiCache.mu.Lock()
	p, ok := spkiCache.m[key]
	spkiCache.mu.Unlock()
	if ok {
		return p.pub, p.alg, nil
	}
	pub, alg, err := certparse.ParseSPKI(spki)
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

// ResetKeyCache empties the key cache, for benchmarks of a first (cold)
// verification.
func ResetKeyCache() {
	spkiCache.mu.Lock()
	spkiCache.m = nil
	spkiCache.mu.Unlock()
}
