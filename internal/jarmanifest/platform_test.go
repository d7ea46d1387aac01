package jarmanifest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// The platform reader's rules, one input each (StrictJarManifestReader).
func TestParsePlatform(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		err     bool // an IOException: the manifest fails, a .SF signer is ignored
		fatal   bool // a RuntimeException: fails the APK either way
		main    map[string]string
		mainEnd int
		entries map[string]map[string]string
		chunks  map[string]Chunk
	}{
		{name: "CRLF sections", in: "A: 1\r\n\r\nName: x\r\nD: 2\r\n\r\n", main: map[string]string{"a": "1"}, mainEnd: 8,
			entries: map[string]map[string]string{"x": {"d": "2"}}, chunks: map[string]Chunk{"x": {8, 25}}},
		{name: "blank lines belong to the section before", in: "A: 1\n\n\n\nName: x\nD: 2\n\n\n", mainEnd: 8,
			main: map[string]string{"a": "1"}, entries: map[string]map[string]string{"x": {"d": "2"}}, chunks: map[string]Chunk{"x": {8, 23}}},
		{name: "continuation joins without the space", in: "A: ab\r\n cd\r\n\r\n", main: map[string]string{"a": "abcd"}, mainEnd: 14},
		{name: "last value wins, names without case", in: "A: 1\nX-Y: 2\nx-y: 3\n\n", main: map[string]string{"a": "1", "x-y": "3"}, mainEnd: 20},
		{name: "unterminated last line dropped", in: "A: 1\nB: 2", main: map[string]string{"a": "1"}, mainEnd: 9},
		{name: "unterminated Name line: no section", in: "A: 1\n\nName: x", main: map[string]string{"a": "1"}, mainEnd: 6, entries: map[string]map[string]string{}},
		{name: "CR, continuation, then LF: the LF is taken for the CR's and the value runs on", in: "A: 1\r 2\nC: 3\n\n",
			main: map[string]string{"a": "12\nC: 3"}, mainEnd: 14},
		{name: "line without ': ' joined to the next", in: "A: 1\ngarbage\nB: 2\n\n", err: true},
		{name: "space in a name", in: "Bad Name: x\n\n", err: true},
		{name: "name over 70 characters", in: string(bytes.Repeat([]byte("a"), 71)) + ": x\n\n", err: true},
		{name: "name of 70 characters", in: string(bytes.Repeat([]byte("a"), 70)) + ": x\n\n", main: map[string]string{string(bytes.Repeat([]byte("a"), 70)): "x"}, mainEnd: 75},
		{name: "no space after ':'", in: "A:1\n\n", err: true},
		{name: "':' as the last byte", in: "A:", fatal: true},
		{name: "NUL in a value", in: "A: \x00\n\n", err: true},
		{name: "leading blank line", in: "\r\nA: 1\r\n\r\n", err: true},
		{name: "section not starting with Name", in: "A: 1\n\nB: 2\n\n", err: true},
		{name: "Name in any case", in: "A: 1\n\nNAME: x\nD: 1\n\n", main: map[string]string{"a": "1"}, mainEnd: 6, entries: map[string]map[string]string{"x": {"d": "1"}}},
		{name: "repeated manifest section", in: "A: 1\n\nName: x\n\nName: x\n\n", err: true},
		{name: "no ':' left ends the file", in: "A: 1\n\nName: x\n\ntrailing", main: map[string]string{"a": "1"}, mainEnd: 6, entries: map[string]map[string]string{"x": {}}},
		{name: "invalid UTF-8 value", in: "A: \xff\n\n", main: map[string]string{"a": "\ufffd"}, mainEnd: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParsePlatform([]byte(tc.in), true, 0)
			if tc.err || tc.fatal {
				require.Error(t, err)
				var pe *PlatformError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, tc.fatal, pe.Fatal)
				return
			}
			require.NoError(t, err)
			if tc.main != nil {
				require.Equal(t, tc.main, f.Main.Map())
			}
			require.Equal(t, tc.mainEnd, f.MainEnd)
			if tc.entries != nil {
				require.Len(t, f.Entries, len(tc.entries))
				for n, a := range tc.entries {
					require.Equal(t, a, f.Entries[n].Map())
				}
			}
			if tc.chunks != nil {
				require.Equal(t, tc.chunks, f.Chunks)
			}
		})
	}
	// A .SF merges repeated sections, later values winning.
	f, err := ParsePlatform([]byte("S: 1\n\nName: x\nD: 1\nE: 1\n\nName: x\nD: 2\n\n"), false, 0)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"d": "2", "e": "1"}, f.Entries["x"].Map())
}

func FuzzJarPlatform(f *testing.F) {
	for _, s := range []string{
		"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a.txt\r\nSHA-256-Digest: AAA=\r\n\r\n",
		"Signature-Version: 1.0\nX-Android-APK-Signed: 2, ３\n\nName: a\n b\nSHA1-Digest: x\n\nName: a\nSHA1-Digest: y\n\n",
		"A: 1\r\n\rB: 2\nC: 3\n\n",
		"A: 1\ngarbage\nB: 2\n\n",
		"A:",
		"\r\n\r\n \n: \nName:\n\n",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, manifest bool) {
		m, err := ParsePlatform(data, manifest, 1000)
		if err != nil {
			var pe *PlatformError
			require.ErrorAs(t, err, &pe)
			return
		}
		require.LessOrEqual(t, m.MainEnd, len(data))
		prev := m.MainEnd
		for _, n := range m.Order {
			if c, ok := m.Chunks[n]; ok {
				require.Equal(t, prev, c.Start, "chunks tile the file")
				require.LessOrEqual(t, c.Start, c.End)
				require.LessOrEqual(t, c.End, len(data))
				prev = c.End
			}
		}
		for _, v := range m.Main.Map() {
			require.NotContains(t, v, "\x00")
		}
	})
}
