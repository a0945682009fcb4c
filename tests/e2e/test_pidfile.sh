#!/bin/bash
# The pidfile (--pidfile, key pidfile): written at start with the pid,
# removed at exit (also after a second SIGTERM); a second umbrad with the
# same pidfile is refused while the first runs; a stale one (its process
# gone, or a live process that is not umbrad, or garbage) is taken over and
# the log says so.
. "$(dirname "$0")/lib.sh"
PCAP="$UMBRA_TRACES/real/ndpi_synscan.pcap"
[ -r "$PCAP" ] || skip "no $PCAP"
printf 'stats_endpoint: ""\n' > "$TMP/c.yaml"
PF="$TMP/run/umbrad.pid"
mkdir -p "$TMP/run"

# start NAME ARGS...: umbrad on a fifo held open by fd 3 (stderr in
# $TMP/NAME.err); PID is its pid
start() {
	local name=$1
	shift
	fifo_start "$TMP/$name.err" -c "$TMP/c.yaml" "$@" -o "$TMP/out"
}
# end: feed a capture, close the fifo, wait (at most 30 s); sets ST
end() { fifo_end "$PCAP"; }
run() { # NAME ARGS...: umbrad on the capture file; sets ST
	local name=$1
	shift
	"$UMBRAD" -c "$TMP/c.yaml" "$@" -r "$PCAP" -o "$TMP/out" 2> "$TMP/$name.err"
	ST=$?
}

# written, a second instance refused, removed at exit
start first --pidfile "$PF"
if wait_for "$TMP/first.err" "pidfile $PF: pid $PID\$" && [ "$(cat "$PF")" = "$PID" ]; then
	pass "pidfile written with the pid ($PID)"
else
	fail "pidfile: '$(cat "$PF" 2> /dev/null)', want $PID: $(head -3 "$TMP/first.err")"
fi
run second --pidfile "$PF"
if [ $ST = 1 ] && grep -q "pidfile $PF: umbrad (pid $PID) is running with it: not starting a second one" "$TMP/second.err" &&
	[ "$(cat "$PF")" = "$PID" ] && [ -z "$(avro_files "$TMP/out" 2> /dev/null)" ]; then
	pass "a second umbrad with the same pidfile: refused, exit 1, naming pid $PID"
else
	fail "second umbrad: exit $ST, pidfile '$(cat "$PF" 2> /dev/null)': $(grep -E 'error' "$TMP/second.err" | head -2)"
fi
end
[ $ST = 0 ] && [ ! -e "$PF" ] && pass "pidfile removed at exit (status 0)" ||
	fail "at exit: status $ST, pidfile $(ls "$PF" 2> /dev/null): $(tail -2 "$TMP/first.err")"

# stale: a dead pid
sh -c 'exit 0' &
dead=$!
wait $dead
echo "$dead" > "$PF"
run stale --pidfile "$PF"
if [ $ST = 0 ] && grep -q "pidfile $PF: stale (pid $dead is not a running umbrad): taken over" "$TMP/stale.err" &&
	[ ! -e "$PF" ]; then
	pass "stale pidfile (pid $dead gone): taken over, logged, removed at exit"
else
	fail "stale pidfile: exit $ST: $(grep pidfile "$TMP/stale.err" | head -2)"
fi

# stale: the pid of a live process that is not umbrad (pid reuse)
sleep 30 &
other=$!
echo "$other" > "$PF"
run reused --pidfile "$PF"
[ $ST = 0 ] && grep -q "stale (pid $other is not a running umbrad): taken over" "$TMP/reused.err" &&
	pass "pidfile naming a live non-umbrad process (pid $other): taken over" ||
	fail "pid reused: exit $ST: $(grep pidfile "$TMP/reused.err" | head -2)"
kill $other 2> /dev/null
wait $other 2> /dev/null

# stale: garbage, via the configuration key
printf 'garbage\n' > "$PF"
printf 'stats_endpoint: ""\npidfile: "%s"\n' "$PF" > "$TMP/pf.yaml"
"$UMBRAD" -c "$TMP/pf.yaml" -r "$PCAP" -o "$TMP/out" 2> "$TMP/garbage.err"
ST=$?
[ $ST = 0 ] && grep -q "stale (no pid in it): taken over" "$TMP/garbage.err" && [ ! -e "$PF" ] &&
	pass "key pidfile; a pidfile without a pid: taken over" ||
	fail "garbage pidfile: exit $ST: $(grep pidfile "$TMP/garbage.err" | head -2)"

# a live umbrad named in a pidfile it did not lock (written by hand)
start nolock
wait_for "$TMP/nolock.err" 'info: input 1: -$'
echo "$PID" > "$PF"
run handmade --pidfile "$PF"
[ $ST = 1 ] && grep -q "umbrad (pid $PID) is running with it" "$TMP/handmade.err" &&
	[ "$(cat "$PF")" = "$PID" ] &&
	pass "a pidfile naming a live umbrad (not locked): refused" ||
	fail "hand-made pidfile of a live umbrad: exit $ST: $(grep -E 'error|pidfile' "$TMP/handmade.err" | head -2)"
end
rm -f "$PF"

# a second SIGTERM exits at once (status 1) and still removes the pidfile.
# The first one must leave work to do: the open interval holds about 700k
# flowtuples written at deflate level 12 (seconds), and the second SIGTERM
# comes while they are written.
"$UMBRA_GEN" -q -o "$TMP/big.pcap" -n 1000000 -m worst -d 60 -S 2 || fail "umbra-gen failed"
printf 'stats_endpoint: ""\ninterval: 86400\ndeflate_level: 12\n' > "$TMP/slow.yaml"
fifo_start "$TMP/twice.err" -c "$TMP/slow.yaml" --pidfile "$PF" -o "$TMP/out"
wait_for "$TMP/twice.err" "pidfile $PF: pid" || fail "no pidfile line: $(head -3 "$TMP/twice.err")"
cat "$TMP/big.pcap" >&3 # returns once umbrad has read all but a pipe's worth
sleep 1
kill -TERM $PID
wait_for "$TMP/twice.err" 'finishing the open interval'
kill -TERM $PID
for ((i = 0; i < 100; i++)); do kill -0 $PID 2> /dev/null || break; sleep 0.1; done
kill -0 $PID 2> /dev/null && kill -9 $PID
wait $PID
ST=$?
exec 3>&-
[ $ST = 1 ] && [ ! -e "$PF" ] && pass "second SIGTERM: exit 1, pidfile removed" ||
	fail "second SIGTERM: exit $ST, pidfile $(ls "$PF" 2> /dev/null): $(tail -2 "$TMP/twice.err")"

# a pidfile that cannot be created: exit 1 before reading
run nodir --pidfile "$TMP/no/such/dir/u.pid"
[ $ST = 1 ] && grep -q "pidfile $TMP/no/such/dir/u.pid: cannot open: No such file" "$TMP/nodir.err" &&
	pass "pidfile in a missing directory: exit 1 with the reason" ||
	fail "pidfile in a missing directory: exit $ST: $(head -2 "$TMP/nodir.err")"
finish
