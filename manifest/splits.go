package manifest

import (
	"slices"
	"strings"
)

// splitAttrs reads what ties the APKs of one install together:
// configForSplit, android:splitTypes, android:requiredSplitTypes and the
// first <uses-split>, as the platform's ApkLiteParseUtils reads them.
func (x *extractor) splitAttrs(root *element) error {
	m, d := x.m, x.d
	var err error
	if a := attrByName(d, root, "configForSplit"); a != nil {
		if m.ConfigForSplit, err = x.stringValue(a); err != nil {
			return withOffset(err, root.offset)
		}
	}
	for _, t := range []struct {
		id  uint32
		dst *[]string
	}{{attrSplitTypes, &m.SplitTypes}, {attrRequiredSplitTypes, &m.RequiredSplitTypes}} {
		a := attrByID(root, t.id)
		if a == nil {
			continue
		}
		s, err := x.stringValue(a)
		if err != nil {
			return withOffset(err, root.offset)
		}
		*t.dst = splitTypeList(s)
	}
	for i := range d.elems {
		e := &d.elems[i]
		if e.depth != 2 || e.name != "uses-split" || !e.nsEmpty {
			continue
		}
		if a := attrByID(e, attrName); a != nil {
			if m.UsesSplit, err = x.stringValue(a); err != nil {
				return withOffset(err, e.offset)
			}
		}
		break // only the first <uses-split> counts
	}
	return nil
}

// splitTypeList splits a comma-separated list of split types, trimming
// each and dropping empty and repeated ones.
func splitTypeList(s string) []string {
	var out []string
	for _, t := range strings.Split(strings.TrimSpace(s), ",") {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}
