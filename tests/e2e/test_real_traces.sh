#!/bin/bash
# End-to-end: umbrad on every capture in traces/real/, checked against the
# independent reference tests/e2e/ft4ref.py (FLOWTUPLE4.md sections 1-5).
#
# For each capture: run
#   $UMBRAD -c CONF -r URI -o OUTDIR -n test -T 2
# (URI = erf:PATH for ERF files, else PATH), require exit status 0, then
# compare_ft4.py checks that OUTDIR holds exactly one file per interval
# from first packet to last, in the Spark layout, with the flowtuple4.avsc
# writer schema and the reference's records in the reference's order.
# Captures of the same packets in different containers must give identical
# output (SAME_GROUPS).
#
# Environment:
#   UMBRAD          daemon binary (default ./daemon/umbrad, then
#                   $UMBRA_SRCDIR/daemon/umbrad)
#   UMBRA_SRCDIR    repo root (default: two levels above this script)
#   UMBRA_TRACES    trace corpus (default $UMBRA_SRCDIR/../shared/traces)
#   UMBRA_PYTHON    python with avro+yaml (default /usr/bin/python3)
#   UMBRA_TEST_TIMEOUT  seconds per umbrad run (default 300)
#   UMBRA_E2E_MALFORMED=1  also compare malformed/packet/* with the
#                   reference, and require malformed/container/* not to
#                   crash umbrad (exit status below 128, no timeout)
#   UMBRA_KEEP=1    keep the temporary directory
# Exit: 0 pass, 1 fail, 77 skip.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${UMBRA_SRCDIR:-$(cd "$HERE/../.." && pwd)}
TRACES=${UMBRA_TRACES:-$SRCDIR/../shared/traces}
PY=${UMBRA_PYTHON:-/usr/bin/python3}
TIMEOUT=${UMBRA_TEST_TIMEOUT:-300}
if [ -z "${UMBRAD:-}" ]; then
    UMBRAD=./daemon/umbrad
    [ -x "$UMBRAD" ] || UMBRAD=$SRCDIR/daemon/umbrad
fi

# ---- per-file expectations -------------------------------------------------
# name | extra YAML config lines (';'-separated, '-' for none) |
# pinned interval count | pinned record count ('-' = not pinned).
# The pinned counts come from ft4ref.py and guard the reference itself;
# files in real/ that are not listed are still compared, without pins.
EXPECTATIONS='
esnet_masscan_tcp_0_1000_20190821.pcap        | - | 1   | 1001
esnet_masscan_udp_0_1000_20190821.pcap        | - | 1   | 1001
esnet_nmap_80_all.pcap                        | - | 1   | 38
libtrace_100_packets.erf                      | - | 1   | 59
libtrace_100_packets.pcap                     | - | 1   | 59
libtrace_100_packets.pcapng                   | - | 1   | 59
libtrace_5_packets.erf.bz2                    | - | 1   | 5
libtrace_5_packets.erf.xz                     | - | 1   | 5
libtrace_fragtest.erf.gz                      | - | 1   | 2962
libtrace_sll.pcap.gz                          | - | 1   | 15
ndpi_4in4tunnel.pcap                          | - | 407 | 5
ndpi_ocs.pcap                                 | - | 2   | 12
ndpi_synscan.pcap                             | - | 1   | 1002
ndpi_tcp_scan.pcapng                          | - | 2   | 14
stopddos_amp.TCP.reflection.SYNACK.pcap       | - | 1   | 7832
stopddos_amp.UDP.snmp.src161.pcapng           | - | 1   | 4294
stopddos_amp.dns.RRSIG.fragmented.pcap        | - | 1   | 349
stopddos_pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng  | - | 1   | 9697
stopddos_pkt.TCP.synflood.spoofed.pcap.gz     | - | 1   | 37623
zeek_gre-sample.pcap                          | - | 1   | 2
zeek_linux_dlt_sll2.pcap                      | - | 6   | 2
zeek_pcapng-multi-interface.pcapng            | - | 2   | 5
zeek_ping6-in-ipv4.pcap                       | - | 1   | 2
zeek_wikipedia.pcap                           | - | 1   | 32
'
# Captures of the same packets: their outputs must be identical.
# NB: libtrace_100_packets.erf is NOT in the first group although the trace
# README says the three files hold the same packets: in the .pcap and
# .pcapng every frame byte 0x0d of the .erf reads 0x0a (test_ref_selfcheck.sh
# asserts exactly that), which changes the TCP ports of three flowtuples.
# The .erf output is still compared with the reference for the .erf.
SAME_GROUPS=(
    "libtrace_100_packets.pcap libtrace_100_packets.pcapng"
    "libtrace_5_packets.erf.bz2 libtrace_5_packets.erf.xz"
)

