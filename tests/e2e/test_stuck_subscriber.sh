#!/bin/bash
# A subscriber that connects and never reads must not slow the daemon: the
# PUB socket drops messages at its high-water mark instead of waiting.
# umbrad publishes 3000 interval messages (and heartbeats) while a pyzmq
# subscriber with a one-message queue and a tiny socket buffer sits on the
# socket; the daemon must still write every file and exit 0, and the
# subscriber, drained at the end, must have lost messages (proof that the
# daemon did not wait for it).  No timing is asserted beyond a generous
# guard against a hang.
. "$(dirname "$0")/lib.sh"

"$UMBRA_GEN" -q -o "$TMP/in.pcap" -n 30000 -d 3000 -S 7 || fail "umbra-gen failed"
ep="ipc://$TMP/stats.sock" # unix sockets: small fixed buffers, unlike loopback TCP
printf 'interval: 1\nthreads: 2\nlog_level: warn\nheartbeat_interval: 1\nstats_endpoint: "%s"\n' "$ep" > "$TMP/c.yaml"

# the stuck subscriber: connects, tells us, sleeps until told, then drains
"$PYTHON" - "$ep" "$TMP/ready" "$TMP/go" "$TMP/count" <<'PY' &
import os, sys, time, zmq
ep, ready, go, count = sys.argv[1:]
ctx = zmq.Context()
s = ctx.socket(zmq.SUB)
s.setsockopt(zmq.RCVHWM, 1)
s.setsockopt(zmq.RCVBUF, 4096)
s.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
s.connect(ep)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
n = 0
s.RCVTIMEO = 1000
try:
    while True:
        s.recv_multipart()
        n += 1
except zmq.Again:
    pass
open(count, "w").write("%d\n" % n)
PY
sub=$!
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done

"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/in.pcap" -o "$TMP/out" 2> "$TMP/log" &
pid=$!
# guard against a hang only: a daemon that waited on the subscriber would
# never finish, since the subscriber reads nothing until told to
for _ in $(seq 600); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2> /dev/null; then
	fail "umbrad still running after 60 s with a stuck subscriber"
	kill -9 "$pid"
fi
wait "$pid"; st=$?
touch "$TMP/go"
wait "$sub"
files=$(avro_files "$TMP/out" | wc -l)
got=$(cat "$TMP/count" 2> /dev/null || echo "?")
[ "$st" = 0 ] && [ "$files" = 3000 ] &&
	pass "stuck subscriber: umbrad wrote all $files files and exited 0" ||
	{ fail "stuck subscriber: exit $st, $files files of 3000"; tail -5 "$TMP/log"; }
if [ "$got" != "?" ] && [ "$got" -lt 3000 ]; then
	pass "stuck subscriber: it lost messages ($got of 3000 delivered): the daemon dropped, not waited"
else
	fail "stuck subscriber: $got messages delivered (expected fewer than 3000)"
fi
finish
