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
#
# --heartbeat against a long-running umbrad (reading a fifo held open,
# heartbeat_interval 1): heartbeat lines come within a few seconds, show
# the packets fed so far, and agree field by field with what a pyzmq
# subscriber got; the interval rows are still there, each under a header;
# -n counts interval messages only; --json --heartbeat passes both kinds
# through byte for byte, told apart by "uptime_seconds" / "interval";
# heartbeats keep -t from firing, and it fires once umbrad is gone; SIGINT
# exits 0; without -b no heartbeat line shows.  A fake publisher checks
# that a heartbeat lacking a field, or not JSON, is reported and skipped.
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

# --heartbeat, against an umbrad that runs until its fifo is closed
wait_for() { # FILE ERE SECONDS: until a line of FILE matches
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE -- "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}
hsock="ipc://$TMP/h.sock"
printf 'stats_endpoint: "%s"\nlog_level: warn\nheartbeat_interval: 1\n' "$hsock" > "$TMP/h.yaml"
# 3072 packets over two intervals (22:15, 22:20): a multiple of 1024, the
# batch in which umbrad counts a file input's packets, so that the
# heartbeats reach the exact count while the fifo waits for more
"$UMBRA_GEN" -q -o "$TMP/h.pcap" -n 3072 -s 1700000100 -d 500 -S 4 || fail "umbra-gen"
mkfifo "$TMP/in.fifo" || fail "mkfifo"
"$UMBRA_TAIL" -e "$hsock" -b -n 2 -t 30 > "$TMP/hb.out" 2> "$TMP/hb.err" &
hb_pid=$!
"$UMBRA_TAIL" -e "$hsock" --json --heartbeat -n 2 -t 30 > "$TMP/hj.out" 2> "$TMP/hj.err" &
hj_pid=$!
"$UMBRA_TAIL" -e "$hsock" -n 2 -t 30 > "$TMP/hn.out" 2> "$TMP/hn.err" &
hn_pid=$!
"$UMBRA_TAIL" -e "$hsock" -b -t 4 > "$TMP/ht.out" 2> "$TMP/ht.err" &
ht_pid=$!
"$UMBRA_TAIL" -e "$hsock" -b > "$TMP/hi.out" 2> "$TMP/hi.err" &
hi_pid=$!
# the reference subscriber: both topics, until the second interval
"$PYTHON" - "$hsock" "$TMP/hpy" <<'PY' &
import sys, zmq
s = zmq.Context().socket(zmq.SUB)
s.connect(sys.argv[1])
for t in (b"umbra.interval", b"umbra.heartbeat"):
    s.setsockopt(zmq.SUBSCRIBE, t)
s.setsockopt(zmq.RCVTIMEO, 30000)
n = 0
with open(sys.argv[2] + ".out", "wb") as out, open(sys.argv[2] + ".topics", "wb") as tp:
    while n < 2:
        topic, body = s.recv_multipart()
        out.write(body + b"\n")
        tp.write(topic + b"\n")
        n += topic == b"umbra.interval"
PY
hpy_pid=$!
sleep 1
t0=$(date +%s%N)
timeout 60 "$UMBRAD" -c "$TMP/h.yaml" -r "$TMP/in.fifo" -o "$TMP/hout" -n hbtest &
umbrad_pid=$!
exec 3<> "$TMP/in.fifo" # held open (read-write: never blocks) until the end
if wait_for "$TMP/hb.out" '^~ ' 5; then
	pass "--heartbeat: a heartbeat line $((($(date +%s%N) - t0) / 1000000)) ms after umbrad started"
else
	fail "--heartbeat: no heartbeat line within 5 s: $(cat "$TMP/hb.out" "$TMP/hb.err")"
fi
grep -E '^~ ' "$TMP/hb.out" | head -1 | grep -qE ' 0 packets .* open -$' &&
	pass "--heartbeat: before any input, 0 packets and no open interval" ||
	fail "--heartbeat: first heartbeat line: $(grep -E '^~ ' "$TMP/hb.out" | head -1)"
timeout 30 cat "$TMP/h.pcap" >&3
wait_for "$TMP/hb.out" '^~ .* 3072 packets .* open 2023-11-14 22:20$' 8 &&
	pass "--heartbeat: the heartbeats reach the 3072 packets fed, 22:20 open" ||
	fail "--heartbeat: no heartbeat line with 3072 packets: $(grep -E '^~ ' "$TMP/hb.out" | tail -3)"
kill -INT $hi_pid
wait $hi_pid
rc=$?
[ $rc -eq 0 ] && grep -qE '^~ ' "$TMP/hi.out" &&
	pass "--heartbeat: SIGINT while heartbeats come: exit 0" || fail "--heartbeat: SIGINT: exit $rc"
sleep 5 # heartbeats only, no interval message: -t 4 must hold
kill -0 $ht_pid 2> /dev/null &&
	pass "-b -t 4: heartbeats keep it going through 5 s without an interval" ||
	fail "-b -t 4 gave up while umbrad was beating: $(cat "$TMP/ht.err")"
exec 3>&- # the end of input: umbrad writes the 22:20 interval and exits
wait $umbrad_pid
rc=$?
[ $rc -eq 0 ] && pass "umbrad on a fifo: exit status 0" || fail "umbrad on a fifo: exit status $rc"
for x in "hb $hb_pid -b -n 2" "hj $hj_pid --json --heartbeat -n 2" "hn $hn_pid -n 2 (no -b)"; do
	read -r name pid what <<< "$x"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] && pass "umbra-tail $what: exit 0" || fail "umbra-tail $what: exit $rc: $(cat "$TMP/$name.err")"
	[ -s "$TMP/$name.err" ] && fail "umbra-tail $what wrote on stderr: $(cat "$TMP/$name.err")"