# ---- preconditions ----------------------------------------------------------
skip() { echo "SKIP: $*"; exit 77; }
[ -d "$TRACES/real" ] || skip "no trace corpus at $TRACES"
[ -x "$UMBRAD" ] || skip "no umbrad binary at $UMBRAD (set UMBRAD)"
"$PY" -c 'import avro, yaml' 2>/dev/null || skip "$PY lacks avro/yaml"
command -v timeout >/dev/null || skip "no timeout(1)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/umbra-e2e-real.XXXXXX") || exit 1
if [ "${UMBRA_KEEP:-0}" = 1 ]; then
    echo "keeping $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
fi

fails=0
checked=0

field() {   # field NAME COLUMN: a column of NAME's EXPECTATIONS row, or ''
    printf '%s\n' "$EXPECTATIONS" | awk -F'|' -v n="$1" -v c="$2" '
        { gsub(/^[ \t]+|[ \t]+$/, "", $1) }
        $1 == n { v = $c; gsub(/^[ \t]+|[ \t]+$/, "", v); print v; exit }'
}

is_erf() { case "$1" in *.erf|*.erf.*) return 0;; esac; return 1; }

# run_umbrad REL: runs umbrad on $TRACES/REL into $TMP/out/REL; sets
# OUT, CONF, LOG, RC.
run_umbrad() {
    local rel=$1 path=$TRACES/$1 extra uri
    OUT=$TMP/out/$rel
    CONF=$TMP/conf/$rel.yaml
    LOG=$TMP/log/$rel.log
    mkdir -p "$OUT" "$(dirname "$CONF")" "$(dirname "$LOG")"
    printf 'stats_endpoint: ""\n' > "$CONF"
    extra=$(field "$(basename "$rel")" 2)
    if [ -n "$extra" ] && [ "$extra" != - ]; then
        printf '%s\n' "$extra" | tr ';' '\n' | sed 's/^ *//' >> "$CONF"
    fi
    uri=$path
    is_erf "$rel" && uri=erf:$path
    timeout "$TIMEOUT" "$UMBRAD" -c "$CONF" -r "$uri" -o "$OUT" -n test -T 2 \
        > "$LOG" 2>&1
    RC=$?
}

fail() {
    echo "FAIL $1: $2"
    [ -n "${3:-}" ] && sed 's/^/    /' "$3" | head -40
    fails=$((fails + 1))
}

# check_file REL: the full comparison against the reference.
check_file() {
    local rel=$1 name pins=() ni nr erf=() res
    name=$(basename "$rel")
    checked=$((checked + 1))
    run_umbrad "$rel"
    if [ "$RC" -ne 0 ]; then
        fail "$rel" "umbrad exit status $RC" "$LOG"
        return
    fi
    ni=$(field "$name" 3)
    nr=$(field "$name" 4)
    [ -n "$ni" ] && [ "$ni" != - ] && pins+=(--expect-intervals "$ni")
    [ -n "$nr" ] && [ "$nr" != - ] && pins+=(--expect-records "$nr")
    is_erf "$rel" && erf=(--erf)
    res=$TMP/log/$rel.compare
    if "$PY" "$HERE/compare_ft4.py" output --conf "$CONF" --monitor test \
            "${pins[@]}" "${erf[@]}" "$OUT" "$TRACES/$rel" > "$res" 2>&1; then
        echo "PASS $rel: $(tail -1 "$res" | sed 's/^ok: //')"
    else
        fail "$rel" "output differs from reference" "$res"
    fi
}

# check_no_crash REL: only that umbrad survives the input.
check_no_crash() {
    local rel=$1
    checked=$((checked + 1))
    run_umbrad "$rel"
    if [ "$RC" -ge 124 ]; then
        fail "$rel" "umbrad crashed or hung (status $RC)" "$LOG"
    else
        echo "PASS $rel: no crash (exit status $RC)"
    fi
}

# ---- run --------------------------------------------------------------------
for path in "$TRACES"/real/*; do
    [ -f "$path" ] || continue
    check_file "real/$(basename "$path")"
done

for group in "${SAME_GROUPS[@]}"; do
    # shellcheck disable=SC2086  # split the group into names
    set -- $group
    first=$1
    shift
    for other in "$@"; do
        if [ ! -d "$TMP/out/real/$first" ] || [ ! -d "$TMP/out/real/$other" ]; then
            continue
        fi
        res=$TMP/log/same.$first.$other
        if "$PY" "$HERE/compare_ft4.py" same --monitor test \
                "$TMP/out/real/$first" "$TMP/out/real/$other" > "$res" 2>&1; then
            echo "PASS same output: $first = $other"
        else
            fail "same output: $first vs $other" "outputs differ" "$res"
        fi
    done
done

if [ "${UMBRA_E2E_MALFORMED:-0}" = 1 ]; then
    for path in "$TRACES"/malformed/packet/*; do
        [ -f "$path" ] && check_file "malformed/packet/$(basename "$path")"
    done
    for path in "$TRACES"/malformed/container/*; do
        [ -f "$path" ] && check_no_crash "malformed/container/$(basename "$path")"
    done
fi

echo "$checked capture(s) checked, $fails failure(s)"
[ "$fails" -eq 0 ] || exit 1
exit 0
