package scheme

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJavaParseInt(t *testing.T) {
	for in, want := range map[string]int32{"2": 2, "+2": 2, "-3": -3, "002": 2, "２": 2, "٢": 2, "१२": 12, "2147483647": 1<<31 - 1, "-2147483648": -1 << 31} {
		got, ok := javaParseInt(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "+", "-", "2x", " 2", "2147483648", "𝟐", "Ⅱ", "²", "0x2"} {
		_, ok := javaParseInt(in)
		assert.False(t, ok, in)
	}
}

// FuzzJavaSchemeIDs reads X-Android-APK-Signed values: no panic, and every
// ID is either parsed or marked as a refused non-ASCII token.
func FuzzJavaSchemeIDs(f *testing.F) {
	for _, s := range []string{"2, 3", "2, ３", " +2 ,, -1,x", "१२", "\x002147483648"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		for _, id := range v1JavaSchemeIDs(hdr) {
			if id.id < 0 && !id.notASCII {
				if _, ok := javaParseInt(id.text); !ok {
					t.Fatalf("token %q neither parsed nor refused", id.text)
				}
			}
		}
	})
}