done
wait $hpy_pid || fail "the pyzmq subscriber did not get 2 interval messages"
wait $ht_pid
rc=$?
[ $rc -eq 1 ] && grep -qF "no message from $hsock in 4 s" "$TMP/ht.err" &&
	pass "-b -t 4: exit 1 once umbrad is gone" || fail "-b -t 4: exit $rc, stderr: $(cat "$TMP/ht.err")"

"$PYTHON" - "$TMP" "$UMBRA_SRCDIR/conf/heartbeat.schema.json" <<'PY' || FAILS=$((FAILS + 1))
import json, os, re, sys, time
tmp, schema = sys.argv[1:3]
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
required = json.load(open(schema))["required"]
raw = open(tmp + "/hpy.out", "rb").read().splitlines()
topics = open(tmp + "/hpy.topics", "rb").read().splitlines()
py = [json.loads(b) for b in raw]
beats = [m for m, t in zip(py, topics) if t == b"umbra.heartbeat"]
ivs = [m for m, t in zip(py, topics) if t == b"umbra.interval"]
check(len(ivs) == 2 and [m["interval"]["start"] for m in ivs] == [1700000100, 1700000400]
      and sum(m["packets"]["total"] for m in ivs) == 3072, "pyzmq: intervals 22:15 and 22:20, 3072 packets")
check(all(("uptime_seconds" in m) == (t == b"umbra.heartbeat") and ("interval" in m) == (t == b"umbra.interval")
          for m, t in zip(py, topics)), "pyzmq: uptime_seconds only in heartbeats, interval only in intervals")

# --json --heartbeat: byte for byte the last messages pyzmq got
jl = open(tmp + "/hj.out", "rb").read().splitlines()
check(len(jl) >= 5 and jl == raw[len(raw) - len(jl):],
      "--json --heartbeat: %d lines, byte for byte pyzmq's last %d messages" % (len(jl), len(jl)))
jm = [json.loads(l) for l in jl]
jb = [m for m in jm if "uptime_seconds" in m]
ji = [m for m in jm if "interval" in m]
check(len(ji) == 2 and len(jb) == len(jm) - 2 and len(jb) >= 3,
      "--json --heartbeat: %d heartbeat objects and 2 interval objects (-n 2 counts intervals only)" % len(jb))
check(all(set(required) <= set(m) for m in jb), "--json --heartbeat: every heartbeat has the schema's required keys")

# the table: each heartbeat line is one of pyzmq's heartbeats, field by field
def hb_line(m):
    f = max((a["queue_fill"] for a in m["aggregators"]), default=None)
    op = m["open_interval"]
    return (["~", time.strftime("%H:%M:%S", time.gmtime(int(m["time"]))), "%.1f" % m["pps"], "pps",
             str(m["packets"]), "packets", "%.1f" % m["drops_per_second"], "drops/s",
             str(m["drops"]["backend"] + m["drops"]["queue"]), "drops", "queue",
             "-" if f is None else "%.1f%%" % (f * 100), "open"]
            + (time.strftime("%Y-%m-%d %H:%M", time.gmtime(op)).split() if op else ["-"]))
