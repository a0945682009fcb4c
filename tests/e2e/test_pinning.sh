#!/bin/bash
# capture_cpus and aggregator_cpus: each thread runs only on its CPU
# (thread i on item i mod n), read back from /proc; a bad CPU number is
# refused at start with the file position; an unusable CPU is a warning.
. "$(dirname "$0")/lib.sh"

ncpu=$(nproc)
last=$((ncpu - 1))
"$UMBRA_GEN" -q -o "$TMP/in.pcap" -n 2000 -S 3 || fail "umbra-gen failed"
PCAP="$TMP/in.pcap"
printf 'stats_endpoint: ""\nlog_level: debug\nthreads: 2\ncapture_cpus: ["%s"]\naggregator_cpus: ["0", "%s"]\n' \
	"$last" "$last" > "$TMP/c.yaml"
fifo_start "$TMP/err" -c "$TMP/c.yaml" -o "$TMP/out"
sleep 1
# the threads' names and allowed CPUs
for d in /proc/"$PID"/task/*; do
	printf '%s %s\n' "$(cat "$d/comm")" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$d/status")"
done > "$TMP/threads"
fifo_end "$PCAP"
want="umbra-cap0 $last
umbra-agg0 0
umbra-agg1 $last"
got=$(grep -E '^umbra-(cap|agg)' "$TMP/threads" | sort)
if [ "$got" = "$(echo "$want" | sort)" ] && [ "$ST" = 0 ]; then
	pass "threads pinned as configured: $(echo "$got" | tr '\n' ';')"
else
	fail "pinning: expected [$want], got [$got] (exit $ST)"; cat "$TMP/err"
fi
other=$(grep -vE '^umbra-(cap|agg)' "$TMP/threads" | awk -v l="$last" '$2 != "0-" l && $2 != l' | head -3)
[ -z "$other" ] && pass "the other threads are not pinned" || fail "other threads pinned: $other"

# a CPU number that is not one: refused with the line and column
printf 'capture_cpus: ["1x"]\n' > "$TMP/bad.yaml"
"$UMBRAD" -c "$TMP/bad.yaml" --print-config > /dev/null 2> "$TMP/bad.err"
st=$?
if [ "$st" = 1 ] && grep -q "bad.yaml:1:.*expected a CPU number 0..1023, got '1x'" "$TMP/bad.err"; then
	pass "a bad CPU number is refused with its position"
else
	fail "bad CPU number: exit $st: $(cat "$TMP/bad.err")"
fi
# a CPU this machine does not have: the thread runs unpinned, with a warning
printf 'stats_endpoint: ""\nlog_level: warn\ncapture_cpus: ["1023"]\n' > "$TMP/big.yaml"
"$UMBRAD" -c "$TMP/big.yaml" -r "$PCAP" -o "$TMP/out2" 2> "$TMP/big.err"
st=$?
if [ "$st" = 0 ] && grep -q "cannot pin capture thread 0 to CPU 1023" "$TMP/big.err"; then
	pass "a CPU the machine lacks: a warning, and the run goes on"
else
	fail "missing CPU: exit $st: $(cat "$TMP/big.err")"
fi
finish
