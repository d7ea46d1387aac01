#!/usr/bin/env bash
# make-knownkeys.sh: builds the known-key fixtures in testdata/knownkeys/
# (issue 20) and only those; make-fixtures.sh is not involved.
#
# Usage (from anywhere):
#   bash testdata/make-knownkeys.sh           # keep the debug key, rebuild the APKs
#   bash testdata/make-knownkeys.sh --force   # also regenerate the debug key
#
# Makes a debug key as the Android SDK does (subject CN=Android Debug,
# O=Android, C=US), then signs with it:
#   debug-min21-v123.apk             unsigned-min21 signed v1+v2+v3
#   debug-shareduid-system-v123.apk  an app with android:sharedUserId="android.uid.system"
#   debug-rotated-to-rsa-a.apk       v1/v2 by the debug key, v3 by rsa-a with lineage debug -> rsa-a
# and with AOSP's published test keys (testdata/knownkeys/aosp/, copied by
# hand, see aosp/SOURCE.md; this script does not change them):
#   aosp-testkey-min21-v123.apk              unsigned-min21 signed with testkey
#   aosp-platform-shareduid-system-v123.apk  the shared-UID app signed with platform
# and records apksigner's verdict beside each (NAME.apksigner.txt).
#
# Needs (Debian): apksigner aapt zipalign android-framework-res openssl.
set -euo pipefail

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "make-knownkeys.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD"
FRAMEWORK_RES="${FRAMEWORK_RES:-/usr/share/android-framework-res/framework-res.apk}"
for t in apksigner aapt zipalign openssl; do
  command -v "$t" >/dev/null 2>&1 || { echo "make-knownkeys.sh: missing $t" >&2; exit 1; }
done
[[ -f $FRAMEWORK_RES ]] || { echo "make-knownkeys.sh: missing $FRAMEWORK_RES" >&2; exit 1; }

export LC_ALL=C TZ=UTC
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT=knownkeys
mkdir -p "$OUT"

# --- the debug key -----------------------------------------------------------
# The SDK's debug keystore: RSA 2048, subject C=US, O=Android, CN=Android Debug.
if ((FORCE)) || [[ ! -f $OUT/android-debug.pk8 || ! -f $OUT/android-debug.x509.pem ]]; then
  echo "== generating the debug key"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/debug.pem" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$WORK/debug.pem" -outform DER -out "$OUT/android-debug.pk8"
  openssl req -x509 -new -key "$WORK/debug.pem" -subj "/C=US/O=Android/CN=Android Debug" \
    -days 10950 -sha256 -out "$OUT/android-debug.x509.pem"
fi
key() { echo "--key $1.pk8 --cert $1.x509.pem"; }
DEBUG="$OUT/android-debug"
RSA_A="keys/rsa-a"

# record NAME: apksigner's verdict on $OUT/NAME.apk
# shellcheck source=tools/record-apksigner.sh
source "$TD/tools/record-apksigner.sh"
record() { record_apksigner "$OUT/$1.apksigner.txt" verify -v --print-certs "$OUT/$1.apk"; }

sign_v123() { # IN OUT [apksigner sign args...]
  local in=$1 out=$2
  shift 2
  apksigner sign --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true \
    --v4-signing-enabled false "$@" --out "$out" "$in"
}

# --- APKs ----------------------------------------------------------------------
echo "== debug-min21-v123"
sign_v123 apk/unsigned-min21.apk "$OUT/debug-min21-v123.apk" $(key "$DEBUG")
record debug-min21-v123

echo "== debug-shareduid-system-v123"
mkdir -p "$WORK/app"
cat >"$WORK/app/AndroidManifest.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="dev.apktrust.fixture.system"
    android:sharedUserId="android.uid.system"
    android:versionCode="1"
    android:versionName="1.0">
    <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="29" />
    <application android:label="apktrust shared-uid fixture" />
</manifest>
EOF
aapt package -f -M "$WORK/app/AndroidManifest.xml" -I "$FRAMEWORK_RES" -F "$WORK/app/unaligned.apk" >/dev/null
zipalign -f 4 "$WORK/app/unaligned.apk" "$WORK/app/unsigned.apk"
sign_v123 "$WORK/app/unsigned.apk" "$OUT/debug-shareduid-system-v123.apk" $(key "$DEBUG")
record debug-shareduid-system-v123

echo "== aosp-testkey-min21-v123, aosp-platform-shareduid-system-v123"
AOSP="$OUT/aosp"
sign_v123 apk/unsigned-min21.apk "$OUT/aosp-testkey-min21-v123.apk" $(key "$AOSP/testkey")
record aosp-testkey-min21-v123
sign_v123 "$WORK/app/unsigned.apk" "$OUT/aosp-platform-shareduid-system-v123.apk" $(key "$AOSP/platform")
record aosp-platform-shareduid-system-v123

echo "== debug-rotated-to-rsa-a"
apksigner rotate --out "$WORK/debug_to_rsa-a.lineage" --old-signer $(key "$DEBUG") --new-signer $(key "$RSA_A")
sign_v123 apk/unsigned-min21.apk "$OUT/debug-rotated-to-rsa-a.apk" $(key "$DEBUG") \
  --next-signer $(key "$RSA_A") --lineage "$WORK/debug_to_rsa-a.lineage"
record debug-rotated-to-rsa-a

echo "done: $(ls "$OUT" | wc -l) files in testdata/$OUT"
