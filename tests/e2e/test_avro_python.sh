#!/bin/sh
# test_avro_python.sh: files from our Avro writer, read by Apache Avro's
# Python reader (Debian's python3-avro, python3-snappy for snappy).
#
# write_ft4_sample writes records 0..N-1 with each codec and several block
# sizes; check_avro_python.py reads them back, checks the header schema
# against flowtuple4.avsc and compares every record with the same records
# computed in Python.
#
# Environment: WRITE_FT4_SAMPLE (the driver; default: $UMBRA_TESTBIN/e2e/,
# then next to this script, ./e2e/ and ./), UMBRA_SPEC_DIR (the directory
# of flowtuple4.avsc; default: lib/ of the source tree), PYTHON (default
# /usr/bin/python3: the first python3 on PATH may be a build without
# Debian's modules).
# Exit: 0 pass, 1 fail, 77 skip (no python3-avro or python3-snappy).

set -u

here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
check="$here/check_avro_python.py"
: "${UMBRA_SPEC_DIR:=$here/../../lib}"
export UMBRA_SPEC_DIR

driver=${WRITE_FT4_SAMPLE:-}
if [ -z "$driver" ]; then
	for d in "${UMBRA_TESTBIN:-.}/e2e/write_ft4_sample" \
		"$here/write_ft4_sample" ./e2e/write_ft4_sample \
		./write_ft4_sample; do
		if [ -x "$d" ]; then
			driver=$d
			break
		fi
	done
fi
if [ -z "$driver" ] || [ ! -x "$driver" ]; then
	echo "FAIL: write_ft4_sample not built (set WRITE_FT4_SAMPLE)" >&2
	exit 1
fi
if [ ! -r "$UMBRA_SPEC_DIR/flowtuple4.avsc" ]; then
	echo "FAIL: no flowtuple4.avsc in $UMBRA_SPEC_DIR" >&2
	exit 1
fi
if ! "$python" -c 'import avro.datafile, snappy' 2>/dev/null; then
	echo "SKIP: $python lacks the avro or snappy module" \
		"(apt-get install python3-avro python3-snappy)"
	exit 77
fi

tmp=$(mktemp -d /tmp/umbra-avro-py.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0
# codec, records, block bytes, deflate level
while read -r codec n block level; do
	f="$tmp/out/$codec-$n-$block-$level.avro"
	if ! "$driver" "$codec" "$f" "$n" "$block" "$level" >/dev/null; then
		echo "FAIL: write_ft4_sample $codec $f $n $block $level" >&2
		fail=1
		continue
	fi
	if ! "$python" "$check" --sample "$n" "$f" >"$tmp/records.jsonl"; then
		echo "FAIL: python cannot read back $codec n=$n" \
			"block=$block level=$level" >&2
		fail=1
		continue
	fi
	lines=$(wc -l <"$tmp/records.jsonl")
	if [ "$lines" -ne "$n" ]; then
		echo "FAIL: $f: $lines JSON lines, want $n" >&2
		fail=1
		continue
	fi
	echo "ok: $codec, $n records, blocks of $block bytes"
done <<EOF
null 0 65536 6
deflate 0 65536 6
snappy 0 65536 6
null 1 65536 6
deflate 1 65536 6
snappy 1 65536 6
null 3000 65536 6
deflate 3000 65536 1
deflate 3000 65536 6
deflate 3000 65536 12
snappy 3000 65536 6
null 700 1 6
deflate 700 1 6
snappy 700 1 6
deflate 3000 300 9
snappy 3000 300 6
null 12000 1048576 6
EOF

# several files in one call, and no temporary file left behind
if ! "$python" "$check" "$tmp"/out/*-0-*.avro "$tmp"/out/*-1-*.avro \
	>/dev/null; then
	echo "FAIL: python cannot read several files in one run" >&2
	fail=1
fi
for f in "$tmp"/out/.*; do
	[ -e "$f" ] || continue # no match (bash skips . and ..)
	case $f in
	*/. | */..) ;;
	*)
		echo "FAIL: temporary file left: $f" >&2
		fail=1
		;;
	esac
done

[ "$fail" -eq 0 ] && echo "PASS: python3-avro reads all three codecs"
exit "$fail"
