package main

import (
	"fmt"
	"time"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
)

// printEvidence prints the "Evidence of distribution" block: the source
// stamp, the v4 signature and Play frosting, each with what it proves.
func (c *config) printEvidence(res *apkverify.Result) {
	w := c.stdout
	fmt.Fprintln(w, "  Evidence of distribution:")
	st := res.SourceStamp
	switch {
	case st == nil:
		fmt.Fprintln(w, "    source stamp:  none")
	case !st.Present:
		fmt.Fprintln(w, "    source stamp:  none")
		if st.Source != "" || st.Type != "" {
			// Markers without a stamp: someone wrote them by hand.
			fmt.Fprintf(w, "                   source %s, type %s (unverified: proves nothing)\n", orNone(st.Source), orNone(st.Type))
		}
	default:
		fmt.Fprintf(w, "    source stamp:  verified %s", yesNo(st.Verified))
		if !st.Verified {
			fmt.Fprintf(w, " (%s)", firstIssue(st.Errors, string(st.Status)))
		}
		fmt.Fprintln(w)
		if st.CertSHA256 != "" {
			who := "not the Google Play stamp certificate"
			if scheme.NormalizeSHA256Hex(st.CertSHA256) == apkverify.PlayStoreStampCertSHA256 {
				who = "the Google Play stamp certificate"
			}
			fmt.Fprintf(w, "                   certificate %s (%s)\n", esc(st.CertSHA256), who)
		}
		printBinding(w, st.Binding)
		if st.Timestamp != 0 {
			fmt.Fprintf(w, "                   stamped %s\n", time.Unix(st.Timestamp, 0).UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		if st.Source != "" || st.Type != "" {
			note := "(unverified: proves nothing)"
			if st.Verified {
				note = "(manifest markers; meaningful only because the stamp verified)"
			}
			fmt.Fprintf(w, "                   source %s, type %s %s\n", orNone(st.Source), orNone(st.Type), note)
		}
	}
	switch v4 := res.V4; {
	case v4 == nil || !v4.Present:
		fmt.Fprintln(w, "    v4 signature:  not given")
	case v4.Verified && len(v4.Errors) == 0:
		fmt.Fprintln(w, "    v4 signature:  given, verified yes")
	default:
		fmt.Fprintf(w, "    v4 signature:  given, verified no (%s)\n", firstIssue(v4.Errors, "not verified"))
	}
	switch fr := res.Frosting; {
	case fr == nil || !fr.Present:
		fmt.Fprintln(w, "    Play frosting: none")
	case fr.Verified:
		fmt.Fprintf(w, "    Play frosting: present, verified yes (key index %s)\n", keyIndex(fr.KeyIndex))
		printBinding(w, fr.Binding)
	default:
		why := firstIssue(fr.Errors, "")
		if why == "" && fr.KeyIndex != nil {
			why = "unknown key index " + keyIndex(fr.KeyIndex)
		}
		if why == "" {
			why = firstIssue(fr.Warnings, "not verified")
		}
		fmt.Fprintf(w, "    Play frosting: present, verified no (%s)\n", why)
	}
}

// firstIssue is the first issue's code and (escaped) message, with how
// many more there are.
func firstIssue(issues []apkverify.Issue, otherwise string) string {
	if len(issues) == 0 {
		return otherwise
	}
	s := string(issues[0].Code) + ": " + esc(issues[0].Message)
	if n := len(issues) - 1; n > 0 {
		s += fmt.Sprintf("; and %d more", n)
	}
	return s
}

func keyIndex(k *uint64) string {
	if k == nil {
		return "unknown"
	}
	return fmt.Sprint(*k)
}

// orNone is a manifest marker, escaped, or "(none)".
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return esc(s)
}
