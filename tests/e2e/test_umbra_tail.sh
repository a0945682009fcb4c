#!/bin/bash
# umbra-tail against a real umbrad: two umbra-tail runs (table and --json)
# and a pyzmq subscriber listen while umbrad reads two umbra-gen captures
# as one stream (4 intervals, one of them empty).  Then: both runs exit 0
# after -n 4; the table has a header and exactly 4 rows whose interval
# starts, packets, pps, flowtuples, sources, drops, write times and file
# names are those of the --json objects, which agree with umbra-cat
# --summary of the files; the --json lines are byte for byte what pyzmq
# received.  Also: -t against an endpoint nobody binds exits 1 naming it,
# SIGINT and SIGTERM exit 0, bad usage exits 2.
. "$(dirname "$0")/lib.sh"
UMBRA_TAIL=${UMBRA_TAIL:-$UMBRA_SRCDIR/build/tools/umbra-tail}
[ -x "$UMBRA_TAIL" ] || skip "$UMBRA_TAIL is not built"
"$PYTHON" -c 'import zmq' 2>/dev/null || skip "python3-zmq missing"

sock="ipc://$TMP/s.sock"
printf 'stats_endpoint: "%s"\nlog_level: warn\n' "$sock" > "$TMP/c.yaml"
"$UMBRA_GEN" -q -o "$TMP/a.pcap" -n 3000 -s 1700000100 -d 500 -S 4 || fail "umbra-gen"
"$UMBRA_GEN" -q -o "$TMP/b.pcap" -n 3000 -s 1700001000 -d 200 -S 5 || fail "umbra-gen"

"$UMBRA_TAIL" -e "$sock" -n 4 -t 30 > "$TMP/table.out" 2> "$TMP/table.err" &
tail_pid=$!
"$UMBRA_TAIL" -e "$sock" --json -n 4 -t 30 > "$TMP/json.out" 2> "$TMP/json.err" &
json_pid=$!
# the reference subscriber: each body as received, one per line
"$PYTHON" - "$sock" "$TMP/py.out" <<'PY' &
import sys, zmq
s = zmq.Context().socket(zmq.SUB)
s.connect(sys.argv[1]); s.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
s.setsockopt(zmq.RCVTIMEO, 30000)
with open(sys.argv[2], "wb") as out:
    for _ in range(4):
        topic, body = s.recv_multipart()
        out.write(body + b"\n")
PY
py_pid=$!
sleep 1
# umbrad binds at once; its input comes only once the subscribers have
# connected (PUB drops what is sent before a subscriber joins).
{ sleep 1.5; cat "$TMP/a.pcap"; tail -c +25 "$TMP/b.pcap"; } |
	"$UMBRAD" -c "$TMP/c.yaml" -r - -o "$TMP/out" -n tailtest
rc=$?
[ $rc -eq 0 ] && pass "umbrad exit status 0" || fail "umbrad exit status $rc"
wait $tail_pid; rc=$?
[ $rc -eq 0 ] && pass "umbra-tail -n 4 exits 0" || fail "umbra-tail exit status $rc: $(cat "$TMP/table.err")"
wait $json_pid; rc=$?
[ $rc -eq 0 ] && pass "umbra-tail --json -n 4 exits 0" || fail "umbra-tail --json exit status $rc: $(cat "$TMP/json.err")"
wait $py_pid || fail "the pyzmq subscriber did not get 4 messages"
[ -s "$TMP/table.err" ] && fail "umbra-tail wrote on stderr: $(cat "$TMP/table.err")"
cmp -s "$TMP/json.out" "$TMP/py.out" &&
	pass "--json lines are byte for byte what pyzmq received" ||
	fail "--json output differs from pyzmq's messages"

