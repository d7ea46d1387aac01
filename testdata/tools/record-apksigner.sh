# record-apksigner.sh: sourced by the testdata/make-*.sh scripts.
#
# record_apksigner OUT ARGS...: runs apksigner ARGS and writes to OUT the
# command line, its output (stdout and stderr) and its exit code, so that a
# fixture's recorded answer shows exactly what was asked.
record_apksigner() {
  local out=$1 rc
  shift
  {
    echo "\$ apksigner $*"
    set +e
    apksigner "$@" 2>&1
    rc=$?
    set -e
    echo "exit code: $rc"
  } >"$out"
}
