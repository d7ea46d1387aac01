package apkverify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/signer"
)

// identity is one signer as Android's SigningDetails holds it: the current
// certificate and, with a proof-of-rotation, the past certificates oldest
// first (the last one is the current certificate), each with the
// capabilities the lineage grants it.
type identity struct {
	cert *signer.Certificate
	past []signer.LineageNode
}

func identityOf(c *signer.Certificate, l *signer.Lineage) identity {
	id := identity{cert: c}
	if l != nil {
		id.past = l.Nodes
	}
	return id
}

// historyIdentity is the identity of an app installed at the history's
// current key.
func historyIdentity(h *signer.Lineage) identity {
	return identity{cert: h.Nodes[len(h.Nodes)-1].Certificate, past: h.Nodes}
}

// hasCertificate follows SigningDetails.hasCertificate for a single
// signer: c is the current certificate (which has every capability), or a
// past certificate other than the last whose flags include all of flags.
// flags 0 asks only whether c is there (PAST_CERT_EXISTS).
func (id identity) hasCertificate(c *signer.Certificate, flags uint32) bool {
	for _, n := range id.past[:max(len(id.past)-1, 0)] {
		if certEqual(n.Certificate, c) && n.Flags&flags == flags {
			return true
		}
	}
	return certEqual(id.cert, c)
}

// pastIndex is the position of c among the past certificates other than
// the current one, or -1.
func (id identity) pastIndex(c *signer.Certificate) int {
	for i, n := range id.past[:max(len(id.past)-1, 0)] {
		if certEqual(n.Certificate, c) {
			return i
		}
	}
	return -1
}

// takesOver applies the package manager's rule for an update of an app
// installed as old by a file signed as nw (InstallPackageHelper /
// ReconcilePackageUtils, single signers): nw.checkCapability(old,
// INSTALLED_DATA) || old.checkCapability(nw, ROLLBACK); and, for an app
// in a shared UID, nw.checkCapability(old, SHARED_USER_ID) ||
// old.checkCapability(nw, SHARED_USER_ID) (PackageManagerServiceUtils.
// verifySignatures). It returns the capability that is missing, 0 when
// the update is accepted.
func takesOver(nw, old identity, sharedUID bool) uint32 {
	if !nw.hasCertificate(old.cert, signer.CapabilityInstalledData) && !old.hasCertificate(nw.cert, signer.CapabilityRollback) {
		return signer.CapabilityInstalledData
	}
	if sharedUID && !nw.hasCertificate(old.cert, signer.CapabilitySharedUID) && !old.hasCertificate(nw.cert, signer.CapabilitySharedUID) {
		return signer.CapabilitySharedUID
	}
	return 0
}

// checkHistory applies Policy.History, or, without one, the capabilities
// of the pinned keys in the signers' lineages. See the README section
// "Signing history and rotation capabilities" for the rules and why. It
// returns the PolicyResult's warnings.
func checkHistory(res *Result, p *Policy, trusted [][32]byte, add func(signer.Code, string, ...any)) []Violation {
	// A signing history is the app signing key's; a bundle carries the
	// upload key, which never rotates through a lineage.
	if len(res.Signers) == 0 || res.Kind == KindAppBundle {
		return nil
	}
	sharedUID := res.Manifest != nil && res.Manifest.SharedUserID != ""
	if p.History != nil && len(p.History.Nodes) > 0 {
		checkAgainstHistory(res, p.History, sharedUID, add)
		return nil
	}
	if len(trusted) > 0 {
		return checkPinnedRotation(res, trusted, sharedUID, add)
	}
	return nil
}

