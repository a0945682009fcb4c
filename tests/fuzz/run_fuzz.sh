#!/bin/bash
# run_fuzz.sh NAME [SEED_DIR...]: run the libFuzzer target NAME for
# $UMBRA_FUZZ_SECONDS (default 20) from the committed corpus and the seed
# directories; any crash, leak or sanitizer report fails the test and leaves
# the reproducer in the log.
set -u
name=$1
shift
bin="$UMBRA_TESTBIN/fuzz/$name"
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/umbra-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
seeds=()
corpus="$UMBRA_SRCDIR/tests/fuzz/corpus/${name#fuzz_}"
[ -d "$corpus" ] && seeds+=("$corpus")
for d in "$@"; do [ -d "$d" ] && seeds+=("$d"); done
secs=${UMBRA_FUZZ_SECONDS:-20}
echo "fuzzing $name for ${secs}s from ${seeds[*]:-(no seeds)}"
cd "$work"
"$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
	-print_final_stats=1 "$work" "${seeds[@]}" 2>&1 | tail -25
st=${PIPESTATUS[0]}
[ $st -eq 0 ] && echo "ok: $name ran ${secs}s without a finding" || echo "FAIL: $name found a crash (status $st)"
exit $st
