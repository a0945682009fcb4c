#!/bin/bash
# Log targets and SIGHUP, on a running umbrad that reads a fifo kept open:
#   - log_target file: every line lands in the file, timestamped, none on
#     stderr; mv the file + SIGHUP: a new file is created and used;
#   - SIGHUP with a changed log_level: applied at once; a changed interval:
#     named in one line as needing a restart; log_target changed at run time;
#   - SIGHUP with a broken file: umbrad runs on, logs FILE:LINE:COL;
#   - log_target syslog: the lines reach /dev/log (a socket of this test's
#     own, in a private mount namespace: root and unshare needed, else
#     skipped), and without /dev/log umbrad refuses to start.
. "$(dirname "$0")/lib.sh"
PCAP="$UMBRA_TRACES/real/ndpi_synscan.pcap"
[ -r "$PCAP" ] || skip "no $PCAP"
LINE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z umbrad\[[0-9]+\] (error|warn|info|debug): '

count() { grep -cE -- "$2" "$1" 2> /dev/null; }
# wait_count FILE ERE N: until N lines of FILE match (at most 20 s)
wait_count() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# start ARGS...: umbrad on a fifo held open by fd 3; PID is its pid
start() { fifo_start "$TMP/stderr" "$@"; }
# finish: feed a capture, close the fifo, wait (at most 30 s); sets ST
finish_run() { fifo_end "$PCAP"; }
conf() { # KEY: VALUE lines -> $TMP/c.yaml
	printf 'stats_endpoint: ""\n' > "$TMP/c.yaml"
	printf '%s\n' "$@" >> "$TMP/c.yaml"
}

# ---- file target, reopen, reload ----------------------------------------
mkdir -p "$TMP/log"
LOG="$TMP/log/umbrad.log"
conf "log_level: info" "log_target: file" "log_file: $LOG" "interval: 300"
start -c "$TMP/c.yaml" -o "$TMP/out"
if wait_for "$LOG" 'info: input 1: -$'; then
	bad=$(grep -cvE "$LINE_RE" "$LOG")
	if [ "$bad" = 0 ] && grep -qE "umbrad\[$PID\] info: umbrad .*monitor" "$LOG" &&
		! grep -qE "$LINE_RE" "$TMP/stderr"; then
		pass "log_target file: $(wc -l < "$LOG") timestamped lines in the file, none on stderr"
	else
		fail "log_target file: $bad malformed line(s); stderr: $(head -3 "$TMP/stderr")"
	fi
else
	fail "log_target file: nothing in $LOG: $(head -3 "$TMP/stderr")"
fi

mv "$LOG" "$LOG.1"
kill -HUP $PID
if wait_for "$LOG" 'SIGHUP: configuration reloaded'; then
	n1=$(wc -l < "$LOG.1")
	sleep 0.3
	if [ "$(wc -l < "$LOG.1")" = "$n1" ] && ! grep -q 'configuration reloaded' "$LOG.1"; then
		pass "mv + SIGHUP: a new $LOG is created and used, the old one is left alone"
	else
		fail "mv + SIGHUP: lines still go to the moved file"
	fi
else
	fail "mv + SIGHUP: no new log file: $(ls "$TMP/log"); $(tail -2 "$LOG.1")"
fi

# log_level warn and interval 60: the level applies, the interval needs a restart
conf "log_level: warn" "log_target: file" "log_file: $LOG" "interval: 60"
kill -HUP $PID
if wait_for "$LOG" 'warn: SIGHUP: changed, but applied only by a restart: interval$'; then
	pass "SIGHUP: a changed interval is named as needing a restart"
else
	fail "SIGHUP: no 'restart' line naming interval: $(tail -3 "$LOG")"
fi
grep -q 'SIGHUP: log_level info -> warn' "$LOG" &&
	pass "SIGHUP: the log_level change is logged" ||
	fail "SIGHUP: no 'log_level info -> warn' line: $(tail -3 "$LOG")"
infos=$(count "$LOG" ' info: ')
kill -HUP $PID
if wait_count "$LOG" 'restart: interval$' 2; then
	[ "$(count "$LOG" ' info: ')" = "$infos" ] &&
		pass "SIGHUP: log_level warn applies at once (no info line after it)" ||
		fail "SIGHUP: info lines still logged at log_level warn: $(tail -3 "$LOG")"
else
	fail "SIGHUP: the second reload did not log its restart line"
fi

conf "log_level: debug" "log_target: file" "log_file: $LOG" "interval: 300"
kill -HUP $PID
if wait_for "$LOG" 'debug: SIGHUP: no setting that needs a restart changed'; then
	pass "SIGHUP: log_level debug applies at once; interval back to its running value"
else
	fail "SIGHUP: no debug line after log_level debug: $(tail -3 "$LOG")"
fi

# a broken file: FILE:LINE:COL in the log, umbrad runs on with its settings
conf "log_level: error" "log_target: file" "log_file: $LOG" "threads: lots"
kill -HUP $PID
if wait_for "$LOG" "error: SIGHUP: $TMP/c.yaml:5:[0-9]+: .*threads"; then
	sleep 0.2
	if kill -0 $PID 2> /dev/null; then
		pass "SIGHUP with a broken file: $(grep -oE 'c\.yaml:5:[0-9]+' "$LOG" | head -1) logged, umbrad runs on"
	else
		fail "SIGHUP with a broken file: umbrad died"
	fi
