#!/bin/bash
# SIGTERM/SIGINT while reading: the open interval is written and renamed,
# umbrad exits 0, and no temporary file is left.  Standard input works as an
# input ("-r -").
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
finish
