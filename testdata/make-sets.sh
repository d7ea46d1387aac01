#!/usr/bin/env bash
# make-sets.sh: builds the install-set fixtures in testdata/sets/ (issue 15):
# a base APK and split APKs (manifest split="config.xx", <application
# android:hasCode="false">), sets breaking each set rule, a set rotated
# A -> B, and the same sets packed as bundletool .apks and APKPure .xapk.
#
# Usage (from anywhere):  bash testdata/make-sets.sh
#
# Only testdata/sets/ is rewritten. It reuses testdata/keys/ (rsa-a, rsa-b)
# and testdata/lineage/rsa-a_to_rsa-b.lineage. All keys are RSA and the
# bundles are written with fixed timestamps, so the outputs are
# byte-for-byte reproducible.
#
# APKs (package com.apktrust.sets, versionCode 7, minSdk 21, targetSdk 30,
# signed v1+v2+v3 by rsa-a unless named otherwise):
#   base.apk                 the base
#   config.de.apk            config split (language)
#   config.xxhdpi.apk        config split (density)
#   feat.apk                 feature split (isFeatureSplit)
#   feat.config.de.apk       config split of feat (configForSplit="feat")
#   feat2.apk                feature split with <uses-split android:name="feat">
#   base-required.apk        a base with android:isSplitRequired="true"
#   base-v8.apk              the base at versionCode 8 (a second base)
#   config.fr-otherpkg.apk   split of package com.apktrust.other
#   config.it-v8.apk         split at versionCode 8
#   config.de-b.apk          config.de signed by rsa-b
#   config.es-v1only.apk     split with a JAR signature only: verifies alone
#                            (no uses-sdk: API 1+, target 1) but not under
#                            the base's targetSdk 30, which needs v2+
#   base-rot.apk, config.de-rot.apk, config.xxhdpi-rot.apk
#                            v1/v2 by rsa-a, v3 by rsa-b with lineage A -> B
# Bundles: ok.apks / ok.xapk (base + config.de + config.xxhdpi),
# signer-mismatch.apks / .xapk (base + config.de-b), rotated.apks / .xapk
# (the rotated set), rotated-mixed.apks (rotated base + un-rotated split).
# apksigner's answer for every APK is in verify/NAME.txt (apksigner verify
# -v --print-certs; it has no notion of a set, so each APK alone).
set -euo pipefail

TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD"
FRAMEWORK_RES="${FRAMEWORK_RES:-/usr/share/android-framework-res/framework-res.apk}"
for t in apksigner aapt zipalign python3; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "make-sets.sh: missing $t (apt-get install -y apksigner aapt zipalign python3)" >&2
    exit 1
  }
done
[[ -f $FRAMEWORK_RES ]] || { echo "make-sets.sh: missing $FRAMEWORK_RES (android-framework-res)" >&2; exit 1; }
export LC_ALL=C TZ=UTC

OUT=sets
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT/verify"

PKG=com.apktrust.sets
NS='xmlns:android="http://schemas.android.com/apk/res/android"'

# build NAME ROOT_ATTRS [BODY] -> $WORK/NAME.apk (unsigned, zipaligned).
build() {
  local name=$1 attrs=$2 body=${3:-}
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/AndroidManifest.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<manifest $NS $attrs>
$body
    <application android:hasCode="false" />
</manifest>
EOF
  aapt package -f -M "$WORK/$name/AndroidManifest.xml" -I "$FRAMEWORK_RES" -F "$WORK/$name/unaligned.apk" >/dev/null
  zipalign -f 4 "$WORK/$name/unaligned.apk" "$WORK/$name.apk"
}

key() { echo "--key keys/$1.pk8 --cert keys/$1.x509.pem"; }

# sign NAME UNSIGNED KEY [apksigner options...]
sign() {
  local name=$1 in=$2 k=$3
  shift 3
  # shellcheck disable=SC2046
  apksigner sign $(key "$k") "$@" --out "$OUT/$name.apk" "$WORK/$in.apk"
  rm -f "$OUT/$name.apk.idsig"
}

USES_SDK='<uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30" />'
split_attrs() { echo "package=\"${3:-$PKG}\" split=\"$1\" android:versionCode=\"${2:-7}\" ${4:-}"; }

