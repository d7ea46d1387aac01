package manifest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// readAPK opens path and reads its manifest; zipErr is set when the
// container itself is refused.
func readAPK(t testing.TB, path string) (m *Manifest, zipErr, err error) {
	t.Helper()
	a, zerr := testutil.TryOpenAPK(t, path)
	if zerr != nil {
		return nil, zerr, nil
	}
	m, err = fromArchive(a)
	return m, nil, err
}

// aaptDump runs aapt on an APK, or returns ok=false when aapt is not
// installed or cannot dump the file.
func aaptDump(t testing.TB, apk string) (badging, xmltree string, ok bool) {
	t.Helper()
	if _, err := exec.LookPath("aapt"); err != nil {
		return "", "", false
	}
	xt, err := exec.Command("aapt", "dump", "xmltree", apk, "AndroidManifest.xml").Output()
	if err != nil {
		return "", "", false
	}
	bd, err := exec.Command("aapt", "dump", "badging", apk).Output()
	if err != nil {
		bd = nil // some corpus APKs have labels aapt cannot resolve
	}
	return string(bd), string(xt), true
}

// Every APK of the apksig corpus either parses or fails the way apksig
// does. apksig's ApkVerifier.verify reads AndroidManifest.xml for every
// case (minSdkVersion, targetSdkVersion, targetSandboxVersion), so an APK
// whose case does not end in an exception must parse, and the cases that
// throw must fail here for the same reason. Where aapt is installed, every
// parsed manifest is also compared field by field with aapt's dump.
func TestConformanceCorpus(t *testing.T) {
	dir, cases := conformance.Cases(t)

	// Android's answer per APK, from the ApkVerifier.verify cases.
	type answer struct{ errMsg string }
	answers := map[string]*answer{}
	for _, c := range cases {
		if c.API != "ApkVerifier.verify" {
			continue
		}
		a := answers[c.APK]
		if a == nil {
			a = &answer{}
			answers[c.APK] = a
		}
		if c.Expect == "error" && c.Apksigner13 != nil && c.Apksigner13.FirstError != nil {
			a.errMsg = *c.Apksigner13.FirstError
		}
	}

	apks, err := filepath.Glob(filepath.Join(dir, "*.apk"))
	require.NoError(t, err)
	require.NotEmpty(t, apks)
	withAapt := !testing.Short()
	counts := map[string]int{}
	var compared int
	for _, apk := range apks {
		name := filepath.Base(apk)
		t.Run(name, func(t *testing.T) {
			m, zipErr, err := readAPK(t, apk)
			ans := answers[name]
			switch {
			case zipErr != nil:
				counts["container refused"]++
				if ans != nil {
					assert.Contains(t, ans.errMsg, "not a ZIP archive", "apkzip refused a container apksig accepted: %v", zipErr)
				}
			case err != nil:
				var fe *signer.Error
				require.True(t, errors.As(err, &fe), "%T %v", err, err)
				counts[string(fe.Code)]++
				if ans != nil {
					require.NotEmpty(t, ans.errMsg, "apksig reads this manifest, we refused it: %v", err)
					if strings.Contains(ans.errMsg, "Missing AndroidManifest.xml") {
						assert.ErrorIs(t, err, CodeMissing)
					}
				}
			default:
				counts["parsed"]++
				if ans != nil {
					assert.Empty(t, ans.errMsg, "apksig failed on this APK but the manifest parsed")
				}
				if withAapt {
					if bd, xt, ok := aaptDump(t, apk); ok {
						compared++
						compareWithAapt(t, m, bd, xt)
					}
				}
			}
		})
	}
	var keys []string
	total := 0
	for k, n := range counts {
		total += n
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Itoa(counts[k]))
	}
	t.Logf("%d corpus APKs: %s; %d compared with aapt", len(apks), strings.Join(parts, " "), compared)
	assert.Equal(t, total, counts["parsed"]+counts["container refused"]+counts[string(CodeMissing)],
		"every corpus APK parses, lacks a manifest, or has a container apksig also refuses")
}

// The corpus APK without <uses-sdk> parses with Android's defaults.
func TestConformanceNoUsesSDK(t *testing.T) {
	dir := conformance.Dir(t)
	m, zipErr, err := readAPK(t, filepath.Join(dir, "v1-only-no-uses-sdk.apk"))
	require.NoError(t, zipErr)
	require.NoError(t, err)
	assert.False(t, m.UsesSDK)
	assert.Equal(t, 1, m.MinSDK())
	assert.Equal(t, 1, m.TargetSDK())
	assert.Equal(t, "com.android.test.cert.shared1", m.Package)
	assert.Equal(t, "test.shared.uid1", m.SharedUserID)
}

// Real apps: identity, label and Play markers match the index (values
// recorded with aapt).
func TestRealWorldApps(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	for _, app := range apps {
		t.Run(app["file"], func(t *testing.T) {
			m, zipErr, err := readAPK(t, filepath.Join(dir, app["file"]))
			require.NoError(t, zipErr)
			if strings.HasSuffix(app["file"], ".aab") {
				// An App Bundle keeps its manifest under base/manifest/ in
				// protobuf form; apksigner says "Missing AndroidManifest.xml".
				assert.ErrorIs(t, err, CodeMissing)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, app["package"], m.Package)
			assert.Equal(t, app["versionCode"], strconv.FormatUint(uint64(uint32(m.VersionCode)), 10))
			assert.Equal(t, app["versionName"], m.VersionName)
			label := app["label"]
			if i := strings.Index(label, " [split="); i >= 0 {
				assert.Equal(t, strings.TrimSuffix(label[i+len(" [split="):], "]"), m.Split)
				label = label[:i]
			}
			assert.Equal(t, label, m.Label)
			meta := func(key string) string {
				d, ok := m.Meta(key)
				if !ok {
					return "-"
				}
				if d.Kind == MetaInt {
					return "(type 0x10)0x" + strconv.FormatInt(d.Int, 16)
				}
				return d.String
			}
			assert.Equal(t, app["meta_stamp_source"], meta(MetaStampSource))
			assert.Equal(t, app["meta_stamp_type"], meta(MetaStampType))
			assert.Equal(t, app["meta_derived_apk_id"], meta(MetaDerivedAPKID))
			if !testing.Short() {
				if bd, xt, ok := aaptDump(t, filepath.Join(dir, app["file"])); ok {
					compareWithAapt(t, m, bd, xt)
				}
			}
		})
	}
}
