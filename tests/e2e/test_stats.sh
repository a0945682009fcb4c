#!/bin/bash
# Interval stats over ZeroMQ, as an operator's script sees them: a pyzmq
# subscriber (the README's) receives one message per interval, topic frame
# "umbra.interval" then a JSON object with every field conf/stats.schema.json
# requires, and the numbers agree with the files written.
. "$(dirname "$0")/lib.sh"
"$PYTHON" -c 'import zmq' 2>/dev/null || skip "python3-zmq missing"
sock="ipc://$TMP/stats.sock"
printf 'stats_endpoint: "%s"\nlog_level: warn\n' "$sock" > "$TMP/c.yaml"
# 4 intervals, one of them without packets: two captures read as one stream
"$UMBRA_GEN" -q -o "$TMP/a.pcap" -n 3000 -s 1700000100 -d 500 -S 4 || fail "umbra-gen"
"$UMBRA_GEN" -q -o "$TMP/b.pcap" -n 3000 -s 1700001000 -d 200 -S 5 || fail "umbra-gen"

# umbrad reads standard input, which the subscriber feeds only once it is
# connected (PUB/SUB drops what is sent before a subscriber joins).
"$PYTHON" - "$sock" "$UMBRAD" "$TMP" "$UMBRA_SRCDIR/conf/stats.schema.json" <<'PY'
import json, subprocess, sys, time, zmq
sock, umbrad, tmp, schema_path = sys.argv[1:5]
schema = json.load(open(schema_path))
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.connect(sock)
sub.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
sub.setsockopt(zmq.RCVTIMEO, 20000)
p = subprocess.Popen([umbrad, "-c", tmp + "/c.yaml", "-r", "-", "-o", tmp + "/out",
                      "-n", "statstest"], stdin=subprocess.PIPE)
time.sleep(1.0)  # the daemon binds, the subscriber connects
with open(tmp + "/a.pcap", "rb") as a, open(tmp + "/b.pcap", "rb") as b:
    data = a.read() + b.read()[24:]  # one stream: drop b's file header
p.stdin.write(data)
p.stdin.close()
msgs = []
try:
    while len(msgs) < 4:
        topic, body = sub.recv_multipart()
        assert topic == b"umbra.interval", topic
        msgs.append(json.loads(body))
except zmq.Again:
    pass
rc = p.wait(timeout=60)
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
check(rc == 0, "umbrad exit status %d" % rc)
check([m["interval"]["start"] for m in msgs] == [1700000100, 1700000400, 1700000700, 1700001000],
      "one message per interval, in order, the empty one included: %s" % [m["interval"]["start"] for m in msgs])
def missing(obj, sch, path=""):
    out = []
    for k in sch.get("required", []):
        if k not in obj:
            out.append(path + k)
        elif isinstance(obj[k], dict) and "properties" in sch.get("properties", {}).get(k, {}):
            out += missing(obj[k], sch["properties"][k], path + k + ".")
    return out
for m in msgs:
    miss = missing(m, schema)
    check(not miss, "interval %d: every required field (%s)" % (m["interval"]["start"], ", ".join(miss) or "all there"))
    pk = m["packets"]
    check(pk["total"] == pk["ipv4"] + pk["ipv6"] + pk["non_ip"] + pk["malformed"],
          "interval %d: packet counters partition the total (%d)" % (m["interval"]["start"], pk["total"]))
    check(m["monitor"] == "statstest" and m["version"] == 1 and m["interval"]["length"] == 300,
          "monitor, version and length")
check(sum(m["packets"]["total"] for m in msgs) == 6000, "6000 packets in all")
empty = [m for m in msgs if m["interval"]["start"] == 1700000700]
check(empty and empty[0]["packets"]["total"] == 0 and empty[0]["flowtuples"] == 0
      and empty[0]["file"]["committed"], "the empty interval: 0 packets, its file committed")
import avro.datafile, avro.io, os
for m in msgs:
    path = m["file"]["path"]
    with open(path, "rb") as f:
        n = sum(1 for _ in avro.datafile.DataFileReader(f, avro.io.DatumReader()))
    check(n == m["flowtuples"] and os.path.getsize(path) == m["file"]["bytes"],
          "interval %d: the file holds the %d flowtuples announced, %d bytes" % (m["interval"]["start"], n, m["file"]["bytes"]))
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || FAILS=$((FAILS + 1))
finish
