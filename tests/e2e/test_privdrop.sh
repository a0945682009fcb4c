#!/bin/bash
# Leaving root (--user, keys user and group), as root only:
#   - --user nobody with an output dir nobody owns: while umbrad runs, every
#     thread has nobody's uid and gid (real, effective, saved, filesystem)
#     and no capability (CapEff, CapPrm); the file it writes is nobody's;
#   - key group: that group instead of the user's primary one;
#   - an output dir the user cannot write, an unknown user or group: a clear
#     error and exit 1;
#   - not root: a warning, and umbrad runs on.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "not root: leaving root needs root"
getent passwd nobody > /dev/null || skip "no user nobody"
PCAP="$UMBRA_TRACES/real/ndpi_synscan.pcap"
[ -r "$PCAP" ] || skip "no $PCAP"
NU=$(id -u nobody)
NG=$(id -g nobody)
# LeakSanitizer (ASan build) cannot trace a process that left root: the
# kernel makes it undumpable.  The leak check runs in the other tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
chmod 755 "$TMP" # nobody must reach the output directory
printf 'stats_endpoint: ""\n' > "$TMP/c.yaml"

start() { fifo_start "$TMP/err" "$@"; }  # ARGS...: umbrad on a fifo; PID
end() { fifo_end "$PCAP"; } # feed a capture, close the fifo, wait; ST
# check_ids PID UID GID: every thread's ids and capabilities
check_ids() {
	local st bad=0 n=0
	for st in /proc/$1/task/*/status; do
		n=$((n + 1))
		grep -qP "^Uid:\t$2\t$2\t$2\t$2$" "$st" || bad=1
		grep -qP "^Gid:\t$3\t$3\t$3\t$3$" "$st" || bad=1
		grep -qP '^CapEff:\t0+$' "$st" || bad=1
		grep -qP '^CapPrm:\t0+$' "$st" || bad=1
	done
	[ $bad = 0 ] && [ $n -ge 2 ] && echo $n
}

mkdir "$TMP/out"
chown nobody "$TMP/out"
start -c "$TMP/c.yaml" --user nobody -o "$TMP/out"
if wait_for "$TMP/err" "switched to user nobody \\(uid $NU\\), group [^ ]+ \\(gid $NG\\)"; then
	if n=$(check_ids $PID "$NU" "$NG"); then
		pass "--user nobody: all $n threads run as uid $NU gid $NG, CapEff 0"
	else
		fail "--user nobody: ids or capabilities: $(grep -E '^(Uid|Gid|CapEff|CapPrm)' /proc/$PID/status | tr '\n\t' '  ')"
	fi
else
	fail "--user nobody: no 'switched to user' line: $(tail -3 "$TMP/err")"
fi
end
files=$(avro_files "$TMP/out")
owners=$(for f in $files; do stat -c %u "$f"; done | sort -u)
if [ $ST = 0 ] && [ -n "$files" ] && [ "$owners" = "$NU" ]; then
	pass "--user nobody: exit 0, its file is owned by nobody"
else
	fail "--user nobody: exit $ST, files '$files' owned by '$owners': $(tail -3 "$TMP/err")"
fi

# key group
if getent group daemon > /dev/null; then
	DG=$(getent group daemon | cut -d: -f3)
	printf 'stats_endpoint: ""\nuser: nobody\ngroup: daemon\n' > "$TMP/g.yaml"
	rm -rf "$TMP/out"/*
	chmod 777 "$TMP/out"
	start -c "$TMP/g.yaml" -o "$TMP/out"
	wait_for "$TMP/err" "switched to user nobody .*group daemon \\(gid $DG\\)" &&
		check_ids $PID "$NU" "$DG" > /dev/null &&
		pass "keys user and group: uid $NU, gid $DG (daemon)" ||
		fail "key group: $(grep -E '^(Uid|Gid)' /proc/$PID/status | tr '\n\t' '  '): $(tail -2 "$TMP/err")"
	end
fi

# what cannot work: exit 1 with a clear message, nothing written
mkdir "$TMP/rootout"
chmod 755 "$TMP/rootout"
check_refused() { # WHAT ERE ARGS...
	local what=$1 re=$2
	shift 2
	"$UMBRAD" -c "$TMP/c.yaml" "$@" -r "$PCAP" 2> "$TMP/err"
	local st=$?
	if [ $st = 1 ] && grep -qE -- "error: $re" "$TMP/err" &&
		[ -z "$(avro_files "$TMP/rootout")" ]; then
		pass "$what: exit 1, '$(grep -oE -- "$re" "$TMP/err" | head -1)'"
	else
		fail "$what: exit $st: $(grep -E 'error' "$TMP/err" | head -2)"
	fi
}
check_refused "an output dir nobody cannot write" \
	"output_dir $TMP/rootout: not writable by user 'nobody' \\(uid $NU\\): Permission denied" \
	--user nobody -o "$TMP/rootout"
check_refused "an output dir nobody cannot create" \
	"output_dir $TMP/rootout/a/b: user 'nobody' \\(uid $NU\\) cannot create it in $TMP/rootout: Permission denied" \
	--user nobody -o "$TMP/rootout/a/b"
check_refused "an unknown user" "user 'no-such-user-umbra': no such user" \
	--user no-such-user-umbra -o "$TMP/rootout"
printf 'stats_endpoint: ""\ngroup: no-such-group-umbra\n' > "$TMP/badg.yaml"
"$UMBRAD" -c "$TMP/badg.yaml" --user nobody -r "$PCAP" -o "$TMP/rootout" 2> "$TMP/err"
st=$?
[ $st = 1 ] && grep -q "error: group 'no-such-group-umbra': no such group" "$TMP/err" &&
	pass "an unknown group: exit 1, named" ||
	fail "an unknown group: exit $st: $(grep error "$TMP/err" | head -2)"

# not root: a warning, and on it goes
if command -v setpriv > /dev/null; then
	mkdir "$TMP/out2"
	chown nobody "$TMP/out2"
	setpriv --reuid="$NU" --regid="$NG" --clear-groups \
		"$UMBRAD" -c "$TMP/c.yaml" --user nobody -r "$PCAP" -o "$TMP/out2" 2> "$TMP/err"
	st=$?
	[ $st = 0 ] && grep -q "warn: user 'nobody': not started as root: running on as uid $NU" "$TMP/err" &&
		[ -n "$(avro_files "$TMP/out2")" ] &&
		pass "--user when not root: a warning, exit 0, files written" ||
		fail "--user when not root: exit $st: $(grep -E 'warn|error' "$TMP/err" | head -2)"
else
	echo "SKIP: no setpriv: --user without root not tried"
fi
finish
