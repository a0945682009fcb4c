#!/bin/bash
# Live capture through libtrace (int:IFACE, pcapint:IFACE) on a veth pair
# whose other end sits in a network namespace the test makes:
#   - a real capture replayed over the veth gives the flowtuples of reading
#     the same file (records compared without time), every packet counted
#     (libtrace's live formats may drop under load: a run that counted
#     drops is judged on the accounting alone);
#   - an idle link still gives one (empty) file per interval, closed by the
#     wall clock within close_grace;
#   - heartbeats arrive between intervals;
#   - SIGINT writes the open interval and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"
live_setup
# umbrad in a namespace of its own with the capturing end: libtrace's int:
# opens its socket before binding it to the interface, so here it could
# catch a packet or two of the loopback traffic of tests running beside
# this one; the stats go over ipc://
live_rx_namespace
RX=(ip netns exec "$LIVE_RXNS")

TRACE="$UMBRA_TRACES/real/esnet_masscan_tcp_0_1000_20190821.pcap"
[ -f "$TRACE" ] || skip "$TRACE not found"

# ---- replay == file read ----------------------------------------------
for fmt in int pcapint; do
	live_wait_day_boundary
	ep="ipc://$TMP/$fmt.sock"
	printf 'interval: 86400\nclose_grace: 2\nthreads: 2\nlog_level: info\nstats_endpoint: "%s"\nheartbeat_interval: 1\n' \
		"$ep" > "$TMP/live.yaml"
	rm -rf "$TMP/live" "$TMP/ref" "$TMP/stats.jsonl" "$TMP/hb.jsonl"
	live_subscribe "$ep" "$TMP/stats.jsonl"
	sub=$LIVE_SUB
	live_subscribe "$ep" "$TMP/hb.jsonl" umbra.heartbeat
	hb=$LIVE_SUB
	"${RX[@]}" "$UMBRAD" -c "$TMP/live.yaml" -r "$fmt:$LIVE_IF" -o "$TMP/live" 2> "$TMP/live.log" &
	pid=$!
	# capture is running once the log says so
	wait_for "$TMP/live.log" "capturing on" 50
	sleep 0.5
	sent=$(live_replay "$TRACE" 2000)
	sleep 2.5 # heartbeats at 1 s
	kill -INT "$pid"
	wait "$pid"; st=$?
	sleep 0.5
	kill "$sub" "$hb" 2> /dev/null; wait "$sub" "$hb" 2> /dev/null
	if [ "$st" != 0 ]; then
		fail "$fmt: umbrad exited $st on SIGINT"; cat "$TMP/live.log"; continue
	fi
	pass "$fmt: SIGINT during capture: exit 0"
	"$UMBRAD" -c "$(quiet_conf)" --interval 86400 -T 2 -r "$TRACE" -o "$TMP/ref" 2> "$TMP/ref.log" ||
		fail "$fmt: reference read of the file failed"
	if "$PYTHON" "$E2E/compare_live.py" "$TMP/live" "$TMP/ref" \
		--stats "$TMP/stats.jsonl" --sent "$sent" --allow-drops > "$TMP/cmp.out" 2>&1; then
		pass "$fmt: $sent packets replayed: same flowtuples as the file, every packet accounted for ($(tail -1 "$TMP/cmp.out"))"
	else
		fail "$fmt: live flowtuples differ from the file's"; cat "$TMP/cmp.out"; tail -5 "$TMP/live.log"
	fi
	n=$(wc -l < "$TMP/hb.jsonl")
	read=$("$PYTHON" -c 'import json,sys; print(sum(json.loads(l)["packets"]["total"] for l in open(sys.argv[1])))' "$TMP/stats.jsonl")
	if [ "$n" -ge 2 ] && "$PYTHON" - "$TMP/hb.jsonl" "$read" "$UMBRA_SRCDIR/conf/heartbeat.schema.json" <<'PY'
import json, sys
hb = [json.loads(l) for l in open(sys.argv[1])]
schema = json.load(open(sys.argv[3]))
last = hb[-1]
missing = [k for k in schema["required"] if k not in last]
assert not missing, missing
item = schema["properties"]["capture"]["items"]["required"]
assert all(k in c for c in last["capture"] for k in item), last["capture"]
assert last["live"] is True
assert last["packets"] >= int(sys.argv[2]), (last["packets"], sys.argv[2])
assert len(last["aggregators"]) == 2 and all(0 <= a["queue_fill"] <= 1 for a in last["aggregators"])
assert len(last["capture"]) == 1 and last["capture"][0]["queue"] == 0
assert max(h["pps"] for h in hb) > 0
PY
	then
		pass "$fmt: $n heartbeats with every field, packets and rates"
	else
		fail "$fmt: heartbeats missing or wrong ($n received)"; tail -2 "$TMP/hb.jsonl"
	fi
done

# ---- an idle link: one empty file per interval, closed by the clock ------
rm -rf "$TMP/idle"
printf 'interval: 2\nclose_grace: 1\nthreads: 1\nlog_level: info\nstats_endpoint: ""\n' > "$TMP/idle.yaml"
"${RX[@]}" "$UMBRAD" -c "$TMP/idle.yaml" -r "int:$LIVE_IF" -o "$TMP/idle" 2> "$TMP/idle.log" &
pid=$!
t0=$(date +%s)
sleep 7.5
files_running=$(avro_files "$TMP/idle" | wc -l)
kill -INT "$pid"; wait "$pid"; st=$?
files=$(avro_files "$TMP/idle" | wc -l)
# 7.5 s of 2-s intervals with a 1-s grace: at least 3 closed while running
if [ "$st" = 0 ] && [ "$files_running" -ge 3 ] && [ "$files" -ge $((files_running + 1)) ]; then
	pass "idle link: $files_running files closed by the clock while running, $files after SIGINT"
else
	fail "idle link: $files_running files while running, $files at the end (exit $st)"; cat "$TMP/idle.log"
fi
starts=$(avro_files "$TMP/idle" | sed 's/.*_\([0-9]*\)\.ft4\.avro/\1/' | sort -n)
gaps=$(echo "$starts" | awk 'NR > 1 && $1 - prev != 2 { bad = 1 } { prev = $1 } END { print bad + 0 }')
if [ "$gaps" = 0 ]; then
	pass "idle link: consecutive 2-s intervals, no gap"
else
	fail "idle link: interval starts not consecutive: $starts"
fi
grep -q "interval .*: 0 packets" "$TMP/idle.log" && pass "idle link: empty intervals logged" ||
	fail "idle link: no empty interval in the log"
finish