// checkAgainstHistory judges every signer of res.Signers as Android judges
// an update of the app installed under the history's current key.
//
// From API 28 (where SigningDetails carry a lineage) each signer must pass
// takesOver against the history: its lineage holds the current key with
// the needed capabilities (the app rotated on), it is the current key, or
// it is an older key the history grants rollback. One exception keeps the
// Play key-upgrade shape: a signer used only below the file's newest
// levels (v3 by the old key up to API 32, v3.1 by the new key from 33)
// may be an older key of the history whose own lineage agrees with it,
// because the phones on those levels were never given the new key. Below
// API 28 Android compares signers exactly and cannot rotate, so a signer
// there must be a key of the history.
//
// The signers preview builds read (Result.DevReleaseSigners) update the
// app on those devices too, so each is judged like a signer of the file's
// newest levels: no older-key exception, and no overlap check (a preview
// signer shares its level with the release builds' signer by design).
func checkAgainstHistory(res *Result, h *signer.Lineage, sharedUID bool, add func(signer.Code, string, ...any)) {
	hist := historyIdentity(h)
	current := hist.cert
	newest := 0
	for _, s := range res.Signers {
		newest = max(newest, s.MaxSDK)
	}
	all := slices.Concat(res.Signers, res.DevReleaseSigners)
	for i := range all {
		e := &all[i]
		preview := i >= len(res.Signers)
		if e.Certificate == nil {
			continue
		}
		where := fmt.Sprintf("%s (%s)", apiRange(e.MinSDK, e.MaxSDK), e.Scheme)
		if preview {
			where += " on preview builds"
		}
		if e.MaxSDK < sdkP {
			if !h.Contains(e.Certificate.SHA256) {
				add(PolicyHistoryFork, "%s is signed by %s, which is no key of the app's signing history (%s): Android before 9 cannot rotate keys and refuses it as an update",
					where, describeCert(e.Certificate), describeLineage(h))
			}
			continue
		}
		if !preview {
			if o := otherSignerAt(res.Signers, i); o != nil {
				add(PolicyHistoryFork, "%s has several signers (%s and %s): Android lets only a single signer update an app with a signing history (current key %s)",
					where, describeCert(e.Certificate), describeCert(o.Certificate), describeCert(current))
				continue
			}
		}
		id := identityOf(e.Certificate, e.Lineage)
		missing := takesOver(id, hist, sharedUID)
		if missing == 0 {
			continue
		}
		older := hist.pastIndex(e.Certificate)
		if older >= 0 && !preview && e.MaxSDK < newest && !diverges(id, hist) {
			continue
		}
		switch {
		case older >= 0 && missing == signer.CapabilityInstalledData:
			add(PolicyRollbackNotAllowed, "%s is signed by %s, an older key of the app's signing history (node %d of %d, rotated to %s), and the history does not grant it the rollback capability: Android would refuse this file as an update",
				where, describeCert(e.Certificate), older+1, len(h.Nodes), describeCert(current))
		case id.pastIndex(current) >= 0:
			add(PolicyCapabilityMissing, "%s is signed by %s, whose lineage %s denies the app's current key %s the %s capability: Android would refuse this file as an update of the app installed under that key",
				where, describeCert(e.Certificate), describeIdentity(id), describeCert(current), capabilityName(missing))
		case older >= 0:
			add(PolicyCapabilityMissing, "%s is signed by %s, an older key of the app's signing history (node %d of %d), which the history denies the %s capability: Android would refuse this file as an update of the app installed under %s",
				where, describeCert(e.Certificate), older+1, len(h.Nodes), capabilityName(missing), describeCert(current))
		default:
			add(PolicyHistoryFork, "%s is signed by %s with lineage %s, which %s. The app's signing history is %s: only its current key, or a key that key rotated to, may update the app",
				where, describeCert(e.Certificate), describeIdentity(id), branchPoint(id, h), describeLineage(h))
		}
	}
}

// checkPinnedRotation applies the capabilities without a history: from API
// 28, a signer that is not pinned itself but descends from a pinned key
// takes over the app installed under that key only when its lineage
// grants the pinned key installed-data (and shared-uid for an app in a
// shared UID). A pinned key that gave these up does not vouch for its
// successor. Every file trusted that way gets the
// PolicyRotationWithoutHistory warning, which it returns.
func checkPinnedRotation(res *Result, trusted [][32]byte, sharedUID bool, add func(signer.Code, string, ...any)) []Violation {
	pinned := func(c *signer.Certificate) bool {
		for _, t := range trusted {
			if c != nil && c.SHA256 == t {
				return true
			}
		}
		return false
	}
	var rotated *Signer
	// Preview builds' signers (DevReleaseSigners) take over the app on
	// those devices as well.
	all := slices.Concat(res.Signers, res.DevReleaseSigners)
	for i := range all {
		e := &all[i]
		if e.MaxSDK < sdkP || e.Certificate == nil || pinned(e.Certificate) || e.Lineage == nil {
			continue
		}
		id := identityOf(e.Certificate, e.Lineage)
		var denied []*signer.Certificate
		var missing uint32
		ok := false
		for _, n := range id.past[:len(id.past)-1] {
			if !pinned(n.Certificate) {
				continue
			}
			m := takesOver(id, identity{cert: n.Certificate}, sharedUID)
			if m == 0 {
				ok = true
				break
			}
			denied, missing = append(denied, n.Certificate), m
		}
		switch {
		case ok:
			rotated = e
		case len(denied) > 0:
			names := make([]string, len(denied))
			for j, c := range denied {
				names[j] = describeCert(c)
			}
			add(PolicyCapabilityMissing, "%s (%s) is signed by %s, which descends from the pinned key %s, but its lineage denies that key the %s capability: Android would not let it update the app installed under the pinned key",
				apiRange(e.MinSDK, e.MaxSDK), e.Scheme, describeCert(e.Certificate), strings.Join(names, " and "), capabilityName(missing))
		}
	}
	if rotated == nil {
		return nil
	}
	return []Violation{{Code: PolicyRotationWithoutHistory,
		Message: fmt.Sprintf("trusted through key rotation: %s (%s) is signed by %s, which is not pinned but descends from a pinned key through its lineage %s. Without the app's signing history (Policy.History, --lineage) a fork made with a retired pinned key looks the same; give the history to refuse forks",
			apiRange(rotated.MinSDK, rotated.MaxSDK), rotated.Scheme, describeCert(rotated.Certificate), describeIdentity(identityOf(rotated.Certificate, rotated.Lineage)))}}
}

