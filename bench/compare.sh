#!/usr/bin/env bash
# compare.sh: times apktrust's CLI against Android's `apksigner verify` (and
# Debian's `apkverifier`, avast's Go verifier, where it is installed) on the
# same signed APKs, on this machine, in one run, with the floors measured in
# the same run, and prints a Markdown table of medians (also written to
# $OUT/results.md).
#
# Usage (from anywhere):
#   bash bench/compare.sh                                  # 10M files, 5 runs
#   APKTRUST_BENCH_SIZES=10M,100M,1G bash bench/compare.sh  # the full table
#
# Environment:
#   APKTRUST_BENCH_SIZES  comma-separated sizes (default 10M); the files are
#                         generated, zipaligned and signed once, then cached
#   APKTRUST_BENCH_DIR    cache and output directory (default bench/out)
#   RUNS                  timed runs per tool and row (default 5), after one
#                         untimed warm-up run that also checks the verdict
#   SHA_BENCHTIME         -benchtime of the SHA-256 floor benchmark (default 1s)
#   APKTRUST_BENCH_MODES  rows to run, comma-separated among v123 (v1+v2+v3,
#                         minSdk 21), v2v3 (the same file, minSdk 24), v2only
#                         and fixture (the small app); default all
#   APKTRUST_BENCH_INPROC 0 skips the in-process floor and evidence
#                         benchmarks (default 1)
#   APKTRUST_BENCH_WAIT_IDLE  seconds each timed run (and the SHA-256 floor)
#                         may wait for a second in which the CPUs are at
#                         least 95% idle (Linux; default 0: no waiting), for
#                         a machine shared with other jobs
#
# Needs: go, apksigner, zipalign, GNU time at /usr/bin/time (for peak RSS).
# Optional: apkverifier (apt-get install -y apkverifier); skipped without it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZES="${APKTRUST_BENCH_SIZES:-10M}"
RUNS="${RUNS:-5}"
SHA_BENCHTIME="${SHA_BENCHTIME:-1s}"
MODES=",${APKTRUST_BENCH_MODES:-v123,v2v3,v2only,fixture},"
INPROC="${APKTRUST_BENCH_INPROC:-1}"
WAIT_IDLE="${APKTRUST_BENCH_WAIT_IDLE:-0}"
[[ "$WAIT_IDLE" =~ ^[0-9]+$ ]] || die "APKTRUST_BENCH_WAIT_IDLE must be a number of seconds, got '$WAIT_IDLE'"
BUSY_RUNS=0
# wait_idle: with WAIT_IDLE > 0, returns once a one-second window had the
# CPUs at least 95% idle (from /proc/stat), or after WAIT_IDLE seconds,
# counting the runs that started on a busy machine.
wait_idle() {
  ((WAIT_IDLE > 0)) && [[ -r /proc/stat ]] || return 0
  local t a ai b bi u n s i w x y z
  for ((t = 0; t < WAIT_IDLE; t++)); do
    read -r _ u n s i w x y z _ </proc/stat
    a=$((u + n + s + i + w + x + y + z)) ai=$i
    sleep 1
    read -r _ u n s i w x y z _ </proc/stat
    b=$((u + n + s + i + w + x + y + z)) bi=$i
    ((b > a && 100 * (bi - ai) / (b - a) >= 95)) && return 0
  done
  BUSY_RUNS=$((BUSY_RUNS + 1))
}
want() { [[ "$MODES" == *",$1,"* ]]; }
OUT="${APKTRUST_BENCH_DIR:-$ROOT/bench/out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.md"