want = [hb_line(m) for m in beats]
lines = open(tmp + "/hb.out", encoding="utf-8").read().splitlines()
hl = [l for l in lines if l.startswith("~ ")]
rows = [i for i, l in enumerate(lines) if re.match(r"\d{4}-\d\d-\d\d ", l)]
heads = [l for l in lines if l.split()[:2] == ["interval", "(UTC)"]]
check(len(hl) + len(rows) + len(heads) == len(lines), "table: every line a heartbeat, a header or a row")
check(len(hl) >= 3 and len(rows) == 2, "table: %d heartbeat lines and 2 interval rows (-n 2)" % len(hl))
bad = [l for l in hl if l.split() not in want]
check(not bad, "table: every heartbeat line shows a heartbeat pyzmq got" + ("" if not bad else ": %r" % bad[:2]))
check(len({l.index(" open ") for l in hl}) == 1, "table: the heartbeat lines line up")
check(all(i > 0 and lines[i - 1].startswith("interval (UTC)") for i in rows),
      "table: a header right above each row that follows heartbeat lines")
for i, m in zip(rows, ivs):
    f = lines[i].split()
    start = time.gmtime(m["interval"]["start"])
    check(f[:3] == [time.strftime("%Y-%m-%d", start), time.strftime("%H:%M", start), str(m["packets"]["total"])]
          and f[-1] == os.path.basename(m["file"]["path"]), "table: interval row %s" % " ".join(f))
plain = open(tmp + "/hn.out", encoding="utf-8").read().splitlines()
check(len(plain) == 3 and plain[1:] == [lines[i] for i in rows], "without -b: a header and the same 2 rows, no heartbeat")
sys.exit(1 if fails else 0)
PY

# a fake publisher: a heartbeat lacking a field, or not JSON, is reported
# and skipped; --json checks only the grammar, as for interval messages
fsock="ipc://$TMP/f.sock"
"$PYTHON" - "$fsock" "$TMP/py.out" <<'PY' &
import json, sys, zmq
s = zmq.Context().socket(zmq.XPUB)
s.setsockopt(zmq.XPUB_VERBOSE, 1) # every subscription, repeated ones too
s.bind(sys.argv[1])
s.setsockopt(zmq.RCVTIMEO, 20000)
for _ in range(4): # both umbra-tail runs have subscribed to both topics
    s.recv()
hb = {"version": 1, "monitor": "fake", "time": 1700000000.5, "uptime_seconds": 2.0, "live": True,
      "open_interval": 1699999800, "packets": 1234, "pps": 61.7, "drops": {"backend": 2, "queue": 3},
      "drops_per_second": 0.25, "capture": [],
      "aggregators": [{"id": 0, "queue_fill": 0.5}, {"id": 1, "queue_fill": 0.125}]}
nopps = dict(hb)
del nopps["pps"]
iv = open(sys.argv[2], "rb").readline().rstrip(b"\n")
for topic, body in ((b"umbra.heartbeat", json.dumps(nopps).encode()), (b"umbra.heartbeat", b'{"pps": 1,'),
                    (b"umbra.heartbeat", json.dumps(hb).encode()), (b"umbra.interval", iv)):
    s.send_multipart([topic, body])
PY
fake_pid=$!
"$UMBRA_TAIL" -e "$fsock" -b -n 1 -t 20 > "$TMP/f.out" 2> "$TMP/f.err" &
f_pid=$!
"$UMBRA_TAIL" -e "$fsock" -b --json -n 1 -t 20 > "$TMP/fj.out" 2> "$TMP/fj.err"
rc=$?
wait $f_pid
rc2=$?
wait $fake_pid || fail "the fake publisher failed"
[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && pass "fake publisher: -b -n 1 and -b --json -n 1 exit 0" ||
	fail "fake publisher: exit $rc2 and $rc: $(cat "$TMP/f.err" "$TMP/fj.err")"
want='~ 22:13:20       61.7 pps         1234 packets      0.2 drops/s          5 drops  queue  50.0%  open 2023-11-14 22:10'
[ "$(wc -l < "$TMP/f.out")" -eq 3 ] && [ "$(head -1 "$TMP/f.out")" = "$want" ] &&
	pass "fake publisher: the good heartbeat's line, then a header and the row" ||
	fail "fake publisher: the table was: $(cat "$TMP/f.out")"
grep -qF "warning: message 1: not a heartbeat object (no field pps); skipped" "$TMP/f.err" &&
	grep -qF "warning: message 2: not a heartbeat object (at byte 10: expected a member name); skipped" "$TMP/f.err" &&
	[ "$(wc -l < "$TMP/f.err")" -eq 2 ] &&
	pass "fake publisher: a heartbeat without pps and one not JSON reported and skipped" ||
	fail "fake publisher: stderr was: $(cat "$TMP/f.err")"
[ "$(wc -l < "$TMP/fj.out")" -eq 3 ] && [ "$(wc -l < "$TMP/fj.err")" -eq 1 ] &&
	pass "fake publisher: --json passes the 3 valid objects, skips the one not JSON" ||
	fail "fake publisher: --json: $(cat "$TMP/fj.out" "$TMP/fj.err")"

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