else
	fail "SIGHUP with a broken file: no FILE:LINE:COL error: $(tail -3 "$LOG")"
fi
# the old settings stay: still at debug (the broken file said error)
conf "log_level: debug" "log_target: file" "log_file: $LOG" "interval: 300"
kill -HUP $PID
wait_count "$LOG" 'debug: SIGHUP: no setting that needs a restart' 2 &&
	! grep -q 'log_level debug -> error' "$LOG" &&
	pass "SIGHUP with a broken file: the running log_level stays" ||
	fail "SIGHUP with a broken file: settings changed: $(tail -3 "$LOG")"

# log_target back to stderr at run time
conf "log_level: info" "log_target: stderr" "log_file: $LOG"
kill -HUP $PID
wait_for "$TMP/stderr" 'SIGHUP: logging to stderr from now on' &&
	grep -q 'SIGHUP: log_target file -> stderr' "$LOG" &&
	pass "SIGHUP: log_target file -> stderr, announced in both" ||
	fail "SIGHUP: log_target not switched: $(tail -2 "$TMP/stderr")"

finish_run
if [ $ST = 0 ] && grep -q 'exiting with status 0' "$TMP/stderr" &&
	[ "$(avro_files "$TMP/out" | wc -l)" -ge 1 ]; then
	pass "umbrad went on reading after the reloads, wrote its file and exited 0"
else
	fail "after the reloads: exit $ST: $(tail -3 "$TMP/stderr")"
fi

# an unusable log_file stops umbrad at start, on stderr
conf "log_target: file" "log_file: $TMP/no/such/dir/u.log"
"$UMBRAD" -c "$TMP/c.yaml" -r "$PCAP" -o "$TMP/out2" 2> "$TMP/err"
st=$?
[ $st = 1 ] && grep -q "log_file $TMP/no/such/dir/u.log: cannot open" "$TMP/err" &&
	pass "an unusable log_file: exit 1 with the path on stderr" ||
	fail "unusable log_file: exit $st: $(head -2 "$TMP/err")"

# ---- syslog ------------------------------------------------------------
# In a private mount namespace /dev is a fresh tmpfs (the real devices are
# reached through a descriptor on the real /dev): there /dev/log is first
# missing, then a socket of this test's.
cat > "$TMP/listen.py" << 'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[2], "w").close()          # ready
s.settimeout(0.5)
end = time.time() + 30
with open(sys.argv[1], "w") as out:
    while time.time() < end:
        try:
            msg = s.recv(4096).decode("utf-8", "replace")
        except socket.timeout:
            continue
        out.write(msg.rstrip("\n") + "\n"); out.flush()
        if "exiting with status" in msg:
            break
EOF
cat > "$TMP/ns.sh" << 'EOF'
set -u
exec 9< /dev
mount -t tmpfs -o mode=755 tmpfs /dev || exit 3
for d in null zero full random urandom tty; do ln -s "/proc/$$/fd/9/$d" "/dev/$d"; done
ln -s /proc/self/fd /dev/fd
printf 'stats_endpoint: ""\nlog_target: syslog\n' > "$T/s.yaml"
"$UMBRAD" -c "$T/s.yaml" -r "$PCAP" -o "$T/sout" 2> "$T/nolog.err"
echo $? > "$T/nolog.st"
"$PYTHON" "$T/listen.py" "$T/syslog.txt" "$T/ready" &
lp=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
"$UMBRAD" -c "$T/s.yaml" -r "$PCAP" -o "$T/sout" 2> "$T/syslog.err"
echo $? > "$T/syslog.st"
wait $lp
EOF
if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2> /dev/null; then
	echo "SKIP: syslog target: needs root and unshare -m (a private /dev/log)"
else
	T="$TMP" UMBRAD="$UMBRAD" PCAP="$PCAP" PYTHON="$PYTHON" \
		unshare -m --propagation private bash "$TMP/ns.sh"
	if [ "$(cat "$TMP/nolog.st" 2> /dev/null)" = 1 ] &&
		grep -q 'log_target syslog: /dev/log: No such file' "$TMP/nolog.err"; then
		pass "log_target syslog without /dev/log: exit 1, says so on stderr"
	else
		fail "syslog without /dev/log: exit $(cat "$TMP/nolog.st" 2> /dev/null): $(head -2 "$TMP/nolog.err")"
	fi
	# <30> = LOG_DAEMON (3 << 3) | LOG_INFO (6)
	if [ "$(cat "$TMP/syslog.st" 2> /dev/null)" = 0 ] &&
		grep -qE '^<30>.*umbrad\[[0-9]+\]: umbrad .*monitor' "$TMP/syslog.txt" &&
		grep -qE '^<30>.*umbrad\[[0-9]+\]: exiting with status 0' "$TMP/syslog.txt" &&
		! grep -qE "$LINE_RE" "$TMP/syslog.err"; then
		pass "log_target syslog: $(wc -l < "$TMP/syslog.txt") lines on /dev/log as daemon.info, ident umbrad[pid]"
	else
		fail "log_target syslog: exit $(cat "$TMP/syslog.st" 2> /dev/null): $(head -2 "$TMP/syslog.txt") / $(head -2 "$TMP/syslog.err")"
	fi
fi
finish
