#!/usr/bin/env bash
# make-fixtures.sh: builds apktrust's own APK signature test fixtures.
#
# Usage (from anywhere):
#   bash testdata/make-fixtures.sh            # keep existing keys, rebuild everything else
#   bash testdata/make-fixtures.sh --force    # also regenerate all keys
#
# Needs (Debian): apksigner aapt zipalign android-framework-res, plus openssl
# and a Go toolchain. Everything under testdata/ except keys/ is rebuilt from
# scratch on every run. With the same keys, RSA-signed outputs are
# byte-for-byte reproducible; EC/DSA signatures are randomised by nature.
set -euo pipefail

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "make-fixtures.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD"
FRAMEWORK_RES="${FRAMEWORK_RES:-/usr/share/android-framework-res/framework-res.apk}"

# --- tool check ------------------------------------------------------------
missing=()
for t in apksigner aapt zipalign openssl go java; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[[ -f "$FRAMEWORK_RES" ]] || missing+=("$FRAMEWORK_RES (package android-framework-res)")
if ((${#missing[@]})); then
  {
    echo "make-fixtures.sh: missing required tools:"
    printf '  %s\n' "${missing[@]}"
    echo "On Debian/Ubuntu: apt-get install -y apksigner aapt zipalign android-framework-res openssl golang default-jre-headless"
  } >&2
  exit 1
fi

export LC_ALL=C TZ=UTC
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== building helper tools"
# Built from outside the module so that go.mod is not involved (stdlib only).
(cd "$WORK" && go build -o "$WORK/tamper" "$TD/tools/tamper.go" && go build -o "$WORK/index" "$TD/tools/index.go")
TAMPER="$WORK/tamper"

# --- keys ------------------------------------------------------------------
# name|subject|openssl genpkey args
KEYS=(
  "rsa-a|apktrust test A|-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
  "rsa-b|apktrust test B|-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
  "rsa-c|apktrust test C|-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
  "rsa4096|apktrust test RSA 4096|-algorithm RSA -pkeyopt rsa_keygen_bits:4096"
  "ec-p256|apktrust test EC P-256|-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
  "dsa2048|apktrust test DSA 2048|DSA"
)
mkdir -p keys
for k in "${KEYS[@]}"; do
  IFS='|' read -r name subject genargs <<<"$k"
  if ((!FORCE)) && [[ -f keys/$name.pk8 && -f keys/$name.x509.pem ]]; then
    continue
  fi
  echo "== generating key $name"
  if [[ $genargs == DSA ]]; then
    openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
      -pkeyopt dsa_paramgen_q_bits:256 -out "$WORK/dsaparam.pem" 2>/dev/null
    openssl genpkey -paramfile "$WORK/dsaparam.pem" -out "$WORK/$name.pem"
  else
    # shellcheck disable=SC2086
    openssl genpkey $genargs -out "$WORK/$name.pem" 2>/dev/null
  fi
  openssl pkcs8 -topk8 -nocrypt -in "$WORK/$name.pem" -outform DER -out "keys/$name.pk8"
  # 100-year validity, fixed subject, SHA-256 signature.
  openssl req -x509 -new -key "$WORK/$name.pem" -subj "/CN=$subject/O=apktrust test keys" \
    -days 36500 -sha256 -out "keys/$name.x509.pem"
done

# --- output directories (rebuilt every run) --------------------------------
rm -rf apk lineage apksigner aapt layout fixtures.json
mkdir -p apk lineage apksigner aapt layout
SPEC="$WORK/spec.tsv"
: >"$SPEC"

# --- app sources -------------------------------------------------------------
SRC="$WORK/src"
mkdir -p "$SRC/res/values" "$SRC/assets" "$SRC/dex"
cat >"$SRC/res/values/strings.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<resources>
    <string name="app_name">apktrust fixture</string>
    <string name="perm_label">apktrust ping permission</string>
</resources>
EOF
for i in $(seq 1 12); do
  echo "line $i: hello from the apktrust fixture assets; this text is deflated in the APK."
done >"$SRC/assets/hello.txt"
# raw.bin is kept stored (aapt -0 bin): 1 KiB of fixed text.
for i in $(seq 1 128); do printf 'raw%05d' "$i"; done >"$SRC/assets/raw.bin"
# A fake classes.dex: a DEX magic followed by repetitive filler (deflates well).
{ printf 'dex\n035\0'; seq 1 400; } >"$SRC/dex/classes.dex"

# write_manifest OUT USES_SDK MANIFEST_ATTRS APPLICATION_ATTRS
write_manifest() {
  cat >"$1" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="dev.apktrust.fixture"
    android:versionCode="7"
    android:versionName="1.2.3"$3>
$2
    <uses-permission android:name="android.permission.INTERNET" />
    <uses-permission android:name="android.permission.WRITE_EXTERNAL_STORAGE" android:maxSdkVersion="18" />
    <permission android:name="dev.apktrust.fixture.permission.PING"
        android:protectionLevel="signature"
        android:label="@string/perm_label" />
    <application android:label="@string/app_name"$4>
        <meta-data android:name="dev.apktrust.string" android:value="hello" />
        <meta-data android:name="dev.apktrust.int" android:value="42" />
        <meta-data android:name="dev.apktrust.bool" android:value="true" />
    </application>
</manifest>
EOF
}

usessdk() { echo "    <uses-sdk android:minSdkVersion=\"$1\" android:targetSdkVersion=\"$2\" />"; }

# build_app NAME USES_SDK MANIFEST_ATTRS APP_ATTRS -> $WORK/u/NAME.apk (unsigned, zipaligned)
mkdir -p "$WORK/u"
build_app() {
  local name=$1 dir="$WORK/build/$1"
  mkdir -p "$dir"
  write_manifest "$dir/AndroidManifest.xml" "$2" "$3" "$4"
  aapt package -f -M "$dir/AndroidManifest.xml" -S "$SRC/res" -A "$SRC/assets" \
    -I "$FRAMEWORK_RES" -0 bin -F "$dir/unaligned.apk" >/dev/null
  (cd "$SRC/dex" && aapt add "$dir/unaligned.apk" classes.dex >/dev/null)
  zipalign -f 4 "$dir/unaligned.apk" "$WORK/u/$name.apk"
}

echo "== building unsigned apps with aapt"
# targetSdk 29 (the framework-res API level) unless the variant needs more:
# apksigner requires v2+ for targetSdk >= 30, see target33 below.
build_app min14 "$(usessdk 14 29)" "" ""
build_app min21 "$(usessdk 21 29)" "" ""
build_app min24 "$(usessdk 24 29)" "" ""
build_app min28 "$(usessdk 28 29)" "" ""
build_app min33 "$(usessdk 33 33)" "" ""
build_app target33 "$(usessdk 21 33)" "" ""
build_app debuggable "$(usessdk 21 29)" "" ' android:debuggable="true"'
build_app testonly "$(usessdk 21 29)" "" ' android:testOnly="true"'
build_app sandbox2 "$(usessdk 21 29)" ' android:targetSandboxVersion="2"' ""
build_app codename "$(usessdk Tiramisu Tiramisu)" "" ""
build_app nousessdk "" "" ""

# --- signing helpers -------------------------------------------------------
key() { echo "--key keys/$1.pk8 --cert keys/$1.x509.pem"; }

# sign IN OUT "SCHEMES" [apksigner sign args...]   SCHEMES like "v1 v2 v3"
sign() {
  local in=$1 out=$2 schemes=$3 s v
  shift 3
  local args=()
  for s in 1 2 3 4; do
    v=false
    [[ " $schemes " == *" v$s "* ]] && v=true
    args+=("--v$s-signing-enabled" "$v")
  done
  apksigner sign "${args[@]}" "$@" --out "$out" "$in"
}

# --- recording verdicts ----------------------------------------------------
# shellcheck source=tools/record-apksigner.sh
source "$TD/tools/record-apksigner.sh"
run_apksigner() { record_apksigner "$@"; }

# add KIND FILE PAIRED DESC TAMPER KEYS MINSDK RUNS BADGING XMLTREE
add_spec() {
  local IFS=$'\t'
  echo "$*" >>"$SPEC"
}

# add_apk NAME DESC TAMPER KEYS MINSDK
# Records apksigner verify (default and SDK-range variants that can change the
# verdict) and aapt dumps, then adds the fixture to the index spec.
add_apk() {
  local name=$1 desc=$2 tamper=${3:--} keys=${4:--} minsdk=$5 f="apk/$1.apk" runs=""
  [[ -f $f ]] || { echo "missing $f" >&2; exit 1; }
  run_apksigner "apksigner/$name.txt" verify -v --print-certs "$f"
  runs="apksigner/$name.txt"
  local num=$minsdk
  [[ $num =~ ^[0-9]+$ ]] || num=1000
  if ((num < 24)); then
    run_apksigner "apksigner/$name.max23.txt" verify -v --print-certs --max-sdk-version 23 "$f"
    run_apksigner "apksigner/$name.min24.txt" verify -v --print-certs --min-sdk-version 24 "$f"
    runs+=" apksigner/$name.max23.txt apksigner/$name.min24.txt"
  fi
  if ((num < 28)); then
    run_apksigner "apksigner/$name.min28.txt" verify -v --print-certs --min-sdk-version 28 "$f"
    runs+=" apksigner/$name.min28.txt"
  fi
  { aapt dump badging "$f" 2>&1 || echo "aapt exit code: $?"; } >"aapt/$name.badging.txt"
  { aapt dump xmltree "$f" AndroidManifest.xml 2>&1 || echo "aapt exit code: $?"; } >"aapt/$name.xmltree.txt"
  add_spec apk "$f" - "$desc" "$tamper" "$keys" "$minsdk" "$runs" "aapt/$name.badging.txt" "aapt/$name.xmltree.txt"
}

# record_layout NAME -- read-back of the ZIP/signing block layout
record_layout() { "$TAMPER" info "apk/$1.apk" | sed "s|$TD/||" >"layout/$1.txt"; }

# --- signed variants ---------------------------------------------------------
echo "== signing"
cp "$WORK/u/min21.apk" apk/unsigned-min21.apk

# Manifest variants, each v1+v2+v3 with rsa-a.
for v in min14 min21 min24 min28 min33 debuggable testonly sandbox2 codename nousessdk; do
  # shellcheck disable=SC2046
  sign "$WORK/u/$v.apk" "apk/$v-v123.apk" "v1 v2 v3" $(key rsa-a)
done
# v1 only on minSdk 14 (SHA-1 digests) and on targetSandboxVersion=2.
# shellcheck disable=SC2046
sign "$WORK/u/min14.apk" apk/min14-v1.apk "v1" $(key rsa-a)
# shellcheck disable=SC2046
sign "$WORK/u/sandbox2.apk" apk/sandbox2-v1.apk "v1" $(key rsa-a)
# shellcheck disable=SC2046
sign "$WORK/u/target33.apk" apk/target33-v1.apk "v1" $(key rsa-a)

# Scheme / key variants on the minSdk 21 app.
U21="$WORK/u/min21.apk"
# shellcheck disable=SC2046
{
  sign "$U21" apk/min21-v1-rsa.apk "v1" $(key rsa-a)
  sign "$U21" apk/min21-v1-ec.apk "v1" $(key ec-p256)
  sign "$U21" apk/min21-v1-dsa.apk "v1" $(key dsa2048)
  sign "$U21" apk/min21-v2.apk "v2" $(key rsa-a)
  sign "$U21" apk/min21-v12.apk "v1 v2" $(key rsa-a)
  sign "$U21" apk/min21-v3.apk "v3" $(key rsa-a)
  sign "$U21" apk/min21-v23.apk "v2 v3" $(key rsa-a)
  sign "$U21" apk/min21-v123-ec.apk "v1 v2 v3" $(key ec-p256)
  sign "$U21" apk/min21-v123-dsa.apk "v1 v2 v3" $(key dsa2048)
  sign "$U21" apk/min21-v123-rsa4096.apk "v1 v2 v3" $(key rsa4096)
  sign "$U21" apk/min21-v12-two-signers.apk "v1 v2" $(key rsa-a) --next-signer $(key rsa-b)
  sign "$U21" apk/min21-v1234.apk "v1 v2 v3 v4" $(key rsa-a)
  sign "$WORK/u/min24.apk" apk/min24-v1234.apk "v1 v2 v3 v4" $(key rsa-a)
}

# Key rotation.
echo "== lineage / rotation"
# shellcheck disable=SC2046
{
  apksigner rotate --out lineage/rsa-a_to_rsa-b.lineage --old-signer $(key rsa-a) --new-signer $(key rsa-b)
  apksigner rotate --in lineage/rsa-a_to_rsa-b.lineage --out lineage/rsa-a_to_rsa-b_to_rsa-c.lineage \
    --old-signer $(key rsa-b) --new-signer $(key rsa-c)
  sign "$U21" apk/min21-v123-rot-ab.apk "v1 v2 v3" $(key rsa-a) --next-signer $(key rsa-b) \
    --lineage lineage/rsa-a_to_rsa-b.lineage
  sign "$U21" apk/min21-v123-rot-abc.apk "v1 v2 v3" $(key rsa-a) --next-signer $(key rsa-c) \
    --lineage lineage/rsa-a_to_rsa-b_to_rsa-c.lineage
}
"$TAMPER" lineage-break lineage/rsa-a_to_rsa-b.lineage lineage/rsa-a_to_rsa-b.broken.lineage
# apksigner itself refuses a lineage whose link signature is broken; record that.
# shellcheck disable=SC2046
run_apksigner apksigner/sign-with-broken-lineage.txt sign --v1-signing-enabled true \
  --v2-signing-enabled true --v3-signing-enabled true --v4-signing-enabled false \
  $(key rsa-a) --next-signer $(key rsa-b) --lineage lineage/rsa-a_to_rsa-b.broken.lineage \
  --out apk/should-not-exist.apk apk/unsigned-min21.apk
rm -f apk/should-not-exist.apk apk/should-not-exist.apk.idsig
# So the broken-link APK is made by damaging the lineage inside the v3 signed
# data and re-signing just that signed data with rsa-b (tamper.go).
"$TAMPER" v3-break-lineage apk/min21-v123-rot-ab.apk apk/min21-v123-rot-ab-broken-link.apk keys/rsa-b.pk8

# Manifest with android: attribute names stripped from the string pool, re-signed.
echo "== manifest attribute-name rewrite"
for mode in empty garbage; do
  "$TAMPER" manifest-attrnames "$U21" "$WORK/attr-$mode.unaligned.apk" "$mode"
  zipalign -f 4 "$WORK/attr-$mode.unaligned.apk" "$WORK/attr-$mode.apk"
  # shellcheck disable=SC2046
  sign "$WORK/attr-$mode.apk" "apk/min21-attrnames-$mode-v123.apk" "v1 v2 v3" $(key rsa-a)
done

# --- tampered copies ---------------------------------------------------------
echo "== tampering"
GOOD=apk/min21-v123.apk
"$TAMPER" flip-entry "$GOOD" apk/tamper-stored-entry.apk assets/raw.bin
"$TAMPER" flip-entry "$GOOD" apk/tamper-deflated-entry.apk classes.dex
"$TAMPER" flip-cd "$GOOD" apk/tamper-central-directory.apk
"$TAMPER" flip-sig "$GOOD" apk/tamper-v2-signature.apk v2
"$TAMPER" flip-sig "$GOOD" apk/tamper-v3-signature.apk v3
"$TAMPER" append-entry "$GOOD" apk/tamper-appended-entry.apk assets/added-after-signing.txt "added after signing"
"$TAMPER" dup-entry "$GOOD" apk/tamper-duplicate-entry.apk assets/hello.txt "a second assets/hello.txt"
"$TAMPER" prepend "$GOOD" apk/tamper-janus-prepend.apk 112
"$TAMPER" prepend apk/min21-v1-rsa.apk apk/tamper-janus-prepend-v1only.apk 112
"$TAMPER" strip-sigblock apk/min21-v12.apk apk/tamper-v2-stripped.apk
"$TAMPER" remove-pair apk/min21-v23.apk apk/tamper-v3-stripped.apk v3
"$TAMPER" local-name "$GOOD" apk/tamper-local-name-mismatch.apk assets/hello.txt assets/HELLO.txt
"$TAMPER" zip64-locator "$GOOD" apk/tamper-zip64-locator.apk

# v4 .idsig variants.
cp apk/min21-v1234.apk.idsig "$WORK/v4.idsig"
"$TAMPER" idsig-flip "$WORK/v4.idsig" apk/min21-v1234.sig-tampered.idsig sig
"$TAMPER" idsig-flip "$WORK/v4.idsig" apk/min21-v1234.tree-tampered.idsig tree
cp "$WORK/v4.idsig" apk/min21-v1234.paired-with-min24.idsig

# --- verdicts & index ---------------------------------------------------------
echo "== recording apksigner / aapt verdicts"
A=rsa-a
add_apk unsigned-min21 "unsigned, zipaligned minSdk 21 app (aapt + zipalign output)" "" "" 21
add_apk min14-v123 "minSdk 14, v1+v2+v3 (v1 uses SHA-1 digests for API < 18)" "" $A 14
add_apk min21-v123 "the normal one: minSdk 21, v1+v2+v3, RSA 2048 key A; base of the tamper-* files" "" $A 21
add_apk min24-v123 "minSdk 24, v1+v2+v3" "" $A 24
add_apk min28-v123 "minSdk 28, v1+v2+v3" "" $A 28
add_apk min33-v123 "minSdk 33, v1+v2+v3" "" $A 33
add_apk debuggable-v123 "android:debuggable=true, minSdk 21, v1+v2+v3" "" $A 21
add_apk testonly-v123 "android:testOnly=true, minSdk 21, v1+v2+v3" "" $A 21
add_apk sandbox2-v123 "targetSandboxVersion=2, minSdk 21, v1+v2+v3" "" $A 21
add_apk sandbox2-v1 "targetSandboxVersion=2 but v1 only (platform requires v2+ for sandbox 2)" "" $A 21
add_apk target33-v1 "minSdk 21, targetSdk 33, v1 only (apksigner: targetSdk >= 30 needs v2+)" "" $A 21
add_apk codename-v123 "minSdkVersion/targetSdkVersion given as codename \"Tiramisu\", v1+v2+v3" "" $A Tiramisu
add_apk nousessdk-v123 "no <uses-sdk> element at all (minSdk defaults to 1), v1+v2+v3" "" $A 1
add_apk min14-v1 "minSdk 14, v1 only (SHA-1 digests)" "" $A 14
add_apk min21-v1-rsa "minSdk 21, v1 only, RSA 2048" "" $A 21
add_apk min21-v1-ec "minSdk 21, v1 only, EC P-256" "" ec-p256 21
add_apk min21-v1-dsa "minSdk 21, v1 only, DSA 2048" "" dsa2048 21
add_apk min21-v2 "minSdk 21, v2 only (no v1: fails for API < 24 by default)" "" $A 21
add_apk min21-v12 "minSdk 21, v1+v2" "" $A 21
add_apk min21-v3 "minSdk 21, v3 only (fails for API < 28 by default)" "" $A 21
add_apk min21-v23 "minSdk 21, v2+v3 (no v1)" "" $A 21
add_apk min21-v123-ec "minSdk 21, v1+v2+v3, EC P-256" "" ec-p256 21
add_apk min21-v123-dsa "minSdk 21, v1+v2+v3, DSA 2048" "" dsa2048 21
add_apk min21-v123-rsa4096 "minSdk 21, v1+v2+v3, RSA 4096" "" rsa4096 21
add_apk min21-v12-two-signers "minSdk 21, v1+v2 with two signers (keys A and B)" "" rsa-a,rsa-b 21
add_apk min21-v123-rot-ab "rotation A->B (lineage/rsa-a_to_rsa-b.lineage): v1/v2 signed by A, v3 by B" "" rsa-a,rsa-b 21
add_apk min21-v123-rot-abc "rotation A->B->C (lineage/rsa-a_to_rsa-b_to_rsa-c.lineage): v1/v2 by A, v3 by C" "" rsa-a,rsa-c 21
add_apk min21-v123-rot-ab-broken-link "rotation A->B with the B link signature in the v3 lineage flipped; v3 signer re-signed so only the lineage is bad" v3-lineage-broken-link rsa-a,rsa-b 21
add_apk min21-attrnames-empty-v123 "AndroidManifest.xml string pool: android: attribute names emptied (resource IDs kept), re-signed v1+v2+v3" manifest-attrnames-empty $A 21
add_apk min21-attrnames-garbage-v123 "AndroidManifest.xml string pool: android: attribute names ROT13-garbled (resource IDs kept), re-signed v1+v2+v3" manifest-attrnames-garbage $A 21
add_apk min21-v1234 "minSdk 21, v1+v2+v3+v4 (apk/min21-v1234.apk.idsig beside it)" "" $A 21
add_apk min24-v1234 "minSdk 24, v1+v2+v3+v4 (apk/min24-v1234.apk.idsig beside it)" "" $A 24
add_apk tamper-stored-entry "min21-v123 with one byte flipped inside stored entry assets/raw.bin" flip-stored-entry $A 21
add_apk tamper-deflated-entry "min21-v123 with one byte flipped inside deflated entry classes.dex" flip-deflated-entry $A 21
add_apk tamper-central-directory "min21-v123 with one bit of the first central directory record's mod time flipped" flip-central-directory $A 21
add_apk tamper-v2-signature "min21-v123 with the last byte of the v2 signer's signature flipped" flip-v2-signature $A 21
add_apk tamper-v3-signature "min21-v123 with the last byte of the v3 signer's signature flipped" flip-v3-signature $A 21
add_apk tamper-appended-entry "min21-v123 plus a stored entry added after signing (before the signing block; CD and EOCD rebuilt)" append-entry $A 21
add_apk tamper-duplicate-entry "min21-v123 plus a second entry named assets/hello.txt (two CD records with the same name)" duplicate-entry $A 21
add_apk tamper-janus-prepend "min21-v123 with 112 bytes (fake DEX header) prepended, all offsets fixed up" janus-prepend $A 21
add_apk tamper-janus-prepend-v1only "min21-v1-rsa (v1 only) with 112 bytes (fake DEX header) prepended, offsets fixed up" janus-prepend $A 21
add_apk tamper-v2-stripped "min21-v12 with the APK Signing Block removed (v1 says X-Android-APK-Signed: 2)" strip-signing-block $A 21
add_apk tamper-v3-stripped "min21-v23 with the v3 pair removed from the signing block (v2 has the stripping-protection attribute)" remove-v3-block $A 21
add_apk tamper-local-name-mismatch "min21-v123 with the local header name of assets/hello.txt changed to assets/HELLO.txt (CD unchanged)" local-name-mismatch $A 21
add_apk tamper-zip64-locator "min21-v123 with a ZIP64 EOCD record + locator inserted before the EOCD" zip64-locator $A 21

for n in tamper-stored-entry tamper-deflated-entry tamper-central-directory tamper-v2-signature \
  tamper-v3-signature tamper-appended-entry tamper-duplicate-entry tamper-janus-prepend \
  tamper-janus-prepend-v1only tamper-v2-stripped tamper-v3-stripped tamper-local-name-mismatch \
  tamper-zip64-locator min21-v123 min21-v12 min21-v23 min21-v123-rot-ab min21-v123-rot-ab-broken-link; do
  record_layout "$n"
done

# v4: verify APK + .idsig pairs.
add_idsig() { # NAME IDSIG APK DESC TAMPER
  run_apksigner "apksigner/$1.txt" verify -v --print-certs --v4-signature-file "$2" "$3"
  add_spec idsig "$2" "$3" "$4" "${5:--}" rsa-a 21 "apksigner/$1.txt" - -
}
add_idsig min21-v1234.v4 apk/min21-v1234.apk.idsig apk/min21-v1234.apk "v4 signature of min21-v1234.apk"
add_idsig min24-v1234.v4 apk/min24-v1234.apk.idsig apk/min24-v1234.apk "v4 signature of min24-v1234.apk"
add_idsig min21-v1234.sig-tampered.v4 apk/min21-v1234.sig-tampered.idsig apk/min21-v1234.apk \
  "min21-v1234.apk.idsig with the last signature byte flipped" idsig-flip-signature
add_idsig min21-v1234.tree-tampered.v4 apk/min21-v1234.tree-tampered.idsig apk/min21-v1234.apk \
  "min21-v1234.apk.idsig with one Merkle tree byte flipped" idsig-flip-merkle-tree
add_idsig min21-v1234.paired-with-min24.v4 apk/min21-v1234.paired-with-min24.idsig apk/min24-v1234.apk \
  "copy of min21-v1234.apk.idsig, verified against the different APK min24-v1234.apk (same key)" idsig-wrong-apk

# Lineage files.
add_spec lineage lineage/rsa-a_to_rsa-b.lineage - "apksigner rotate lineage A->B" - rsa-a,rsa-b 0 - - -
add_spec lineage lineage/rsa-a_to_rsa-b_to_rsa-c.lineage - "apksigner rotate lineage A->B->C" - rsa-a,rsa-b,rsa-c 0 - - -
add_spec lineage lineage/rsa-a_to_rsa-b.broken.lineage - \
  "A->B lineage with the last byte of B's link signature flipped; apksigner sign refuses it" \
  lineage-broken-link rsa-a,rsa-b 0 apksigner/sign-with-broken-lineage.txt - -

echo "== writing fixtures.json and keys/keys.json"
"$WORK/index" fixtures "$SPEC" fixtures.json
"$WORK/index" keys keys keys/keys.json

total=$(du -cb keys apk lineage apksigner aapt layout fixtures.json | tail -1 | cut -f1)
echo "== done: $(grep -c . "$SPEC") fixtures, $total bytes"
