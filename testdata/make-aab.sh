#!/usr/bin/env bash
# make-aab.sh: builds the Android App Bundle fixtures in testdata/aab/
# (issue 16: a release pipeline's bundle and its upload key).
#
# Usage (from anywhere):  bash testdata/make-aab.sh
#
# Only testdata/aab/ is rewritten. The bundles come from the generator
# internal/aabgen/mkaab (aapt2-style protobuf manifests, BundleConfig.pb,
# a base module and optionally a feature module "extras"; the package and
# versionCode of the APK fixtures, which stand for the APKs Play makes from
# it with the app signing key rsa-a); they are signed
# with jarsigner from the JDK, the upload key being rsa-b, using keystores
# made from testdata/keys/ by openssl (in a temporary directory, never committed). What
# `jarsigner -verify -verbose:summary -certs` says about each bundle, the
# exit status of `jarsigner -verify -strict`, and the signers' SHA-256
# fingerprints as `keytool -printcert -jarfile` prints them are recorded in
# NAME.jarsigner.txt.
#
# jarsigner stamps the META-INF entries it writes with the time of
# signing, and EC/DSA signatures use random nonces, so every run changes
# the signed bundles: rerun only to change them.
set -euo pipefail

TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD/.."
for t in jarsigner openssl go; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "make-aab.sh: missing $t (JDK: apt-get install -y openjdk-17-jdk-headless)" >&2
    exit 1
  }
done
export LC_ALL=C TZ=UTC

OUT=testdata/aab
rm -rf "$OUT"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

MKAAB="$TMP/mkaab"
go build -o "$MKAAB" ./internal/aabgen/mkaab

# keystore NAME [DIR]: a PKCS#12 keystore with the key and certificate of
# testdata/DIR/NAME (DIR keys by default), alias NAME, password "android".
keystore() {
  local dir=testdata/${2:-keys}
  openssl pkcs12 -export -name "$1" -passout pass:android \
    -inkey <(openssl pkey -inform DER -in "$dir/$1.pk8") \
    -in "$dir/$1.x509.pem" -out "$TMP/$1.p12"
}
for k in rsa-b rsa-c ec-p256 dsa2048; do keystore "$k"; done
keystore android-debug knownkeys

# sign IN OUT KEY SIGFILE DIGEST SIGALG
sign() {
  jarsigner -keystore "$TMP/$3.p12" -storetype PKCS12 -storepass android \
    -sigfile "$4" -digestalg "$5" -sigalg "$6" -signedjar "$2" "$1" "$3" >/dev/null
}

"$MKAAB" build base "$TMP/base.aab"
"$MKAAB" build feature "$TMP/feature.aab"
"$MKAAB" build debuggable-feature "$TMP/debuggable-feature.aab"

cp "$TMP/base.aab" "$OUT/unsigned.aab"
sign "$TMP/base.aab" "$OUT/intact.aab" rsa-b UPLOAD SHA-256 SHA256withRSA
"$MKAAB" change "$OUT/intact.aab" "$OUT/changed-entry.aab" base/res/raw/hello.txt
"$MKAAB" add "$OUT/intact.aab" "$OUT/added-entry.aab" base/dex/classes2.dex
"$MKAAB" remove "$OUT/intact.aab" "$OUT/removed-entry.aab" base/res/raw/hello.txt
sign "$OUT/intact.aab" "$OUT/two-signers.aab" rsa-c SECOND SHA-256 SHA256withRSA
sign "$TMP/base.aab" "$OUT/sha1-digest.aab" rsa-b UPLOAD SHA-1 SHA256withRSA
sign "$TMP/base.aab" "$OUT/sha1-only.aab" rsa-b UPLOAD SHA-1 SHA1withRSA
sign "$TMP/base.aab" "$OUT/ec-signed.aab" ec-p256 UPLOAD SHA-256 SHA256withECDSA
sign "$TMP/base.aab" "$OUT/dsa-signed.aab" dsa2048 UPLOAD SHA-256 SHA256withDSA
sign "$TMP/base.aab" "$OUT/debug-key.aab" android-debug UPLOAD SHA-256 SHA256withRSA
"$MKAAB" add "$TMP/base.aab" "$TMP/meta-inf-file.aab" META-INF/services/dev.apktrust.Plugin
sign "$TMP/meta-inf-file.aab" "$OUT/meta-inf-file.aab" rsa-b UPLOAD SHA-256 SHA256withRSA
sign "$TMP/feature.aab" "$OUT/feature.aab" rsa-b UPLOAD SHA-256 SHA256withRSA
sign "$TMP/debuggable-feature.aab" "$OUT/debuggable-feature.aab" rsa-b UPLOAD SHA-256 SHA256withRSA

for f in "$OUT"/*.aab; do
  {
    echo "\$ jarsigner -verify -verbose:summary -certs $(basename "$f")"
    set +e
    jarsigner -verify -verbose:summary -certs "$f" 2>&1 | sed "s#$TD/##g"
    echo "exit status: ${PIPESTATUS[0]}"
    jarsigner -verify -strict "$f" >/dev/null 2>&1
    echo "jarsigner -verify -strict exit status: $?"
    echo "\$ keytool -printcert -jarfile $(basename "$f") | grep -E 'Signer|Owner|SHA256:'"
    keytool -printcert -jarfile "$f" 2>&1 | grep -E 'Signer|Owner|SHA256:|Not a signed jar'
    set -e
  } >"${f%.aab}.jarsigner.txt"
done
echo "make-aab.sh: wrote $(ls "$OUT"/*.aab | wc -l) bundles to $OUT"
