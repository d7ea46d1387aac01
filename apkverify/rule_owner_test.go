package apkverify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
)

// outcome is what a user notices of a verification: the verdict, which
// schemes counted, and the issue codes in order.
func outcome(res *apkverify.Result) string {
	s := res.Schemes
	return fmt.Sprintf("verified=%v v1=%v v2=%v v3=%v v31=%v errors=[%s] warnings=[%s]",
		res.Verified, s.V1, s.V2, s.V3, s.V31,
		issueList(res.Errors), issueList(res.Warnings))
}

// issueList names each issue by code and the scheme it is reported for.
func issueList(issues []apkverify.Issue) string {
	out := make([]string, len(issues))
	for i, is := range issues {
		out[i] = string(is.Code) + "@" + string(is.Scheme)
	}
	return strings.Join(out, " ")
}

// TestSchemeRulesThroughVerify pins, through apkverify.Verify, the outcome
// of every Android rule that relates one scheme's signers to another
// scheme or to the SDK range: stripping protection (v1 and v2), the v3.1
// rotation attributes and the v3 signers' SDK ranges. Each rule has one
// owner (see README, "Who checks what"); these attack files show that its
// outcome does not depend on where it lives.
func TestSchemeRulesThroughVerify(t *testing.T) {
	ka, kb := loadKey(t, "rsa-a"), loadKey(t, "rsa-b")
	base := splitAPK(t, readFile(t, fixture(t, "min28-v123.apk")))
	rec, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	d := rec.digests
	v2rec, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV2))[0], false)
	require.NoError(t, err)
	d2 := v2rec.digests
	lineageAB := lineageAttr(t, "min21-v123-rot-ab.apk")
	v2With := func(attrs ...sbPair) sbPair {
		return sbPair{scheme.BlockIDV2, makeBlock(ka.signRecord(t, false, d2, 0, 0, attrs...))}
	}
	stripV3 := sbPair{0xbeeff00d, u32(3)}
	// min21-v123.apk's JAR signature says "X-Android-APK-Signed: 2, 3".
	jar := splitAPK(t, readFile(t, fixture(t, "min21-v123.apk")))
	jarRec, err := parseRecord(blockRecords(t, jar.find(scheme.BlockIDV2))[0], false)
	require.NoError(t, err)
	jarV2 := sbPair{scheme.BlockIDV2, makeBlock(ka.signRecord(t, false, jarRec.digests, 0, 0))}

	cases := []struct {
		name string
		file func() []byte
		opts apkverify.Options
		want string
	}{
		{
			name: "v1: X-Android-APK-Signed names a stripped v2 (fixture)",
			file: func() []byte { return readFile(t, fixture(t, "tamper-v2-stripped.apk")) },
			want: "verified=false v1=false v2=false v3=false v31=false errors=[JAR_SIG_MISSING_APK_SIG_REFERENCED@v1] warnings=[]",
		},
		{
			name: "v1: X-Android-APK-Signed names a stripped v3 (generated)",
			file: func() []byte { return jar.build([]sbPair{jarV2}) },
			want: "verified=false v1=false v2=true v3=false v31=false errors=[JAR_SIG_MISSING_APK_SIG_REFERENCED@v1] warnings=[]",
		},
		{
			name: "v1: X-Android-APK-Signed names v2 and v3, which are there",
			file: func() []byte {
				return jar.build([]sbPair{jarV2, {scheme.BlockIDV3, jar.find(scheme.BlockIDV3)}})
			},
			want: "verified=true v1=true v2=true v3=true v31=false errors=[] warnings=[]",
		},
		{
			name: "v1: X-Android-APK-Signed names v3, range below Android 9",
			file: func() []byte { return jar.build([]sbPair{jarV2}) },
			opts: apkverify.Options{MaxSDK: 27},
			want: "verified=true v1=true v2=true v3=false v31=false errors=[] warnings=[JAR_SIG_UNKNOWN_APK_SIG_SCHEME_ID@v1]",
		},
		{
			// API 9-17 do not support the signature algorithm, so the
			// signer fails before its .SF is read. apkverify's former
			// copy of the rule read the unread header as missing and
			// added JAR_SIG_NO_APK_SIG_STRIP_PROTECTION, although the .SF
			// says "X-Android-APK-Signed: 2, 3".
			name: "v1: signer refused before its .SF is read",
			file: func() []byte { return readFile(t, fixture(t, "min21-v123.apk")) },
			opts: apkverify.Options{MinSDK: 1, MaxSDK: 27},
			want: "verified=false v1=false v2=true v3=false v31=false errors=[JAR_SIG_UNSUPPORTED_SIG_ALG@v1] warnings=[V2_SIG_UNKNOWN_APK_SIG_SCHEME_ID@v2]",
		},
		{
			name: "v2: stripping attribute names a missing v3 (fixture)",
			file: func() []byte { return readFile(t, fixture(t, "tamper-v3-stripped.apk")) },
			opts: apkverify.Options{MinSDK: 24},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V2_SIG_MISSING_APK_SIG_REFERENCED@v2] warnings=[]",
		},
		{
			name: "v2: stripping attribute names a missing v3 (generated)",
			file: func() []byte { return base.build([]sbPair{v2With(stripV3)}) },
			opts: apkverify.Options{MinSDK: 24},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V2_SIG_MISSING_APK_SIG_REFERENCED@v2] warnings=[]",
		},
		{
			name: "v2: stripping attribute names v3, which is there",
			file: func() []byte {
				return base.build([]sbPair{v2With(stripV3), {scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK))}})
			},
			opts: apkverify.Options{MinSDK: 24},
			want: "verified=true v1=false v2=true v3=true v31=false errors=[] warnings=[]",
		},
		{
			name: "v2: stripping attribute names v3, range below Android 9",
			file: func() []byte { return base.build([]sbPair{v2With(stripV3)}) },
			opts: apkverify.Options{MinSDK: 24, MaxSDK: 27},
			want: "verified=true v1=false v2=true v3=false v31=false errors=[] warnings=[V2_SIG_UNKNOWN_APK_SIG_SCHEME_ID@v2]",
		},
		{
			name: "v2: stripping attribute names an unknown scheme",
			file: func() []byte { return base.build([]sbPair{v2With(sbPair{0xbeeff00d, u32(7)})}) },
			opts: apkverify.Options{MinSDK: 24},
			want: "verified=true v1=false v2=true v3=false v31=false errors=[] warnings=[V2_SIG_UNKNOWN_APK_SIG_SCHEME_ID@v2]",
		},
		{
			name: "v3.1 block stripped, v3 rotation attribute left",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK, sbPair{attrRotationMin, u32(33)}))}})
			},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V31_BLOCK_MISSING@v3] warnings=[]",
		},
		{
			name: "v3.1 block stripped, range below Android 13",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK, sbPair{attrRotationMin, u32(33)}))}})
			},
			opts: apkverify.Options{MaxSDK: 32},
			want: "verified=true v1=false v2=false v3=true v31=false errors=[] warnings=[]",
		},
		{
			name: "v3 rotation attribute names another level than the v3.1 block",
			file: func() []byte {
				return base.build([]sbPair{
					{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 33, sbPair{attrRotationMin, u32(33)}))},
					{scheme.BlockIDV31, makeBlock(kb.signRecord(t, true, d, 34, maxSDK, sbPair{attrLineage, lineageAB}))},
				})
			},
			want: "verified=false v1=false v2=false v3=false v31=true errors=[V31_ROTATION_MIN_SDK_MISMATCH@v3] warnings=[]",
		},
		{
			name: "v3 signer without the rotation attribute protecting the v3.1 block",
			file: func() []byte {
				return base.build([]sbPair{
					{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 32))},
					{scheme.BlockIDV31, makeBlock(kb.signRecord(t, true, d, 33, maxSDK, sbPair{attrLineage, lineageAB}))},
				})
			},
			want: "verified=true v1=false v2=false v3=true v31=true errors=[] warnings=[V31_ROTATION_MIN_SDK_ATTR_MISSING@v3]",
		},
		{
			name: "v3.1 block without a v3 block",
			file: func() []byte {
				return base.build([]sbPair{
					{scheme.BlockIDV2, base.find(scheme.BlockIDV2)},
					{scheme.BlockIDV31, makeBlock(ka.signRecord(t, true, d, 33, maxSDK))},
				})
			},
			opts: apkverify.Options{MinSDK: 24},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V31_BLOCK_FOUND_WITHOUT_V3_BLOCK@v31] warnings=[]",
		},
		{
			name: "development-release attribute on a v3 signer",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK, sbPair{attrDevRelease, u32(1)}))}})
			},
			want: "verified=true v1=false v2=false v3=true v31=false errors=[] warnings=[V31_ROTATION_TARGETS_DEV_RELEASE_ATTR_ON_V3_SIGNER@v3]",
		},
		{
			name: "v3 signer SDK ranges leave a gap",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 29), ka.signRecord(t, true, d, 31, maxSDK))}})
			},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V3_INCONSISTENT_SDK_VERSIONS@v3 V3_MISSING_SDK_VERSIONS@v3] warnings=[]",
		},
		{
			name: "v3 signer SDK ranges overlap",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 30), ka.signRecord(t, true, d, 29, maxSDK))}})
			},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V3_INCONSISTENT_SDK_VERSIONS@v3 V3_MISSING_SDK_VERSIONS@v3] warnings=[]",
		},
		{
			// apksig keys v3 signers by max SDK and keeps the last, so
			// the block verifies; Android finds two signers for every
			// level and refuses it: the per-level rule says so, as for
			// the v3.1 block (levels_test.go). (apkverify's former copy
			// of the SDK-range rule reported V3_INCONSISTENT_SDK_VERSIONS
			// here, its only outcome of its own.)
			name: "v3 signers with the same SDK range",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK), ka.signRecord(t, true, d, 24, maxSDK))}})
			},
			want: "verified=false v1=false v2=false v3=true v31=false errors=[API_LEVEL_MULTIPLE_SIGNERS@v3] warnings=[]",
		},
		{
			name: "v3 signers do not reach the range's start",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 30, maxSDK))}})
			},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V3_MISSING_SDK_VERSIONS@v3] warnings=[]",
		},
		{
			name: "v3 signers stop before the v3.1 block takes over",
			file: func() []byte {
				return base.build([]sbPair{
					{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 31, sbPair{attrRotationMin, u32(33)}))},
					{scheme.BlockIDV31, makeBlock(kb.signRecord(t, true, d, 33, maxSDK, sbPair{attrLineage, lineageAB}))},
				})
			},
			want: "verified=false v1=false v2=false v3=false v31=true errors=[V3_MISSING_SDK_VERSIONS@v3] warnings=[]",
		},
		{
			name: "v3 signer SDK range reversed",
			file: func() []byte {
				return base.build([]sbPair{{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 30, 24))}})
			},
			want: "verified=false v1=false v2=false v3=false v31=false errors=[V3_SIG_INVALID_SDK_VERSIONS@v3] warnings=[]",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := outcome(verifyBytes(t, c.file(), c.opts))
			t.Logf("%q", got)
			assert.Equal(t, c.want, got)
		})
	}
}
