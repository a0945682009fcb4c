#!/bin/bash
# umbrad under systemd: the unit passes `systemd-analyze verify` with no
# output, its offline security exposure stays low, and the daemon speaks the
# notification protocol (READY=1, STATUS=, WATCHDOG=1, STOPPING=1) to the
# socket named in NOTIFY_SOCKET, path or abstract.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze > /dev/null || skip "systemd-analyze not installed"
unit="$TMP/umbrad.service"
sbindir=$(cd "$(dirname "$UMBRAD")" && pwd)
sed -e "s|@sbindir@|$sbindir|; s|@sysconfdir@|/etc|" \
	"$UMBRA_SRCDIR/systemd/umbrad.service.in" > "$unit"
# Documentation= names man pages: let man find ours
mkdir -p "$TMP/man/man8" "$TMP/man/man5"
cp "$UMBRA_SRCDIR/man/umbrad.8" "$TMP/man/man8/"
cp "$UMBRA_SRCDIR/man/umbra.yaml.5" "$TMP/man/man5/"
MANPATH="$TMP/man" systemd-analyze verify "$unit" > "$TMP/verify" 2>&1
st=$?
if [ $st -eq 0 ] && [ ! -s "$TMP/verify" ]; then
	pass "systemd-analyze verify: clean"
else
	fail "systemd-analyze verify: status $st: $(cat "$TMP/verify")"
fi
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
	sed -n 's/.*Overall exposure level for umbrad.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk "BEGIN { exit !($score <= 3.0) }"; then
	pass "systemd-analyze security --offline: exposure $score (<= 3.0)"
else
	fail "systemd-analyze security: exposure '$score'"
fi

printf 'stats_endpoint: ""\nlog_level: warn\n' > "$TMP/c.yaml"
for name in "$TMP/notify.sock" "@umbra-test-$$"; do
	"$PYTHON" - "$name" "$UMBRAD" "$TMP" "$UMBRA_TRACES/real/ndpi_synscan.pcap" <<'PY'
import os, socket, subprocess, sys
name, umbrad, tmp, trace = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
env = dict(os.environ, NOTIFY_SOCKET=name, WATCHDOG_USEC="200000")
p = subprocess.run([umbrad, "-c", tmp + "/c.yaml", "-r", trace, "-o", tmp + "/out"],
                   env=env, timeout=60)
s.setblocking(False)
msgs = []
while True:
    try:
        msgs.append(s.recv(4096).decode())
    except BlockingIOError:
        break
lines = [l for m in msgs for l in m.split("\n")]
status = [i for i, l in enumerate(lines)
          if l.startswith("STATUS=interval 2010-07-04T20:20:00Z: 2011 packets, 1002 flowtuples")]
ok = (p.returncode == 0 and "READY=1" in lines and status
      and lines.index("READY=1") < status[0]
      and "WATCHDOG=1" in lines and lines[-1] == "STOPPING=1")
print(("ok: " if ok else "FAIL: ") + "NOTIFY_SOCKET=%s: %s" % (name, lines[:3] + ["..."] + lines[-2:]))
sys.exit(0 if ok else 1)
PY
	[ $? -eq 0 ] || FAILS=$((FAILS + 1))
done
finish
