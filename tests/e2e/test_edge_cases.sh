#!/bin/bash
# Edge rules of FLOWTUPLE4.md on hand-made captures (make_edge_pcaps.py).
#
# 1. The reference ft4ref.py must meet the hand-written expectations in
#    expect.json (so the reference is not the only oracle).  Runs without
#    umbrad.
# 2. For each capture and for -T 1 and -T 3:
#      $UMBRAD -c CONF -r [PREFIX]CAPTURE -o OUTDIR -n test -T N
#    must exit 0, its output must equal the reference (compare_ft4.py
#    output: files, layout, schema, codec, records, order) and meet the
#    hand-written expectations.
#
# Environment: UMBRAD, UMBRA_SRCDIR, UMBRA_PYTHON, UMBRA_TEST_TIMEOUT,
# UMBRA_KEEP as in test_real_traces.sh; UMBRA_EDGE_ONLY=REGEX restricts the
# captures by name; UMBRA_EDGE_THREADS (default "1 3").
# Exit: 0 pass, 1 fail, 77 skip (no umbrad: after the reference checks).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${UMBRA_SRCDIR:-$(cd "$HERE/../.." && pwd)}
PY=${UMBRA_PYTHON:-/usr/bin/python3}
TIMEOUT=${UMBRA_TEST_TIMEOUT:-300}
THREADS=${UMBRA_EDGE_THREADS:-1 3}
ONLY=${UMBRA_EDGE_ONLY:-.}
if [ -z "${UMBRAD:-}" ]; then
    UMBRAD=./daemon/umbrad
    [ -x "$UMBRAD" ] || UMBRAD=$SRCDIR/daemon/umbrad
fi

"$PY" -c 'import avro, yaml' 2>/dev/null || {
    echo "SKIP: $PY lacks avro/yaml"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/umbra-e2e-edge.XXXXXX") || exit 1
if [ "${UMBRA_KEEP:-0}" = 1 ]; then
    echo "keeping $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
fi
CAPS=$TMP/captures
"$PY" "$HERE/make_edge_pcaps.py" "$CAPS" > /dev/null || {
    echo "FAIL: make_edge_pcaps.py"; exit 1; }

fails=0
fail() {
    echo "FAIL $1"
    [ -n "${2:-}" ] && sed 's/^/    /' "$2" | head -40
    fails=$((fails + 1))
}

# conf_for NAME EXTRA: writes the umbrad config of one capture, prints path
conf_for() {
    local conf=$TMP/conf/$1.yaml
    mkdir -p "$TMP/conf"
    printf 'stats_endpoint: ""\n' > "$conf"
    [ "$2" != - ] && printf '%s\n' "$2" | tr ';' '\n' | sed 's/^ *//' >> "$conf"
    echo "$conf"
}

# ---- 1. the reference against the hand-written expectations ------------
while IFS=$'\t' read -r name extra prefix; do
    [[ $name =~ $ONLY ]] || continue
    conf=$(conf_for "$name" "$extra")
    erf=()
    [ "$prefix" = erf: ] && erf=(--erf)
    res=$TMP/ref.$name.txt
    if "$PY" "$HERE/compare_ft4.py" literal --conf "$conf" "${erf[@]}" \
            "$CAPS/expect.json" "$name" "$CAPS/$name" > "$res" 2>&1; then
        echo "PASS ft4ref meets hand-written expectations: $name"
    else
        fail "ft4ref vs hand-written expectations: $name" "$res"
    fi
done < "$CAPS/manifest.tsv"

if [ ! -x "$UMBRAD" ]; then
    echo "reference: $fails failure(s)"
    [ "$fails" -eq 0 ] || exit 1
    echo "SKIP: no umbrad binary at $UMBRAD (set UMBRAD)"
    exit 77
fi

# ---- 2. umbrad against the reference and the expectations ---------------
for t in $THREADS; do
    while IFS=$'\t' read -r name extra prefix; do
        [[ $name =~ $ONLY ]] || continue
        conf=$(conf_for "$name" "$extra")
        out=$TMP/out.T$t/$name
        log=$TMP/log.T$t.$name
        mkdir -p "$out"
        uri=$CAPS/$name
        erf=()
        if [ "$prefix" = erf: ]; then uri=erf:$uri; erf=(--erf); fi
        timeout "$TIMEOUT" "$UMBRAD" -c "$conf" -r "$uri" -o "$out" -n test \
            -T "$t" > "$log" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            fail "umbrad -T $t $name: exit status $rc" "$log"
            continue
        fi
        res=$TMP/cmp.T$t.$name
        if ! "$PY" "$HERE/compare_ft4.py" output --conf "$conf" \
                --monitor test "${erf[@]}" "$out" "$CAPS/$name" \
                > "$res" 2>&1; then
            fail "umbrad -T $t $name: differs from ft4ref" "$res"
            continue
        fi
        if ! "$PY" "$HERE/compare_ft4.py" literal --conf "$conf" \
                --monitor test --outdir "$out" "$CAPS/expect.json" "$name" \
                > "$res.lit" 2>&1; then
            fail "umbrad -T $t $name: hand-written expectations" "$res.lit"
            continue
        fi
        echo "PASS umbrad -T $t $name: $(tail -1 "$res" | sed 's/^ok: //')"
    done < "$CAPS/manifest.tsv"
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ] || exit 1
exit 0
