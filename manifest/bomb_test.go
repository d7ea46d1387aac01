package manifest

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/signer"
)

// Resource bombs: small resources.arsc files whose string pool would cost
// gigabytes or minutes to a reader that decodes eagerly, per offset or
// without a budget. Each must give a bounded result or a refusal, and
// allocate less than 256 MiB.

// overlapPool is a UTF-16 pool of n strings at offsets 0, 2, 4, ...: unit
// j holds n-j-1 and unit n is the terminator, so string j is every unit
// after it and the strings overlap; decoding all costs n²/2 units.
func overlapPool(n int) []byte {
	var offs, data []byte
	for j := 0; j < n; j++ {
		offs = append(offs, le32(uint32(2*j))...)
		data = append(data, le16(uint16(n-j-1))...)
	}
	data = append(data, 0, 0, 0, 0)
	hdr := append(le32(uint32(n)), le32(0)...)
	hdr = append(hdr, le32(0)...)
	hdr = append(hdr, le32(uint32(28+len(offs)))...)
	hdr = append(hdr, le32(0)...)
	return chunk(0x0001, 28, hdr, append(offs, data...))
}

// styledPool is a pool of one string with styles styles, each a chain of
// spans spans long: a reader that follows styles walks them all.
func styledPool(styles, spans int) []byte {
	str := append(append([]byte{6, 6}, "Victim"...), 0, 0)
	var offs, sdata []byte
	offs = append(offs, le32(0)...)
	for i := 0; i < styles; i++ {
		offs = append(offs, le32(uint32(len(sdata)))...)
		for k := 0; k < spans; k++ {
			sdata = append(sdata, le32(0)...)         // span name: string 0
			sdata = append(sdata, le32(0)...)         // firstChar
			sdata = append(sdata, le32(uint32(k))...) // lastChar
		}
		sdata = append(sdata, le32(noIndex)...)
	}
	sdata = append(sdata, le32(noIndex)...)
	sdata = append(sdata, le32(noIndex)...)
	stringsStart := 28 + len(offs)
	hdr := append(le32(1), le32(uint32(styles))...)
	hdr = append(hdr, le32(1<<8)...) // UTF-8
	hdr = append(hdr, le32(uint32(stringsStart))...)
	hdr = append(hdr, le32(uint32(stringsStart+len(str)))...)
	return chunk(0x0001, 28, hdr, append(append(offs, str...), sdata...))
}

// withPool replaces the global string pool of a table built by
// buildConfigTable.
func withPool(table, pool []byte) []byte {
	oldLen := int(le32u(table[12+4:]))
	return chunk(0x0002, 12, le32(1), append(append([]byte(nil), pool...), table[12+oldLen:]...))
}

// labelInConfigs is a table whose label resource (0x7f030000) has one
// value per configuration (mcc 1..n), configuration i naming string i.
func labelInConfigs(n int) []byte {
	types := make([]tType, n)
	for i := range types {
		types[i] = tType{id: 3, config: mccConfig(uint16(i + 1)), entries: []tEntry{{typ: 0x03, data: uint32(i)}}}
	}
	return buildConfigTable(nil, types)
}

func TestResourceBombsBounded(t *testing.T) {
	huge := buildConfigTable([]string{"Victim"}, []tType{{id: 3, entries: []tEntry{{typ: 0x03, data: 0}}}})
	hugeCounts := append([]byte(nil), huge...)
	putLE32(hugeCounts[12+8:], 0x3fffffff) // the global pool claims 2^30 strings
	tests := []struct {
		name      string
		table     []byte
		wantLabel int  // label length, when the result is bounded
		wantCode  Code // the refusal otherwise
	}{
		{"40,000 offsets at one 16,000-unit string (the issue's bomb)", bombTable(40000, 16000), 16000, ""},
		{"16,000 overlapping strings named by 2,000 configurations", withPool(labelInConfigs(2000), overlapPool(16000)), 0, CodeResourcesLimit},
		{"a pool declaring 2^30 strings", hugeCounts, 0, CodeResources},
		{"500 styles of 1,000 spans each", withPool(buildConfigTable(nil, []tType{{id: 3, entries: []tEntry{{typ: 0x03, data: 0}}}}), styledPool(500, 1000)), 6, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := attackShape{manifest: buildXML(victimManifest(24, nil, []tAttr{aRef("label", attrLabel, resLabel)}), false), resources: tc.table}
			a := openZipBytes(t, s.apk(t))
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			m, err := fromArchive(a)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte table: %.1f MiB allocated, %v (machine shared, figure indicative)", len(tc.table), float64(alloc)/(1<<20), elapsed)
			assert.Less(t, alloc, uint64(256<<20), "allocation bound")
			assert.Less(t, elapsed, 10*time.Second, "generous time bound (the budget makes it milliseconds)")
			switch tc.wantCode {
			case "":
				require.NoError(t, err)
				assert.Len(t, m.Label, tc.wantLabel)
			case CodeResources:
				// A broken table leaves the label unresolved.
				require.NoError(t, err)
				assert.ErrorIs(t, m.ResourcesErr, CodeResources)
			default:
				var fe *signer.Error
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, tc.wantCode, fe.Code, fe.Error())
			}
		})
	}
}

func putLE32(b []byte, v uint32) { copy(b, le32(v)) }
