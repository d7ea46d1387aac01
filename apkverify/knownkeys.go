package apkverify

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/apktrust/apktrust/signer"
)

var knownKeyCodes = map[string]signer.Code{
	signer.KnownKeyTestKey:        CodeKnownTestKey,
	signer.KnownKeyLeakedPlatform: CodeKnownLeakedKey,
	signer.KnownKeyDebug:          CodeDebugCertificate,
}

// systemSharedUIDs are the shared user IDs the platform's package manager
// creates itself (PackageManagerService: addSharedUserLPw), with the UID
// and what running as it gives. Joining one needs the signature of the
// system packages already in it.
var systemSharedUIDs = map[string]struct {
	uid  int
	what string
}{
	"android.uid.system":       {1000, "the system server's user, with every system permission and access to all apps' data"},
	"android.uid.phone":        {1001, "the telephony stack's user (calls, SMS, radio)"},
	"android.uid.bluetooth":    {1002, "the Bluetooth stack's user"},
	"android.uid.log":          {1007, "the system log user"},
	"android.uid.nfc":          {1027, "the NFC stack's user (payments, secure element)"},
	"android.uid.se":           {1068, "the secure element service's user"},
	"android.uid.networkstack": {1073, "the network stack's user"},
	"android.uid.uwb":          {1083, "the ultra-wideband stack's user"},
	"android.uid.shell":        {2000, "the adb shell user"},
}

// checkKnownKeyOptions rejects unusable user entries (and
// Policy.Validate unknown allowed categories), so a typo never silently
// disables the check.
func checkKnownKeyOptions(opts Options) error {
	for _, k := range opts.KnownKeys {
		if err := signer.CheckKnownKey(k); err != nil {
			return optionsError("KnownKeys: %v", err)
		}
	}
	return nil
}

// SourceStampKnown returns the source stamp certificate's entry among the
// known keys, nil when it is none (or the file has no stamp).
func (r *Result) SourceStampKnown() *signer.KnownKeyMatch { return r.stampKnown }

// knownKeys looks every signer, lineage and stamp certificate of the
// Result up among the known keys, records the match on the certificate's
// object and warns once per certificate; then reports a system shared UID.
func (v *verification) knownKeys() {
	res := v.res
	lookup := signer.LookupKnownKey
	if len(v.opts.KnownKeys) > 0 {
		// The caller's entries first: their own name for a key wins.
		set, err := signer.NewKnownKeySet(v.opts.KnownKeys, signer.BuiltinKnownKeys())
		if err == nil { // checked by checkKnownKeyOptions
			lookup = set.Lookup
		}
	}
	// One lookup per distinct certificate (a small app's three signers
	// share one), and the role, which only a warning shows, formatted only
	// for a match.
	type looked struct {
		sha    [32]byte
		m      signer.KnownKeyMatch
		ok     bool
		warned bool
	}
	var memo [4]looked
	seen := memo[:0]
	find := func(c *signer.Certificate, role func() string) *signer.KnownKeyMatch {
		if c == nil {
			return nil
		}
		i := slices.IndexFunc(seen, func(l looked) bool { return l.sha == c.SHA256 })
		if i < 0 {
			m, ok := lookup(c)
			seen = append(seen, looked{sha: c.SHA256, m: m, ok: ok})
			i = len(seen) - 1
		}
		l := &seen[i]
		if !l.ok {
			return nil
		}
		if !l.warned {
			l.warned = true
			v.warn(Issue{Code: knownKeyCodes[l.m.Category], Signer: -1, Message: knownKeyMessage(l.m, c, role())})
		}
		m := l.m
		return &m
	}
	for i := range res.Signers {
		s := &res.Signers[i]
		s.Known = find(s.Certificate, func() string {
			if res.Kind == KindAppBundle {
				return "the bundle's upload key"
			}
			return fmt.Sprintf("the %s signer for %s", s.Scheme, apiRange(s.MinSDK, s.MaxSDK))
		})
	}
	for i := range res.DevReleaseSigners {
		s := &res.DevReleaseSigners[i]
		s.Known = find(s.Certificate, func() string {
			return fmt.Sprintf("the %s signer for preview builds of API %d", s.Scheme, s.MinSDK)
		})
	}
	if l := res.lineage; l != nil && len(l.Nodes) == len(res.Lineage) {
		for i, n := range l.Nodes {
			res.Lineage[i].Known = find(n.Certificate, func() string {
				return fmt.Sprintf("certificate %d of %d of the proof-of-rotation", i+1, len(l.Nodes))
			})
		}
	}
	if st := res.SourceStamp; st != nil && st.Certificate != nil {
		res.stampKnown = find(st.Certificate, func() string { return "the source stamp" })
	}
	v.systemSharedUID()
}