echo "== building unsigned APKs with aapt"
build base "package=\"$PKG\" android:versionCode=\"7\" android:versionName=\"7.0\"" "$USES_SDK"
build base-required "package=\"$PKG\" android:versionCode=\"7\" android:isSplitRequired=\"true\"" "$USES_SDK"
build base-v8 "package=\"$PKG\" android:versionCode=\"8\"" "$USES_SDK"
build config.de "$(split_attrs config.de)"
build config.xxhdpi "$(split_attrs config.xxhdpi)"
build config.es "$(split_attrs config.es)"
build config.fr-otherpkg "$(split_attrs config.fr 7 com.apktrust.other)"
build config.it-v8 "$(split_attrs config.it 8)"
build feat "$(split_attrs feat 7 "$PKG" 'android:isFeatureSplit="true"')"
build feat.config.de "$(split_attrs feat.config.de 7 "$PKG" 'configForSplit="feat"')"
build feat2 "$(split_attrs feat2 7 "$PKG" 'android:isFeatureSplit="true"')" '<uses-split android:name="feat" />'

echo "== signing"
for n in base base-required base-v8 config.de config.xxhdpi config.fr-otherpkg config.it-v8 feat feat.config.de feat2; do
  sign "$n" "$n" rsa-a
done
sign config.de-b config.de rsa-b
sign config.es-v1only config.es rsa-a --v2-signing-enabled false --v3-signing-enabled false
for n in base config.de config.xxhdpi; do
  # shellcheck disable=SC2046
  sign "$n-rot" "$n" rsa-a --next-signer $(key rsa-b) --lineage lineage/rsa-a_to_rsa-b.lineage
done

echo "== packing bundles"
# pack OUT.EXT LAYOUT FILE...: a bundletool .apks (splits/ and toc.pb) or an
# APKPure .xapk (manifest.json, the base named after the package, an OBB).
pack() {
  python3 - "$@" <<'EOF'
import json, sys, zipfile
out, layout, files = sys.argv[1], sys.argv[2], sys.argv[3:]
def add(z, name, data, method=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = method
    z.writestr(info, data)
with zipfile.ZipFile(out, "w") as z:
    names = []
    for i, f in enumerate(files):
        data = open(f, "rb").read()
        base = f.rsplit("/", 1)[-1]
        split = base[:-4].replace("-rot", "").replace("-b", "")
        if layout == "apks":
            name = "splits/base-master.apk" if split == "base" else "splits/base-" + split.split(".", 1)[1] + ".apk"
            # bundletool stores splits uncompressed; keep one deflated to
            # cover both ways of reading a part.
            add(z, name, data, zipfile.ZIP_STORED if i else zipfile.ZIP_DEFLATED)
        else:
            name = "com.apktrust.sets.apk" if split == "base" else split + ".apk"
            add(z, name, data, zipfile.ZIP_DEFLATED if i else zipfile.ZIP_STORED)
        names.append(name)
    if layout == "apks":
        add(z, "toc.pb", b"")
    else:
        add(z, "manifest.json", json.dumps({"package_name": "com.apktrust.sets", "version_code": "7",
            "split_apks": [{"file": n, "id": n[:-4]} for n in names]}, sort_keys=True))
        add(z, "Android/obb/com.apktrust.sets/main.7.com.apktrust.sets.obb", b"obb data\n")
        add(z, "icon.png", b"not really a png\n")
EOF
}
for ext in apks xapk; do
  pack "$OUT/ok.$ext" "$ext" "$OUT/base.apk" "$OUT/config.de.apk" "$OUT/config.xxhdpi.apk"
  pack "$OUT/signer-mismatch.$ext" "$ext" "$OUT/base.apk" "$OUT/config.de-b.apk"
  pack "$OUT/rotated.$ext" "$ext" "$OUT/base-rot.apk" "$OUT/config.de-rot.apk" "$OUT/config.xxhdpi-rot.apk"
done
pack "$OUT/rotated-mixed.apks" apks "$OUT/base-rot.apk" "$OUT/config.de.apk"

echo "== recording apksigner's answers"
for f in "$OUT"/*.apk; do
  n=$(basename "$f" .apk)
  {
    echo "\$ apksigner verify -v --print-certs $n.apk"
    set +e
    apksigner verify -v --print-certs "$f" 2>&1
    rc=$?
    set -e
    echo "exit code: $rc"
  } >"$OUT/verify/$n.txt"
done
echo "done: $(ls "$OUT" | wc -l) entries in $OUT"
