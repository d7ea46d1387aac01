package jarmanifest

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlatformSectionsKeepTheirOwnAttributes: sections share one array of
// attributes; a .SF section repeated after others (merged into the first,
// later values winning) and sections of more attributes than the list
// holds before it is indexed by a map must read exactly as a map per
// section would. Seeded random .SF files against a plain model.
func TestPlatformSectionsKeepTheirOwnAttributes(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	for round := 0; round < 300; round++ {
		var sb strings.Builder
		sb.WriteString("Signature-Version: 1.0\n")
		wantMain := map[string]string{"signature-version": "1.0"}
		for i := rng.Intn(3 * attrsMapMin); i > 0; i-- {
			k, v := fmt.Sprintf("M-%d", rng.Intn(2*attrsMapMin)), fmt.Sprint(rng.Intn(100))
			fmt.Fprintf(&sb, "%s: %s\n", k, v)
			wantMain[strings.ToLower(k)] = v
		}
		sb.WriteString("\n")
		want := map[string]map[string]string{}
		var order []string
		for s := rng.Intn(8); s > 0; s-- {
			name := fmt.Sprintf("e%d", rng.Intn(4))
			fmt.Fprintf(&sb, "Name: %s\n", name)
			if want[name] == nil {
				want[name] = map[string]string{}
				order = append(order, name)
			}
			n := rng.Intn(4)
			if rng.Intn(5) == 0 {
				n = attrsMapMin + rng.Intn(2*attrsMapMin) // indexed by a map
			}
			for ; n > 0; n-- {
				// Upper and lower case: one name to Attributes.
				k := fmt.Sprintf("K-%d", rng.Intn(attrsMapMin+8))
				if rng.Intn(2) == 0 {
					k = strings.ToUpper(k)
				}
				v := fmt.Sprint(rng.Intn(1000))
				fmt.Fprintf(&sb, "%s: %s\n", k, v)
				want[name][strings.ToLower(k)] = v
			}
			sb.WriteString("\n")
		}
		f, err := ParsePlatform([]byte(sb.String()), false, 0)
		require.NoError(t, err, sb.String())
		require.Equal(t, wantMain, f.Main.Map(), "round %d", round)
		require.Equal(t, order, f.Order)
		require.Len(t, f.Entries, len(want))
		for name, attrs := range want {
			got := f.Entries[name]
			assert.Equal(t, attrs, got.Map(), "round %d section %s", round, name)
			assert.Equal(t, len(attrs), got.Len())
			for k, v := range attrs {
				gv, ok := got.Get(strings.ToUpper(k))
				assert.True(t, ok, k)
				assert.Equal(t, v, gv, k)
			}
			_, ok := got.Get("Not-There")
			assert.False(t, ok)
		}
	}
}

// TestPlatformManyAttributesLinear: a section of very many attributes
// (a hostile .SF) is indexed by a map, so reading it stays linear.
func TestPlatformManyAttributesLinear(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Signature-Version: 1.0\n\nName: x\n")
	const n = 50000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "A-%d: %d\n", i, i)
	}
	sb.WriteString("\n")
	f, err := ParsePlatform([]byte(sb.String()), false, 0)
	require.NoError(t, err)
	x := f.Entries["x"]
	require.Equal(t, n, x.Len())
	v, ok := x.Get("a-49999")
	require.True(t, ok)
	require.Equal(t, "49999", v)
}