"$PYTHON" - "$TMP" "$UMBRA_CAT" <<'PY' || FAILS=$((FAILS + 1))
import json, os, subprocess, sys, time
tmp, umbra_cat = sys.argv[1:3]
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
msgs = [json.loads(l) for l in open(tmp + "/json.out", encoding="utf-8")]
check(all(isinstance(m, dict) for m in msgs) and len(msgs) == 4, "--json: 4 lines, each a JSON object")
starts = [m["interval"]["start"] for m in msgs]
check(starts == [1700000100, 1700000400, 1700000700, 1700001000], "--json: the 4 intervals in order: %s" % starts)
check(sum(m["packets"]["total"] for m in msgs) == 6000, "--json: 6000 packets in all")
lines = open(tmp + "/table.out", encoding="utf-8").read().splitlines()
check(len(lines) == 5, "table: a header and 4 rows (%d lines)" % len(lines))
check(lines and lines[0].split()[:3] == ["interval", "(UTC)", "packets"], "table: header line %r" % (lines[:1],))
widths = {len(l) - len(l.split()[-1]) for l in lines}
check(len(widths) == 1, "table: the columns line up")
for m, row in zip(msgs, lines[1:]):
    f = row.split()
    start, length = m["interval"]["start"], m["interval"]["length"]
    d = m["drops"]
    want = [time.strftime("%Y-%m-%d", time.gmtime(start)), time.strftime("%H:%M", time.gmtime(start)),
            str(m["packets"]["total"]), "%.1f" % (m["packets"]["total"] / length), str(m["flowtuples"]),
            str(m["sources"]), str(d["backend"] + d["queue"] + d["aggregator"]),
            "%.1f" % (m["write_seconds"] * 1000), os.path.basename(m["file"]["path"])]
    check(f == want, "table row for %d: %s" % (start, " ".join(f)) + ("" if f == want else " (want %s)" % " ".join(want)))
    out = subprocess.run([umbra_cat, "--summary", "-f", "json", m["file"]["path"]],
                         capture_output=True, check=True).stdout
    s = json.loads(out)
    check(s["records"] == m["flowtuples"] and s["distinct_sources"] == m["sources"]
          and (s["first_interval"] in (None, start)), "interval %d: umbra-cat --summary agrees: %d records, %d sources"
          % (start, s["records"], s["distinct_sources"]))
    check(s["packets"] <= m["packets"]["total"] and (m["packets"]["ipv4"] == 0) == (s["packets"] == 0),
          "interval %d: file packets %d within the %d announced" % (start, s["packets"], m["packets"]["total"]))
empty = [l for l in lines[1:] if l.startswith("2023-11-14 22:25")]
check(len(empty) == 1 and empty[0].split()[2:5] == ["0", "0.0", "0"], "table: the empty interval shows 0 packets")
sys.exit(1 if fails else 0)
PY

# nobody binds: -t gives up, naming the endpoint
none="ipc://$TMP/nobody.sock"
t0=$(date +%s)
"$UMBRA_TAIL" -e "$none" -t 2 > /dev/null 2> "$TMP/t.err"
rc=$?
t1=$(date +%s)
[ $rc -eq 1 ] && pass "-t 2, nothing bound: exit 1" || fail "-t 2, nothing bound: exit $rc"
[ $((t1 - t0)) -le 5 ] && pass "-t 2 gave up in $((t1 - t0)) s" || fail "-t 2 took $((t1 - t0)) s"
grep -qF "no message from $none in 2 s: is umbrad running with stats_endpoint $none?" "$TMP/t.err" &&
	pass "-t 2: the message names the endpoint" || fail "-t 2: stderr was: $(cat "$TMP/t.err")"

# after 5 s of silence, one "waiting" notice, then the -t message
"$UMBRA_TAIL" -e "$none" -t 6 > /dev/null 2> "$TMP/w.err"
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c "waiting for umbrad on $none (nothing received yet)" "$TMP/w.err")" -eq 1 ] &&
	pass "-t 6: one waiting notice, then exit 1" || fail "-t 6: exit $rc, stderr: $(cat "$TMP/w.err")"

# signals end it cleanly
for sig in INT TERM; do
	"$UMBRA_TAIL" -e "$none" > /dev/null 2>&1 &
	pid=$!
	sleep 0.5
	kill -"$sig" $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && pass "SIG$sig: exit 0" || fail "SIG$sig: exit $rc"
done

# usage
"$UMBRA_TAIL" --bogus > "$TMP/u.out" 2> "$TMP/u.err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$TMP/u.out" ] && grep -q '^Usage:' "$TMP/u.err" &&
	pass "bad flag: usage on stderr, exit 2" || fail "bad flag: exit $rc"
for bad in "-n 0" "-n x" "-t -1" "-t" "extra"; do
	# shellcheck disable=SC2086
	"$UMBRA_TAIL" $bad > /dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] && pass "'$bad': exit 2" || fail "'$bad': exit $rc"
done
"$UMBRA_TAIL" --help > "$TMP/h.out" 2>&1 && grep -q '^Usage:' "$TMP/h.out" &&
	pass "--help on stdout, exit 0" || fail "--help"
"$UMBRA_TAIL" -V | grep -q '^umbra-tail ' && pass "-V" || fail "-V"
finish