die() { echo "compare.sh: $*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
command -v go >/dev/null || die "go is not on PATH"
command -v apksigner >/dev/null || die "apksigner is not installed: apt-get install -y apksigner zipalign"
command -v zipalign >/dev/null || die "zipalign is not installed: apt-get install -y zipalign"
# Bash's `time` cannot see peak RSS; GNU time's -v can (getrusage ru_maxrss).
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  die "GNU time is missing at /usr/bin/time (needed for peak RSS): apt-get install -y time"
fi

# avast's verifier, as Debian packages it. Its CLI takes no SDK flags: it
# verifies for the manifest's minSdkVersion (21 for the generated files), so
# it runs only in the rows where that is the work we do too.
AVAST=""
if command -v apkverifier >/dev/null; then
  AVAST="$(command -v apkverifier)"
else
  echo "compare.sh: apkverifier is not installed (apt-get install -y apkverifier); its columns stay empty" >&2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- build and prepare ---------------------------------------------------------
echo "== building the CLI: go build -o $OUT/verify ./examples/apktrust" >&2
go build -o "$OUT/verify" ./examples/apktrust
OURS="$OUT/verify"

echo "== preparing signed APKs ($SIZES) under $OUT (cached after the first run)" >&2
if ! APKTRUST_BENCH_PREPARE=1 APKTRUST_BENCH_SIZES="$SIZES" APKTRUST_BENCH_DIR="$OUT" \
  go test -count=1 -timeout 120m -run '^TestPrepare$' -v ./bench >"$TMP/prepare.log" 2>&1; then
  cat "$TMP/prepare.log" >&2
  die "preparing the benchmark APKs failed"
fi
grep -v '^BENCHFILE' "$TMP/prepare.log" | sed 's/^/   /' >&2 || true
grep '^BENCHFILE' "$TMP/prepare.log" >"$TMP/files.tsv" || die "TestPrepare listed no files (was it skipped?)"

# --- the floor: Go's single-core SHA-256 -------------------------------------------
# One goroutine hashing an in-memory buffer: what one core can do, with no
# I/O. v2/v3 verification is SHA-256 over the whole file, so cores x this is
# the hardware's limit for it.
echo "== measuring Go's single-core crypto/sha256 throughput (-benchtime=$SHA_BENCHTIME, 3 counts)" >&2
CORES="$(nproc)"
SHA_MBS=""
wait_idle
if go test -count=3 -run '^$' -bench '^BenchmarkSHA256SingleCore$/^mem$' -benchtime "$SHA_BENCHTIME" \
  ./bench >"$TMP/sha.log" 2>&1; then
  SHA_MBS="$(awk '/^BenchmarkSHA256SingleCore\/mem/ { for (i = 1; i <= NF; i++) if ($(i+1) == "MB/s") print $i }' "$TMP/sha.log" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')"
fi
if [[ -z "$SHA_MBS" ]]; then
  sed 's/^/   /' "$TMP/sha.log" >&2
  echo "compare.sh: warning: SHA-256 floor benchmark failed; the floor column will be empty" >&2
fi

# --- the floor of the v1+v2+v3 path, and the evidence row -----------------------------
# Both in process (go test -bench), in this same run. BenchmarkFloorV123
# inflates and hashes every entry and hashes the file once, on all cores,
# with the libraries the verifier uses: what verifying v1+v2+v3 cannot go
# below. BenchmarkVerifyEvidence verifies the v2+v3 file and then a file of
# the same size with a source stamp, test-key Play frosting and a v4 .idsig
# (our CLI cannot be given a frosting key, so this row is in process) and
# reports the second's time over the first's.
echo "== measuring the v1+v2+v3 floor and the evidence row in process ($SIZES)" >&2
declare -A FLOOR_V123 EVIDENCE_RATIO EVIDENCE_NS EVIDENCE_BYTES BASE_NS FLOOR_EVIDENCE_NS
if [[ "$INPROC" == 0 ]]; then
  echo "   skipped (APKTRUST_BENCH_INPROC=0)" >&2
elif APKTRUST_BENCH_SIZES="$SIZES" APKTRUST_BENCH_DIR="$OUT" go test -count=1 -timeout 120m -run '^$' \
  -bench '^(BenchmarkFloorV123|BenchmarkFloorEvidence|BenchmarkVerifyEvidence)$' -benchtime 3x ./bench >"$TMP/inproc.log" 2>&1; then
  while IFS='|' read -r name ns mbs ratio; do
    label="${name#*size=}"
    label="${label%%/*}"
    label="${label%-[0-9]*}"
    case "$name" in
      BenchmarkFloorV123/*) FLOOR_V123[$label]="$mbs" ;;
      BenchmarkFloorEvidence/*) FLOOR_EVIDENCE_NS[$label]="$ns" ;;
      BenchmarkVerifyEvidence/*/v2v3*) BASE_NS[$label]="$ns" ;;
      BenchmarkVerifyEvidence/*/stamp*)
        EVIDENCE_NS[$label]="$ns"
        EVIDENCE_RATIO[$label]="$ratio"
        EVIDENCE_BYTES[$label]="$(awk -v n="$ns" -v m="$mbs" 'BEGIN { printf "%.0f", n * m / 1e3 }')"
        ;;
    esac
  done < <(awk '/^Benchmark(FloorV123|FloorEvidence|VerifyEvidence)\// {
      ns = ""; mbs = ""; ratio = ""
      for (i = 2; i <= NF; i++) {
        if ($(i+1) == "ns/op") ns = $i
        if ($(i+1) == "MB/s") mbs = $i
        if ($(i+1) == "ratio") ratio = $i
      }
      print $1 "|" ns "|" mbs "|" ratio }' "$TMP/inproc.log")
else
  sed 's/^/   /' "$TMP/inproc.log" >&2
  echo "compare.sh: warning: the in-process floor/evidence benchmarks failed; their lines will be missing" >&2
fi

# --- measuring -------------------------------------------------------------------
# measure LABEL CMD...: one run under GNU time. Wall and CPU come from bash's
# `time` (millisecond resolution; GNU time prints centiseconds, too coarse
# for a 45 KB app) and include GNU time's own fork+exec (about a millisecond
# on an idle machine; the table's note gives the measured cost); peak RSS
# comes from GNU time -v. Appends "wall cpu rss_kib" to
# $TMP/LABEL and returns the command's exit status.
measure() {
  local label="$1"
  shift
  local TIMEFORMAT='%3R %3U %3S' rc=0
  [[ "$label" == warm ]] || wait_idle
  { time /usr/bin/time -v -o "$TMP/gnutime" "$@" >"$TMP/stdout" 2>"$TMP/stderr"; } 2>"$TMP/bashtime" || rc=$?
  local rss
  rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/gnutime")"
  awk -v rss="$rss" '{ printf "%.3f %.3f %d\n", $1, $2 + $3, rss }' "$TMP/bashtime" >>"$TMP/$label"
  return $rc
}

# median FILE COLUMN: the median of one column (mean of the middle two for an
# even count).
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fail_verdict() {
  echo "--- stdout" >&2
  cat "$TMP/stdout" >&2
  echo "--- stderr" >&2
  cat "$TMP/stderr" >&2
  die "$1"
}

# Our CLI says verified with exit status 0; with --json the document must also
# say so, so a CLI that exits 0 on a failed verdict cannot pass unnoticed.
# The top-level field, read as JSON when python3 is there (nested per-scheme
# results have "verified" fields of their own).
check_ours() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("verified") is True else 1)' "$TMP/stdout"
  else
    grep -Eq '"verified"[[:space:]]*:[[:space:]]*true' "$TMP/stdout"
  fi || fail_verdict "$1: our CLI exited 0 but its JSON does not say \"verified\": true"
}

# schemes_ours / schemes_apksigner print the schemes each tool says verified,
# e.g. "v1 v2 v3", from our --json (top-level "schemes") and apksigner -v.
# A benchmark where the two verified different things compares nothing, so
# the warm-up run checks they agree (needs python3 for the JSON; skipped
# without it).
schemes_ours() {
  python3 -c 'import json, sys
s = json.load(open(sys.argv[1])).get("schemes", {})
print(" ".join(k for k in ("v1", "v2", "v3", "v31", "v4") if s.get(k)))' "$1"
}
schemes_apksigner() {
  sed -n 's/^Verified using v\([0-9.]*\) scheme.*: true$/v\1/p' "$1" | tr -d . | tr '\n' ' ' | sed 's/ $//'
}

# The process floor: what starting any process costs under this wrapper.
rm -f "$TMP/floor"
for _ in 1 2 3 4 5; do measure floor true; done
FLOOR_WALL="$(median "$TMP/floor" 1)"
# A bare Go program's start, the reference of the small-app target.
mkdir -p "$TMP/hello"
printf 'package main\n\nfunc main() { println("hello") }\n' >"$TMP/hello/main.go"
(cd "$TMP/hello" && GO111MODULE=off go build -o hello main.go)
rm -f "$TMP/gofloor"
for _ in 1 2 3 4 5; do measure gofloor "$TMP/hello/hello"; done
GO_FLOOR_WALL="$(median "$TMP/gofloor" 1)"

ROWS=()
# row NAME SIZE_BYTES MODE FILE OURS_ARGS APKSIGNER_ARGS [avast]
# With "avast" as the seventh argument (and apkverifier installed), avast's
# verifier runs in the row too.
run_row() {
  local name="$1" bytes="$2" mode="$3" file="$4" oargs="$5" aargs="$6" with_avast=""
  [[ "${7:-}" == avast && -n "$AVAST" ]] && with_avast=1
  local key="row${#ROWS[@]}"
  echo "== $name $mode: $RUNS runs each (ours, apksigner${with_avast:+, apkverifier}, interleaved)" >&2
  rm -f "$TMP/$key.o" "$TMP/$key.a" "$TMP/$key.v"
  if [[ -n "$with_avast" ]]; then
    measure warm "$AVAST" "$file" || fail_verdict "$name $mode: apkverifier did not verify $file"
  fi
  # Warm-up (untimed in the table): loads the file into the page cache for
  # both tools and checks that both say verified.
  # shellcheck disable=SC2086
  measure warm "$OURS" --json $oargs "$file" || fail_verdict "$name $mode: our CLI did not verify $file"
  check_ours "$name $mode"
  cp "$TMP/stdout" "$TMP/ours.json"
  # shellcheck disable=SC2086
  measure warm apksigner verify -v $aargs "$file" || fail_verdict "$name $mode: apksigner did not verify $file"
  grep -q '^Verifies' "$TMP/stdout" || fail_verdict "$name $mode: apksigner did not print Verifies"
  if command -v python3 >/dev/null; then
    local ours theirs
    ours="$(schemes_ours "$TMP/ours.json")" || die "$name $mode: cannot read our CLI's --json output"
    theirs="$(schemes_apksigner "$TMP/stdout")"
    [[ "$ours" == "$theirs" ]] || die "$name $mode: schemes disagree: ours [$ours], apksigner [$theirs] ($file)"
  fi
  local r
  for ((r = 1; r <= RUNS; r++)); do
    # shellcheck disable=SC2086
    measure "$key.o" "$OURS" --json $oargs "$file" || fail_verdict "$name $mode: our CLI failed on run $r"
    check_ours "$name $mode"
    # shellcheck disable=SC2086
    measure "$key.a" apksigner verify $aargs "$file" || fail_verdict "$name $mode: apksigner failed on run $r"
    if [[ -n "$with_avast" ]]; then
      measure "$key.v" "$AVAST" "$file" || fail_verdict "$name $mode: apkverifier failed on run $r"
    fi
  done
  local avast="-|-"
  [[ -n "$with_avast" ]] && avast="$(median "$TMP/$key.v" 1)|$(median "$TMP/$key.v" 3)"
  ROWS+=("$name|$bytes|$mode|$(median "$TMP/$key.o" 1)|$(median "$TMP/$key.o" 2)|$(median "$TMP/$key.o" 3)|$(median "$TMP/$key.a" 1)|$(median "$TMP/$key.a" 2)|$(median "$TMP/$key.a" 3)|$avast")
}

while IFS=$'\t' read -r _ label bytes kind path; do
  case "$kind" in
    v123)
      want v123 && run_row "$label" "$bytes" "v1+v2+v3, minSdk 21" "$path" "--min-sdk 21" "--min-sdk-version 21" avast
      want v2v3 && run_row "$label" "$bytes" "v2+v3, minSdk 24" "$path" "--min-sdk 24" "--min-sdk-version 24"
      ;;
    v2only)
      want v2only && run_row "$label" "$bytes" "v2 only, minSdk 24" "$path" "--min-sdk 24" "--min-sdk-version 24"
      ;;
    fixture:*)
      want fixture || continue
      # End to end as a user runs it: no SDK flags, so both tools read
      # minSdkVersion from the manifest.
      run_row "$(basename "$path")" "$bytes" "manifest minSdk ${kind#fixture:}" "$path" "" "" avast
      ;;
  esac
done <"$TMP/files.tsv"

# --- the table -------------------------------------------------------------------------
machine() {
  local cpu mem
  cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "- Machine: ${cpu:-unknown CPU}, $CORES cores (nproc), $mem RAM, $(uname -sr)"
  echo "- Tools: $(go version | awk '{ print $3 }'), apksigner $(apksigner version 2>/dev/null | tail -1)" \
    "on $(java -version 2>&1 | head -1 | tr -d '"'), apkverifier $(if [[ -n "$AVAST" ]]; then dpkg-query -W -f '${Version}' apkverifier 2>/dev/null || echo installed; else echo not installed; fi)"
  echo "- Tree: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS timed runs per cell after one warm-up, files in the page cache"
}

fmt_time() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
fmt_rss() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

{
  echo "## apktrust vs apksigner"
  echo
  machine
  echo
  echo "| file | size | mode | ours wall | ours CPU | ours peak RSS | apksigner wall | apksigner CPU | apksigner peak RSS | wall ratio | CPU ratio | apkverifier wall | apkverifier peak RSS | apkverifier ratio | ours MB/s | % of floor |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name bytes mode ow oc orss aw ac arss vw vrss <<<"$row"
    ratio="$(awk -v a="$aw" -v o="$ow" 'BEGIN { printf "%.1f×", a / o }')"
    cratio="$(awk -v a="$ac" -v o="$oc" 'BEGIN { if (o > 0) printf "%.1f×", a / o; else print "–" }')"
    avast_wall="–" avast_rss="–" avast_ratio="–"
    if [[ "$vw" != - ]]; then
      avast_wall="$(fmt_time "$vw")" avast_rss="$(fmt_rss "$vrss")"
      avast_ratio="$(awk -v a="$vw" -v o="$ow" 'BEGIN { printf "%.1f×", a / o }')"
    fi
    # Throughput means nothing for a small app, where start-up is the cost.
    mbs="–"
    [[ "$mode" == manifest* ]] || mbs="$(awk -v b="$bytes" -v o="$ow" 'BEGIN { printf "%.0f", b / o / 1e6 }')"
    pct="–"
    if [[ -n "$SHA_MBS" && "$mode" != *v1* && "$mode" != manifest* ]]; then
      pct="$(awk -v b="$bytes" -v o="$ow" -v s="$SHA_MBS" -v c="$CORES" 'BEGIN { printf "%.0f%%", 100 * (b / o / 1e6) / (s * c) }')"
    elif [[ "$mode" == *v1* && -n "${FLOOR_V123[$name]:-}" ]]; then
      pct="$(awk -v b="$bytes" -v o="$ow" -v f="${FLOOR_V123[$name]}" 'BEGIN { printf "%.0f%%", 100 * (b / o / 1e6) / f }')"
    fi
    size="$(awk -v b="$bytes" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576; else printf "%.1f KiB", b / 1024 }')"
    echo "| $name | $size | $mode | $(fmt_time "$ow") | $(fmt_time "$oc") | $(fmt_rss "$orss") | $(fmt_time "$aw") | $(fmt_time "$ac") | $(fmt_rss "$arss") | $ratio | $cratio | $avast_wall | $avast_rss | $avast_ratio | $mbs | $pct |"
  done
  echo
  echo "Medians. Wall and CPU (user+system) include GNU time's own fork+exec: starting \`true\` the same way takes $(fmt_time "$FLOOR_WALL") wall here, a bare Go program $(fmt_time "$GO_FLOOR_WALL")."
  if ((WAIT_IDLE > 0)); then
    echo "Each timed run waited up to ${WAIT_IDLE} s for an idle second (APKTRUST_BENCH_WAIT_IDLE); $BUSY_RUNS started on a busy machine anyway. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
  fi
  echo "Ratios are theirs/ours (higher is better for us). apkverifier (avast, Debian's build) takes no SDK flags and verifies for the manifest's minSdkVersion (21), so it runs in the v1+v2+v3 and small-app rows only."
  if [[ -n "$SHA_MBS" ]]; then
    echo "Floor of the v2/v3 rows: Go's single-core crypto/sha256 does $SHA_MBS MB/s here, so $CORES cores hash at most $(awk -v s="$SHA_MBS" -v c="$CORES" 'BEGIN { printf "%.0f", s * c }') MB/s; \"% of floor\" is our wall-clock throughput against that."
    for row in "${ROWS[@]}"; do
      IFS='|' read -r name bytes mode ow _ <<<"$row"
      if [[ "$mode" == "v2+v3, minSdk 24" ]]; then
        echo "For $name ($bytes bytes): 85% of the floor means ≤ $(awk -v b="$bytes" -v s="$SHA_MBS" -v c="$CORES" 'BEGIN { printf "%.3f s", b / (0.85 * s * c * 1e6) }'); ours took $(fmt_time "$ow")."
      fi
    done
  fi
  for label in "${!FLOOR_V123[@]}"; do
    echo "Floor of the $label v1+v2+v3 row (BenchmarkFloorV123, in process: every entry inflated and SHA-256 hashed and the file hashed once, on $CORES cores): ${FLOOR_V123[$label]} MB/s."
  done
  for label in "${!EVIDENCE_RATIO[@]}"; do
    echo "Evidence, $label (BenchmarkVerifyEvidence, in process): v2+v3 alone $(awk -v n="${BASE_NS[$label]}" 'BEGIN { printf "%.1f ms", n / 1e6 }'), with stamp + frosting + v4 $(awk -v n="${EVIDENCE_NS[$label]}" 'BEGIN { printf "%.1f ms", n / 1e6 }'): ${EVIDENCE_RATIO[$label]}× (frosting and v4 each hash the whole file once more, from the same read: the work is 3 SHA-256 passes where v2+v3 alone do one, so its floor is 3× the v2+v3 floor, $(awk -v b="${EVIDENCE_BYTES[$label]:-0}" -v s="${SHA_MBS:-0}" -v c="$CORES" 'BEGIN { if (s > 0 && b > 0) printf "%.0f ms", 3 * b / (s * c * 1e6) / 1e-3; else print "unknown" }') here)."
  done
  for label in "${!FLOOR_EVIDENCE_NS[@]}"; do
    echo "Measured floor of the evidence work, $label (BenchmarkFloorEvidence, in process: the frosting SHA-256 of the whole file on one goroutine, the 1 MiB chunk digests and the v4 tree's 4 KiB leaves on $CORES workers, in-memory bytes, nothing else): $(awk -v n="${FLOOR_EVIDENCE_NS[$label]}" 'BEGIN { printf "%.1f ms", n / 1e6 }')$(if [[ -n "${BASE_NS[$label]:-}" ]]; then awk -v f="${FLOOR_EVIDENCE_NS[$label]}" -v b="${BASE_NS[$label]}" -v e="${EVIDENCE_NS[$label]:-0}" 'BEGIN { printf ", %.2f× the v2+v3 time above (the evidence row cannot go below that ratio); the evidence row took %.2f× this floor", f / b, (e > 0 ? e / f : 0) }'; fi)."
  done
  echo
  echo "### Targets"
  echo
  check() { # DESCRIPTION CONDITION(awk expression, 1 = met)
    if awk "BEGIN { exit !($2) }"; then echo "- [x] $1"; else echo "- [ ] $1 (not met)"; fi
  }
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name bytes mode ow oc orss aw ac arss vw vrss <<<"$row"
    check "$name $mode: ours peak RSS $(fmt_rss "$orss") ≤ 32 MiB" "$orss <= 32768"
    if [[ "$name" == 1G && "$mode" == "v2+v3, minSdk 24" ]]; then
      check "1G v2+v3: ≥ 7× faster than apksigner (got $(awk -v a="$aw" -v o="$ow" 'BEGIN { printf "%.1f×", a / o }'))" "$aw / $ow >= 7"
      if [[ -n "$SHA_MBS" ]]; then
        check "1G v2+v3: ≥ 85% of cores × SHA-256" "($bytes / $ow / 1e6) / ($SHA_MBS * $CORES) >= 0.85"
      fi
    fi
    if [[ "$mode" == *v1* && -n "${FLOOR_V123[$name]:-}" && ( "$name" == 100M || "$name" == 1G ) ]]; then
      check "$name v1+v2+v3: ≥ 80% of its floor (${FLOOR_V123[$name]} MB/s)" "($bytes / $ow / 1e6) / ${FLOOR_V123[$name]} >= 0.8"
    fi
    if [[ "$mode" == manifest* ]]; then
      check "$name whole process: within 5 ms of a bare Go program's start (got $(fmt_time "$ow"), bare Go $(fmt_time "$GO_FLOOR_WALL"))" "$ow - $GO_FLOOR_WALL <= 0.005"
    fi
  done
  if [[ -n "${EVIDENCE_RATIO[1G]:-}" ]]; then
    check "1G with stamp + frosting + v4: ≤ 1.15× v2+v3 alone (got ${EVIDENCE_RATIO[1G]}×; 3× is the work's floor)" "${EVIDENCE_RATIO[1G]} <= 1.15"
  fi
} | tee "$RESULTS"
echo >&2
echo "(written to $RESULTS)" >&2