func knownKeyMessage(m signer.KnownKeyMatch, c *signer.Certificate, role string) string {
	var what string
	switch m.Category {
	case signer.KnownKeyTestKey:
		what = "anyone can sign with it, its private key is published"
	case signer.KnownKeyLeakedPlatform:
		what = "anyone may hold it, a device maker's platform key that leaked and signed malware"
	default:
		what = "a key generated on some developer's machine, not a release key: a debug build from whoever has that machine"
	}
	by := ""
	if m.MatchedBy == "public key" {
		by = " (same public key, different certificate)"
	}
	return fmt.Sprintf("signed with %s%s (%s): %s, so the signature says nothing about who built the file. Certificate %s. Source: %s",
		theName(m.Name), by, role, what, describeCert(c), m.Source)
}

// theName puts "the" before a capitalised key name ("the AOSP testkey"),
// not before a user's "our CI key".
func theName(name string) string {
	if name != "" && unicode.IsUpper([]rune(name)[0]) {
		return "the " + name
	}
	return name
}

// systemSharedUID warns when the manifest asks for a system shared user
// ID, and says it is the attack itself when a signer is a leaked platform
// key (the device maker's, so Android grants it).
func (v *verification) systemSharedUID() {
	m := v.res.Manifest
	if m == nil {
		return
	}
	uid, ok := systemSharedUIDs[m.SharedUserID]
	if !ok {
		return
	}
	msg := fmt.Sprintf("the manifest requests android:sharedUserId=%q: to run as UID %d, %s. Android grants it only to an app signed with the same key as the system packages that share it (for android.uid.system, the device's platform key)",
		m.SharedUserID, uid.uid, uid.what)
	var leaked, test []string
	for _, s := range v.res.Signers {
		if s.Known == nil {
			continue
		}
		switch s.Known.Category {
		case signer.KnownKeyLeakedPlatform:
			leaked = appendOnce(leaked, theName(s.Known.Name))
		case signer.KnownKeyTestKey:
			test = appendOnce(test, theName(s.Known.Name))
		}
	}
	switch {
	case len(leaked) > 0:
		msg += fmt.Sprintf(". The APK is signed with %s, a leaked platform key: this is the attack itself, an app anyone could have signed that runs with system privileges on that maker's devices", strings.Join(leaked, ", "))
	case len(test) > 0:
		msg += fmt.Sprintf(". The APK is signed with %s, a public test key: on a device whose system image is signed with the AOSP test keys (emulators, some custom ROMs and cheap devices) anyone's app signed with it gets these privileges", strings.Join(test, ", "))
	}
	v.warn(Issue{Code: CodeSystemSharedUserID, Signer: -1, Message: msg})
}

func appendOnce(s []string, x string) []string {
	if slices.Contains(s, x) {
		return s
	}
	return append(s, x)
}

// checkKnownKeys makes a signer from the known keys a violation, even a
// pinned one: a pin does not make a key the whole world holds any more
// trustworthy. Only categories the Policy allows are accepted.
func checkKnownKeys(res *Result, p *Policy, add func(signer.Code, string, ...any)) {
	seen := map[string]bool{}
	for _, s := range slices.Concat(res.Signers, res.DevReleaseSigners) {
		k := s.Known
		if k == nil || seen[s.CertSHA256] || slices.Contains(p.AllowKnownKeyCategories, k.Category) {
			continue
		}
		seen[s.CertSHA256] = true
		add(PolicyKnownKey, "signed with %s (%s, category %s, for %s): anyone holding that key can make such a file, pinned or not (accept the category with Policy.AllowKnownKeyCategories, for example on a test device farm)",
			k.Name, describeCert(s.Certificate), k.Category, apiRange(s.MinSDK, s.MaxSDK))
	}
}
