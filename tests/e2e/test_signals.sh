#!/bin/bash
# SIGTERM/SIGINT while reading: the open interval is written and renamed,
# umbrad exits 0, and no temporary file is left.  Standard input works as an
# input ("-r -").  A read that waits for data (a fifo held open, nothing
# more coming) does not hold a stop back: the open interval is written and
# umbrad exits 0 at once.
. "$(dirname "$0")/lib.sh"
printf 'stats_endpoint: ""\nlog_level: info\n' > "$TMP/c.yaml"
"$UMBRA_GEN" -q -o "$TMP/big.pcap.gz" -n 3000000 -d 1800 -S 3 || fail "umbra-gen"

for sig in TERM INT; do
	rm -rf "$TMP/out"
	"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/big.pcap.gz" -o "$TMP/out" -T 2 2> "$TMP/err" &
	pid=$!
	# wait until the first interval has been written, then signal
	for _ in $(seq 100); do
		grep -q 'interval .*->' "$TMP/err" && break
		sleep 0.05
	done
	kill -$sig $pid
	wait $pid
	st=$?
	n=$(avro_files "$TMP/out" | wc -l)
	pk=$("$UMBRA_CAT" --summary -f json $(avro_files "$TMP/out") 2>/dev/null |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
	if [ $st -eq 0 ] && grep -q "finishing the open interval" "$TMP/err" &&
		[ "$n" -ge 2 ] && [ -z "$(find "$TMP/out" -name '.*')" ] && [ "$pk" -gt 0 ]; then
		pass "SIG$sig: exit 0, $n valid files ($pk packets), no temporary file"
	elif [ $st -eq 0 ] && ! grep -q "finishing the open interval" "$TMP/err"; then
		skip "umbrad finished before SIG$sig arrived"
	else
		fail "SIG$sig: exit $st, $n files, $pk packets: $(tail -3 "$TMP/err")"
	fi
done

# standard input
rm -rf "$TMP/out"
"$UMBRAD" -c "$TMP/c.yaml" -r - -o "$TMP/out" < "$UMBRA_TRACES/real/ndpi_synscan.pcap" 2> "$TMP/err"
st=$?
pk=$("$UMBRA_CAT" --summary -f json $(avro_files "$TMP/out") 2>/dev/null |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[ $st -eq 0 ] && [ "$pk" = 2011 ] && pass "-r - reads a pcap from standard input" ||
	fail "-r -: exit $st, $pk packets: $(tail -2 "$TMP/err")"

# a fifo that stays open with nothing more to read: SIGTERM/SIGINT end it
for sig in TERM INT; do
	rm -rf "$TMP/out"
	fifo_start "$TMP/err" -c "$TMP/c.yaml" -o "$TMP/out"
	cat "$UMBRA_TRACES/real/ndpi_synscan.pcap" >&3
	sleep 1 # read, then blocked in read(2) waiting for more
	t0=$(date +%s%N)
	kill -"$sig" "$PID"
	for ((i = 0; i < 50; i++)); do kill -0 "$PID" 2> /dev/null || break; sleep 0.1; done
	ms=$((($(date +%s%N) - t0) / 1000000))
	fifo_end
	pk=$("$UMBRA_CAT" --summary -f json $(avro_files "$TMP/out") 2>/dev/null |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
	if [ "$ST" = 0 ] && [ "$pk" = 2011 ] && [ "$ms" -lt 5000 ] && grep -q "waiting for data" "$TMP/err"; then
		pass "SIG$sig while a fifo waits for data: exit 0 after ${ms} ms, the open interval written ($pk packets)"
	else
		fail "SIG$sig on a waiting fifo: exit $ST after ${ms} ms, $pk packets: $(tail -3 "$TMP/err")"
	fi
done
finish
