package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Interning changes no string: names in the table, names just outside it,
// strings at and around the stack buffer's length and non-ASCII ones all
// decode to exactly what the pool holds, in UTF-16 and UTF-8 pools.
func TestStringPoolInterning(t *testing.T) {
	strs := []string{
		"manifest", "android", "http://schemas.android.com/apk/res/android", "versionCode",
		"manifesT", "manifest ", "dev.example.app", "",
		strings.Repeat("a", maxInterned-1), strings.Repeat("b", maxInterned), strings.Repeat("c", maxInterned+1),
		"caf\u00e9", "\u0645\u0627\u0646\u064a\u0641\u0633\u062a",
	}
	for _, utf8 := range []bool{false, true} {
		b := &xmlBuilder{utf8: utf8, index: map[string]uint32{}}
		for _, s := range strs {
			b.intern(s)
		}
		p, err := parseStringPool(b.pool(), 0)
		require.NoError(t, err)
		for i, want := range strs {
			got, err := p.full(uint32(i))
			require.NoError(t, err)
			assert.Equal(t, want, got, "utf8=%v string %d", utf8, i)
		}
	}
}

// Every entry of the table fits the stack buffer it is looked up from.
func TestInternedStringsFit(t *testing.T) {
	for s := range internedStrings {
		assert.LessOrEqual(t, len(s), maxInterned, s)
	}
}
