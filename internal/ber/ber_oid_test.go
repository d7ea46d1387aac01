package ber

import (
	"encoding/asn1"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOIDMatchesEncodingASN1: the dotted form of seeded random OIDs (one
// to forty arcs, arcs up to 2^31) is encoding/asn1's.
func TestOIDMatchesEncodingASN1(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	for i := 0; i < 2000; i++ {
		oid := asn1.ObjectIdentifier{rng.Intn(3), rng.Intn(40)}
		if oid[0] == 2 {
			oid[1] = rng.Intn(1 << 20)
		}
		for n := rng.Intn(39); n > 0; n-- {
			if rng.Intn(4) == 0 {
				oid = append(oid, rng.Intn(1<<31))
			} else {
				oid = append(oid, rng.Intn(200))
			}
		}
		der, err := asn1.Marshal(oid)
		require.NoError(t, err)
		e, rest, err := Read(der, 0)
		require.NoError(t, err)
		require.Empty(t, rest)
		got, err := OID(e)
		require.NoError(t, err)
		require.Equal(t, oid.String(), got)
	}
}

// TestCommonOIDsDecodeToThemselves: every OID of the fixed table is
// well formed and decodes to its own dotted form (the table changes no
// result, only saves the allocation).
func TestCommonOIDsDecodeToThemselves(t *testing.T) {
	for s := range commonOIDs {
		var oid asn1.ObjectIdentifier
		for _, arc := range strings.Split(s, ".") {
			n, err := strconv.Atoi(arc)
			require.NoError(t, err, s)
			oid = append(oid, n)
		}
		require.Equal(t, s, oid.String())
		der, err := asn1.Marshal(oid)
		require.NoError(t, err)
		e, _, err := Read(der, 0)
		require.NoError(t, err)
		got, err := OID(e)
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
}