// otherSignerAt returns a signer other than res[i]'s certificate whose
// levels overlap res[i]'s: a multi-signer file on those levels.
func otherSignerAt(signers []Signer, i int) *Signer {
	e := &signers[i]
	for j := range signers {
		o := &signers[j]
		if j != i && o.MinSDK <= e.MaxSDK && e.MinSDK <= o.MaxSDK && !certEqual(o.Certificate, e.Certificate) {
			return o
		}
	}
	return nil
}

// diverges follows SigningDetails.getDescendantOrSelf: two identities
// agree when one's current certificate is the other's or in its past, and,
// walking back from there, their past certificates are the same until one
// of them runs out. It reports whether they do not agree.
func diverges(a, b identity) bool {
	desc, anc := a, b
	if !a.hasCertificate(b.cert, 0) {
		if b.pastIndex(a.cert) < 0 {
			return true
		}
		desc, anc = b, a
	}
	dp, ap := desc.chain(), anc.chain()
	d, k := len(dp)-1, len(ap)-1
	for d >= 0 && !certEqual(dp[d], ap[k]) {
		d--
	}
	if d < 0 {
		return true
	}
	for {
		d, k = d-1, k-1
		if d < 0 || k < 0 || !certEqual(dp[d], ap[k]) {
			break
		}
	}
	return d >= 0 && k >= 0
}

// chain is the identity's certificates oldest first, ending with the
// current one.
func (id identity) chain() []*signer.Certificate {
	if len(id.past) == 0 {
		return []*signer.Certificate{id.cert}
	}
	out := make([]*signer.Certificate, len(id.past))
	for i, n := range id.past {
		out[i] = n.Certificate
	}
	return out
}

// branchPoint says where a signer's lineage leaves the history: at the
// newest key of its lineage that the history also holds.
func branchPoint(id identity, h *signer.Lineage) string {
	chain := id.chain()
	for i := len(chain) - 1; i >= 0; i-- {
		for j, n := range h.Nodes {
			if certEqual(n.Certificate, chain[i]) {
				if j+1 < len(h.Nodes) {
					return fmt.Sprintf("branches from the history at %s (node %d of %d; the history rotates it to %s)",
						describeCert(chain[i]), j+1, len(h.Nodes), describeCert(h.Nodes[j+1].Certificate))
				}
			}
		}
	}
	return "shares no key with the history"
}

func describeIdentity(id identity) string {
	chain := id.chain()
	s := make([]string, len(chain))
	for i, c := range chain {
		s[i] = shortCert(c)
	}
	return strings.Join(s, " → ")
}

func describeLineage(h *signer.Lineage) string {
	return describeIdentity(identity{past: h.Nodes})
}

// shortCert names a certificate by its CN when it has one, else by the
// first 16 hex digits of its SHA-256.
func shortCert(c *signer.Certificate) string {
	if c == nil {
		return "?"
	}
	for _, part := range strings.Split(c.Subject, ",") {
		if cn, ok := strings.CutPrefix(strings.TrimSpace(part), "CN="); ok {
			return cn
		}
	}
	return certHex(c)[:16]
}

func capabilityName(flag uint32) string {
	if flag == signer.CapabilitySharedUID {
		return "shared-uid (the manifest sets android:sharedUserId)"
	}
	return "installed-data"
}
