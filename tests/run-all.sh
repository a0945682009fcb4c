#!/bin/bash
# run-all.sh: what `make check` runs.  Three builds, one test suite:
#   build/       gcc -O2            every unit and end-to-end test
#   build-asan/  clang ASan+UBSan   every test again + the libFuzzer targets
#   build-tsan/  gcc TSan           the threaded tests (pipeline, rings)
# Prints one closing line "umbra: N passed, N failed, N skipped" and exits
# non-zero when anything failed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
SHARED=${UMBRA_SHARED:-$(cd "$TOP/.." && pwd)/shared}
export UMBRA_TRACES=${UMBRA_TRACES:-$SHARED/traces}
export UMBRA_SPEC_DIR=${UMBRA_SPEC_DIR:-$SHARED/spec}
export UMBRA_FUZZ_SECONDS=${UMBRA_FUZZ_SECONDS:-20}
# avro-c and libzmq keep a few allocations for the process lifetime
export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$TOP/tests/tsan.supp"

PASS=0 FAIL=0 SKIP=0
failed_logs=()

bootstrap() {
	if [ ! -x "$TOP/configure" ] || [ "$TOP/configure.ac" -nt "$TOP/configure" ]; then
		(cd "$TOP" && autoreconf -fi) || exit 1
	fi
}

# stage NAME DIR "CONFIGURE ARGS" [TESTS subset]
stage() {
	local name=$1 dir=$2 conf=$3 subset=${4:-}
	echo "=== $name: configure and build in $dir"
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$TOP/configure" -nt "$dir/Makefile" ]; then
		(cd "$dir" && eval "$TOP/configure -q $conf") || { FAIL=$((FAIL + 1)); failed_logs+=("$name: configure failed"); return; }
	fi
	if ! make -C "$dir" -j"$JOBS" > "$dir/build.log" 2>&1; then
		tail -40 "$dir/build.log"
		FAIL=$((FAIL + 1)); failed_logs+=("$name: build failed ($dir/build.log)")
		return
	fi
	echo "=== $name: tests"
	local args=()
	[ -n "$subset" ] && args=(TESTS="$subset")
	make -C "$dir/tests" -j"$JOBS" check "${args[@]}" > "$dir/check.log" 2>&1
	grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$dir/check.log" | sed "s/^/  [$name] /"
	local log="$dir/tests/test-suite.log"
	local p f s e
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	PASS=$((PASS + ${p:-0})); FAIL=$((FAIL + ${f:-0} + ${e:-0})); SKIP=$((SKIP + ${s:-0}))
	if [ "${f:-0}" != 0 ] || [ "${e:-0}" != 0 ] || [ -z "$p" ]; then
		failed_logs+=("$name: see $log")
		# show the failing tests' own logs
		for t in $(grep -E '^(FAIL|ERROR):' "$dir/check.log" | awk '{print $2}'); do
			echo "----- $name: $t"
			tail -60 "$dir/tests/$t.log" 2>/dev/null
		done
		[ -z "$p" ] && { tail -30 "$dir/check.log"; FAIL=$((FAIL + 1)); }
	fi
}

bootstrap
stage gcc "$TOP/build" ""
stage asan "$TOP/build-asan" "CC=clang --enable-sanitizers=asan --enable-fuzzers"
stage tsan "$TOP/build-tsan" "--enable-sanitizers=tsan --without-systemd" \
	"e2e/test_systemd.sh unit/test_spsc e2e/test_threads_identical.sh e2e/test_real_traces.sh e2e/test_signals.sh e2e/test_live_afpacket.sh unit/test_meta e2e/test_meta.sh"

echo "=== format: clang-format on every C file"
unformatted=$(cd "$TOP" && for f in lib/*.[ch] daemon/*.[ch] tools/*.[ch] tests/unit/*.c tests/fuzz/*.c tests/e2e/*.c tests/bench/*.c tests/common/*.[ch]; do
	[ -f "$f" ] && { clang-format --style=file "$f" | cmp -s - "$f" || echo "$f"; }; done)
if [ -z "$unformatted" ]; then
	echo "  PASS: clang-format"; PASS=$((PASS + 1))
else
	echo "  FAIL: clang-format: $unformatted"; FAIL=$((FAIL + 1)); failed_logs+=("format: $unformatted")
fi

echo
for l in "${failed_logs[@]}"; do echo "failed: $l"; done
echo "umbra: $PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
