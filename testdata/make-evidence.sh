#!/usr/bin/env bash
# make-evidence.sh: builds the evidence-of-distribution fixtures (issue 23,
# issue 22 part 3) and records apksigner's answers beside them in
# testdata/evidence/. Creates only these files; reuses testdata/keys and
# testdata/lineage. RSA signatures are deterministic, so reruns reproduce
# the same bytes.
#
#   apk/evidence-min21-v1234-stamp.apk (+ .idsig)  v1-v4 by rsa-a, stamp by rsa-c
#   apk/evidence-min21-v1-stamp.apk                v1 only by rsa-a, stamp by rsa-c
#   apk/evidence-min21-v123-rot-ab-stamp.apk       v1/v2 rsa-a, v3 rsa-b (lineage A->B), stamp rsa-c
#   apk/evidence-min21-v1234.trailing.idsig        min21-v1234.apk.idsig + 16 bytes after the tree
#   apk/evidence-zip64-v1.apk, evidence-zip64-v2.apk  min21-v1-rsa.apk / min21-v2.apk with a ZIP64
#                                                  EOCD record + locator that agree with the EOCD
set -euo pipefail
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD"
export LC_ALL=C TZ=UTC
mkdir -p evidence
key() { echo "--key keys/$1.pk8 --cert keys/$1.x509.pem"; }
# shellcheck source=tools/record-apksigner.sh
source "$TD/tools/record-apksigner.sh"
run() { record_apksigner "$@"; }
# shellcheck disable=SC2046
{
  apksigner sign --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true \
    --v4-signing-enabled true $(key rsa-a) --stamp-signer $(key rsa-c) \
    --out apk/evidence-min21-v1234-stamp.apk apk/unsigned-min21.apk
  apksigner sign --v1-signing-enabled true --v2-signing-enabled false --v3-signing-enabled false \
    --v4-signing-enabled false $(key rsa-a) --stamp-signer $(key rsa-c) \
    --out apk/evidence-min21-v1-stamp.apk apk/unsigned-min21.apk
  apksigner sign --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true \
    --v4-signing-enabled false $(key rsa-a) --next-signer $(key rsa-b) \
    --lineage lineage/rsa-a_to_rsa-b.lineage --stamp-signer $(key rsa-c) \
    --out apk/evidence-min21-v123-rot-ab-stamp.apk apk/unsigned-min21.apk
}
{ cat apk/min21-v1234.apk.idsig; printf 'trailing bytes!\n'; } >apk/evidence-min21-v1234.trailing.idsig
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && go build -o "$WORK/tamper" "$TD/tools/tamper.go")
"$WORK/tamper" zip64-locator apk/min21-v1-rsa.apk apk/evidence-zip64-v1.apk
"$WORK/tamper" zip64-locator apk/min21-v2.apk apk/evidence-zip64-v2.apk

for f in evidence-min21-v1234-stamp evidence-min21-v1-stamp evidence-min21-v123-rot-ab-stamp; do
  run "evidence/$f.txt" verify -v --print-certs "apk/$f.apk"
  run "evidence/$f.min28.txt" verify -v --min-sdk-version 28 "apk/$f.apk"
done
run evidence/evidence-min21-v1234-stamp.v4.txt verify -v --v4-signature-file \
  apk/evidence-min21-v1234-stamp.apk.idsig apk/evidence-min21-v1234-stamp.apk
run evidence/evidence-min21-v1234.trailing.txt verify -v --v4-signature-file \
  apk/evidence-min21-v1234.trailing.idsig apk/min21-v1234.apk
for f in evidence-zip64-v1 evidence-zip64-v2; do
  run "evidence/$f.txt" verify -v "apk/$f.apk"
done
