#!/bin/bash
# Temporary files left by a run that died are reported at the next start
# and moved aside, never deleted and never left where the interval written
# again would overwrite them; a killed umbrad leaves nothing under a final
# name.
. "$(dirname "$0")/lib.sh"
conf=$(quiet_conf)
trace="$UMBRA_TRACES/real/ndpi_synscan.pcap"
part="$TMP/out/datasource=umbra/year=2010/month=07/day=04/hour=20"
mkdir -p "$part" "$TMP/out/other"
printf 'half a file' > "$part/.umbra_1278274800.ft4.avro.tmp"
printf 'another' > "$TMP/out/other/.x_1.ft4.avro.tmp"
printf 'not ours' > "$TMP/out/other/.keep"
"$UMBRAD" -c "$conf" --log-level warn -r "$trace" -o "$TMP/out" 2> "$TMP/err"
st=$?
moved=$(find "$TMP/out" -name '.*.incomplete-*' | wc -l)
if [ $st -eq 0 ] && [ "$moved" = 2 ] &&
	grep -q "leftover temporary file .*\.umbra_1278274800\.ft4\.avro\.tmp" "$TMP/err" &&
	[ -z "$(find "$TMP/out" -name '*.tmp')" ] && [ -f "$TMP/out/other/.keep" ]; then
	pass "2 leftovers reported and moved aside, other dot-files untouched"
else
	fail "exit $st, $moved moved: $(cat "$TMP/err")"
fi
grep -q 'half a file' "$part"/.umbra_1278274800.ft4.avro.incomplete-* &&
	pass "the leftover's bytes are kept" || fail "leftover content lost"
n=$("$PYTHON" -c '
import sys, avro.datafile, avro.io
with open(sys.argv[1], "rb") as f:
    print(sum(1 for _ in avro.datafile.DataFileReader(f, avro.io.DatumReader())))' "$part/umbra_1278274800.ft4.avro")
[ "$n" = 1002 ] && pass "the interval was written again in full (1002 records)" || fail "rewritten file holds '$n'"

# a run killed hard mid-write leaves no file under a final name
"$UMBRA_GEN" -q -o "$TMP/big.pcap" -n 2000000 -d 600 -S 9 || fail "umbra-gen"
"$UMBRAD" -c "$conf" -r "$TMP/big.pcap" -o "$TMP/killed" -T 2 2> /dev/null &
pid=$!
sleep 0.5
kill -KILL $pid
wait $pid 2> /dev/null
bad=0
for f in $(avro_files "$TMP/killed"); do
	"$PYTHON" -c '
import sys, avro.datafile, avro.io
with open(sys.argv[1], "rb") as f:
    sum(1 for _ in avro.datafile.DataFileReader(f, avro.io.DatumReader()))' "$f" 2> /dev/null || bad=1
done
[ $bad = 0 ] && pass "after SIGKILL every file under a final name is complete ($(avro_files "$TMP/killed" | wc -l) files)" ||
	fail "SIGKILL left a broken file under a final name"
"$UMBRAD" -c "$conf" --log-level warn -r "$trace" -o "$TMP/killed" 2> "$TMP/err2"
left=$(find "$TMP/killed" -name '*.tmp' | wc -l)
[ "$left" = 0 ] && pass "the next start leaves no .tmp file behind" || fail "$left .tmp files remain"
finish
