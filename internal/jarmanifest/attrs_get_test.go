package jarmanifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Get finds a name whatever its letter case, as java.util.jar.Attributes
// does, through the ASCII fast path and the strings.ToLower fallback
// alike, and never allocates for the names the verifier looks up.
func TestAttrsGetIgnoresCase(t *testing.T) {
	long := strings.Repeat("X-Long-Name-", 8) // over the 64-byte stack buffer
	a := Attrs{}
	// Stored as ParsePlatform stores names: lower-cased by strings.ToLower.
	for k, v := range map[string]string{
		"SHA-256-Digest": "d", "": "empty", long: "long", "X-ÜNÏCÖDÉ": "u",
		"K-\u212a": "kelvin", // U+212A KELVIN SIGN lower-cases to an ASCII k
	} {
		a.put(strings.ToLower(k), v)
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"SHA-256-Digest", "d", true},
		{"sha-256-DIGEST", "d", true},
		{"sha-256-digest", "d", true},
		{"SHA-256-Digest-Manifest", "", false},
		{"", "empty", true},
		{long, "long", true},
		{"X-ÜNÏCÖDÉ", "u", true},
		{"K-\u212a", "kelvin", true},
		{"K-K", "kelvin", true},
	}
	for _, tt := range tests {
		v, ok := a.Get(tt.name)
		assert.Equal(t, tt.ok, ok, tt.name)
		assert.Equal(t, tt.want, v, tt.name)
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = a.Get("SHA-256-Digest") })
	assert.Zero(t, allocs)
}
