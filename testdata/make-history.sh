#!/usr/bin/env bash
# make-history.sh: builds the signing-history fixtures in testdata/history/
# (issue 21: forks from a retired key; issue 13: rotation capabilities).
#
# Usage (from anywhere):  bash testdata/make-history.sh
#
# Only testdata/history/ is rewritten. It reuses testdata/keys/ (rsa-a, rsa-b,
# rsa-c, and rsa4096 as a fourth key "D") and testdata/apk/unsigned-min21.apk,
# so it never touches the files make-fixtures.sh owns. All keys are RSA, so
# the outputs are byte-for-byte reproducible.
#
# Naming: hist-*.lineage are app histories (what --lineage / Policy.History
# gets), lin-*.lineage are the lineages files are signed with, and
# X-LINEAGE.apk is unsigned-min21.apk with v1/v2 by rsa-a and v3 by X with
# lineage LINEAGE (a.apk: v1/v2/v3 all by rsa-a, no lineage). apksigner's
# answers are recorded beside them: verify/NAME.txt for every APK (apksigner
# verify -v --print-certs), lineage/NAME.txt for every lineage and
# lineage/NAME.apk.txt for the lineage inside every rotated APK (apksigner
# lineage --print-certs, which prints each node's capabilities).
set -euo pipefail

TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$TD"
for t in apksigner; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "make-history.sh: missing $t (apt-get install -y apksigner)" >&2
    exit 1
  }
done
export LC_ALL=C TZ=UTC

OUT=history
rm -rf "$OUT"
mkdir -p "$OUT/verify" "$OUT/lineage"
U21=apk/unsigned-min21.apk

key() {
  local f=$1
  [[ $f == rsa-d ]] && f=rsa4096
  echo "--key keys/$f.pk8 --cert keys/$f.x509.pem"
}

# rotate OUT [--in IN] OLD NEW [capability options for OLD...]
rotate() {
  local out=$1 in=() old new
  shift
  if [[ $1 == --in ]]; then
    in=(--in "$OUT/$2.lineage")
    shift 2
  fi
  old=$1 new=$2
  shift 2
  # shellcheck disable=SC2046
  apksigner rotate "${in[@]}" --out "$OUT/$out.lineage" --old-signer $(key "$old") "$@" --new-signer $(key "$new")
}

# shellcheck source=tools/record-apksigner.sh
source "$TD/tools/record-apksigner.sh"
record() { record_apksigner "$@"; }

echo "== histories and file lineages"
rotate hist-ab rsa-a rsa-b
rotate hist-ab-rollback rsa-a rsa-b --set-rollback true
rotate hist-abc --in hist-ab rsa-b rsa-c
rotate lin-ac rsa-a rsa-c
rotate lin-abd --in hist-ab rsa-b rsa-d
rotate lin-ad rsa-a rsa-d
rotate lin-ab-noid rsa-a rsa-b --set-installed-data false
rotate lin-abc-bnoid --in hist-ab rsa-b rsa-c --set-installed-data false

echo "== signed files"
# sign NAME NEWKEY [LINEAGE]: v1/v2 by rsa-a, v3 by NEWKEY with LINEAGE.
sign() {
  local name=$1 new=$2 lin=${3:-} extra=()
  if [[ -n $lin ]]; then
    # shellcheck disable=SC2046
    extra=(--next-signer $(key "$new") --lineage "$OUT/$lin.lineage")
  fi
  # shellcheck disable=SC2046
  apksigner sign --v1-signing-enabled true --v2-signing-enabled true --v3-signing-enabled true \
    --v4-signing-enabled false $(key rsa-a) "${extra[@]}" --out "$OUT/$name.apk" "$U21"
  record "$OUT/verify/$name.txt" verify -v --print-certs "$OUT/$name.apk"
  if [[ -n $lin ]]; then
    # The lineage as apksigner reads it back from the signed file.
    record "$OUT/lineage/$name.apk.txt" lineage --in "$OUT/$name.apk" --print-certs
  fi
}
sign a rsa-a
sign b-hist-ab rsa-b hist-ab
sign c-hist-abc rsa-c hist-abc
sign c-lin-ac rsa-c lin-ac
sign d-lin-abd rsa-d lin-abd
sign d-lin-ad rsa-d lin-ad
sign b-lin-ab-noid rsa-b lin-ab-noid
sign c-lin-abc-bnoid rsa-c lin-abc-bnoid

for l in "$OUT"/*.lineage; do
  n=$(basename "$l" .lineage)
  record "$OUT/lineage/$n.txt" lineage --in "$l" --print-certs
done
echo "== done: $(find "$OUT" -type f | wc -l) files, $(du -sb "$OUT" | cut -f1) bytes"
