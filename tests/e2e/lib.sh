# lib.sh: shared helpers for the end-to-end tests (sourced).
# Environment (set by tests/Makefile.am): UMBRAD, UMBRA_GEN, UMBRA_CAT,
# UMBRA_SRCDIR, UMBRA_TRACES, UMBRA_SPEC_DIR, PYTHON (Debian's python3).
set -u
: "${UMBRA_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${UMBRAD:=$UMBRA_SRCDIR/build/daemon/umbrad}"
: "${UMBRA_GEN:=$UMBRA_SRCDIR/build/tools/umbra-gen}"
: "${UMBRA_CAT:=$UMBRA_SRCDIR/build/tools/umbra-cat}"
: "${UMBRA_TAIL:=$UMBRA_SRCDIR/build/tools/umbra-tail}"
: "${UMBRA_TRACES:=$UMBRA_SRCDIR/../shared/traces}"
: "${UMBRA_SPEC_DIR:=$UMBRA_SRCDIR/../shared/spec}"
: "${PYTHON:=/usr/bin/python3}"
export UMBRAD UMBRA_GEN UMBRA_CAT UMBRA_TAIL UMBRA_SRCDIR UMBRA_TRACES UMBRA_SPEC_DIR PYTHON
E2E="$UMBRA_SRCDIR/tests/e2e"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/umbra-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILS=0

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
finish() { [ "$FAILS" -eq 0 ] && exit 0; echo "$FAILS check(s) failed"; exit 1; }

# A config that publishes no stats (tests run side by side).
quiet_conf() {
	printf 'stats_endpoint: ""\nlog_level: warn\n' > "$TMP/quiet.yaml"
	echo "$TMP/quiet.yaml"
}

# All Avro files under a directory, sorted.
avro_files() { find "$1" -name '*.avro' -type f | sort; }

# Did a process die of a signal (ASan aborts, segfaults)?  $1 = status
crashed() { [ "$1" -ge 128 ] || [ "$1" -eq 134 ] || [ "$1" -eq 136 ] || [ "$1" -eq 139 ]; }

# fifo_start ERRFILE ARGS...: umbrad ARGS -r - reading a fifo that this
# shell holds open on fd 3, so that it runs until fifo_end; its pid in PID,
# its standard error in ERRFILE.
fifo_start() {
	local err=$1
	shift
	rm -f "$TMP/in"
	mkfifo "$TMP/in"
	"$UMBRAD" "$@" -r - < "$TMP/in" 2> "$err" &
	PID=$!
	exec 3> "$TMP/in"
}

# fifo_end [PCAP]: feed PCAP (when given), close the fifo, wait for umbrad
# (at most 30 s, then SIGKILL); its exit status in ST.
fifo_end() {
	local i
	[ -n "${1:-}" ] && cat "$1" >&3 2> /dev/null
	exec 3>&-
	for ((i = 0; i < 300; i++)); do
		kill -0 "$PID" 2> /dev/null || break
		sleep 0.1
	done
	kill -9 "$PID" 2> /dev/null
	wait "$PID"
	ST=$?
}

# wait_for FILE ERE [TENTHS]: until a line of FILE matches (default 20 s).
wait_for() {
	local i
	for ((i = 0; i < ${3:-200}; i++)); do
		grep -qE -- "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}
