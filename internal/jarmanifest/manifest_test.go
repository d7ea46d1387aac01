package jarmanifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	type sec struct {
		name   string
		named  bool
		bytes  string // the section's bytes, which .SF digests cover
		attrs  map[string]string
		nAttrs int
	}
	tests := []struct {
		name     string
		in       string
		main     *sec
		sections []sec
	}{
		{
			name: "CRLF with one entry",
			in:   "Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a.txt\r\nSHA-256-Digest: AAA=\r\n\r\n",
			main: &sec{bytes: "Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\n", attrs: map[string]string{"manifest-version": "1.0"}, nAttrs: 2},
			sections: []sec{{name: "a.txt", named: true, bytes: "Name: a.txt\r\nSHA-256-Digest: AAA=\r\n\r\n",
				attrs: map[string]string{"SHA-256-DIGEST": "AAA="}, nAttrs: 2}},
		},
		{
			name: "LF and lone CR line ends, no final empty line",
			in:   "M: 1\n\nName: b\rX: y",
			main: &sec{bytes: "M: 1\n\n", attrs: map[string]string{"M": "1"}, nAttrs: 1},
			sections: []sec{{name: "b", named: true, bytes: "Name: b\rX: y",
				attrs: map[string]string{"x": "y"}, nAttrs: 2}},
		},
		{
			name: "continuation lines join without their leading space",
			in:   "M: 1\r\n\r\nName: res/very/long\r\n /path.png\r\nSHA1-Digest: ab\r\n cd\r\n\r\n",
			main: &sec{bytes: "M: 1\r\n\r\n", nAttrs: 1},
			sections: []sec{{name: "res/very/long/path.png", named: true, bytes: "Name: res/very/long\r\n /path.png\r\nSHA1-Digest: ab\r\n cd\r\n\r\n",
				attrs: map[string]string{"SHA1-Digest": "abcd"}, nAttrs: 2}},
		},
		{
			name:     "blank lines between sections belong to none",
			in:       "M: 1\n\n\n\nName: c\n\n\n",
			main:     &sec{bytes: "M: 1\n\n", nAttrs: 1},
			sections: []sec{{name: "c", named: true, bytes: "Name: c\n\n", nAttrs: 1}},
		},
		{
			name: "unnamed section and lower-case name",
			in:   "M: 1\n\nSHA1-Digest: x\n\nname: d\n\n",
			main: &sec{bytes: "M: 1\n\n", nAttrs: 1},
			sections: []sec{
				{bytes: "SHA1-Digest: x\n\n", nAttrs: 1},
				{name: "d", named: true, bytes: "name: d\n\n", nAttrs: 1},
			},
		},
		{
			name: "attribute without colon-space, spaces kept",
			in:   "M:1\nName : v \n\n",
			main: &sec{bytes: "M:1\nName : v \n\n", attrs: map[string]string{"M:1": "", "Name ": "v "}, nAttrs: 2},
		},
		{
			name:     "invalid UTF-8 becomes U+FFFD",
			in:       "M: 1\n\nName: a\xffb\n\n",
			main:     &sec{bytes: "M: 1\n\n", nAttrs: 1},
			sections: []sec{{name: "a\uFFFDb", named: true, bytes: "Name: a\xffb\n\n", nAttrs: 1}},
		},
		{name: "empty", in: ""},
		{name: "only blank lines", in: "\r\n\n\r"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in), 0)
			require.NoError(t, err)
			check := func(want sec, got *Section) {
				require.NotNil(t, got)
				assert.Equal(t, want.name, got.Name)
				assert.Equal(t, want.named, got.Named)
				assert.Equal(t, want.bytes, tc.in[got.Offset:got.Offset+got.Length])
				assert.Len(t, got.Attrs, want.nAttrs)
				for k, v := range want.attrs {
					val, ok := got.Get(k)
					assert.True(t, ok, "attribute %q", k)
					assert.Equal(t, v, val)
				}
			}
			if tc.main == nil {
				assert.Nil(t, m.Main)
			} else {
				check(*tc.main, m.Main)
			}
			require.Len(t, m.Sections, len(tc.sections))
			for i := range tc.sections {
				check(tc.sections[i], m.Sections[i])
			}
		})
	}
}

func TestSectionGetMissing(t *testing.T) {
	m, err := Parse([]byte("A: 1\nB: 2\n"), 0)
	require.NoError(t, err)
	_, ok := m.Main.Get("C")
	assert.False(t, ok)
	v, ok := m.Main.Get("b")
	assert.True(t, ok)
	assert.Equal(t, "2", v)
	var nilSec *Section
	_, ok = nilSec.Get("A")
	assert.False(t, ok)
}

// FuzzJarManifest checks that the manifest/.SF parser never panics, that
// sections lie inside the input in order, and that parsing is stable.
func FuzzJarManifest(f *testing.F) {
	for _, s := range []string{
		"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a.txt\r\nSHA-256-Digest: AAA=\r\n\r\n",
		"Signature-Version: 1.0\nSHA1-Digest-Manifest: abc=\nX-Android-APK-Signed: 2, 3\n\nName: a\n b\nSHA1-Digest: x\n\n",
		"\r\r\n\n \n: \nName:\n\n",
		"Name: \xff\xfe\r\n continued\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, 1000)
		if err != nil {
			assert.ErrorIs(t, err, ErrTooManySections)
			return
		}
		end := 0
		all := m.Sections
		if m.Main != nil {
			all = append([]*Section{m.Main}, all...)
		}
		for _, s := range all {
			require.GreaterOrEqual(t, s.Offset, end)
			require.Positive(t, s.Length)
			require.LessOrEqual(t, s.Offset+s.Length, len(data))
			require.NotEmpty(t, s.Attrs)
			end = s.Offset + s.Length
		}
		again, err := Parse(data, 1000)
		require.NoError(t, err)
		require.Equal(t, m, again)
	})
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		max     int
		wantErr error
	}{
		{"too many sections", []byte("M: 1\n\n" + strings.Repeat("Name: x\n\n", 11)), 10, ErrTooManySections},
		{"at the section limit", []byte("M: 1\n\n" + strings.Repeat("Name: x\n\n", 10)), 10, nil},
		{"too large", make([]byte, MaxFileSize+1), 0, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.in, tc.max)
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Len(t, m.Sections, tc.max)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.wantErr)
			var ve *LimitError
			require.ErrorAs(t, err, &ve)
			assert.NotEmpty(t, ve.Msg)
		})
	}
}
