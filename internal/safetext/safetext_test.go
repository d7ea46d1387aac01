package safetext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"app.apk", "app.apk"},
		{"CN=Jürgen,O=Ünïcode 名前", "CN=Jürgen,O=Ünïcode 名前"},
		{"evil.apk\n  policy:   TRUSTED", `"evil.apk\n  policy:   TRUSTED"`},
		{"x\x1b[8mhidden", `"x\x1b[8mhidden"`},
		{"a\rb", `"a\rb"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"rlo\u202egpj.apk", `"rlo\u202egpj.apk"`},
		{"line\u2028sep", `"line\u2028sep"`},
		{"tab\there", `"tab\there"`},
		{"", ""},
	}
	for _, c := range cases {
		got := Escape(c.in)
		assert.Equal(t, c.want, got, "%q", c.in)
		assert.NotContains(t, got, "\n")
		assert.NotContains(t, got, "\x1b")
		assert.Equal(t, got == c.in, Printable(c.in))
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("evil.apk\n\x1b[8m")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !Printable(got) {
			t.Fatalf("Escape(%q) = %q is not printable", s, got)
		}
		if strings.ContainsAny(got, "\n\r\x1b") {
			t.Fatalf("Escape(%q) = %q keeps a control character", s, got)
		}
	})
}
