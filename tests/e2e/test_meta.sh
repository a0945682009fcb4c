#!/bin/bash
# Source meta-data: maxmind_*, netacq_* and prefix2asn of every record from
# two .mmdb files and a pfx2as file (plain and gzip) that the test writes
# itself (meta_helper.py, tests/unit/make_test_mmdb.pl), checked against
# the values meta_helper.py computes (longest match over the networks it
# put in); missing and corrupt files at start; SIGHUP under traffic from a
# fifo: the new tables in the later intervals, no interval lost, a corrupt
# file on reload keeps the old table with a warning; then reloads while
# intervals close, every record wholly of one version.
. "$(dirname "$0")/lib.sh"
H="$E2E/meta_helper.py"
writer= pid=
trap '[ -n "$writer$pid" ] && kill $writer $pid 2> /dev/null; rm -rf "$TMP"' EXIT
perl -MMaxMind::DB::Writer::Tree -e 1 2> /dev/null ||
	skip "libmaxmind-db-writer-perl is not installed"
for v in 1 2 3; do
	"$PYTHON" "$H" data $v "$TMP/v$v" > "$TMP/data.log" 2>&1 ||
		{ cat "$TMP/data.log"; fail "cannot write the version $v files"; finish; }
done

# conf FILE MM NA P2A [INTERVAL]
conf() {
	printf 'stats_endpoint: ""\nlog_level: info\ninterval: %s\nmaxmind_db: "%s"\nnetacq_db: "%s"\npfx2as_file: "%s"\n' \
		"${5:-60}" "$2" "$3" "$4" > "$1"
}

# check OUTDIR START LEN PLAN WHAT
check() {
	if "$PYTHON" "$H" check "$1" "$2" "$3" "$4" > "$TMP/check.out" 2>&1; then
		pass "$5: $(tail -1 "$TMP/check.out")"
	else
		fail "$5: $(head -12 "$TMP/check.out")"
	fi
}

# iso T: the interval's time as the log writes it
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# wait_log FILE PATTERN [TENTHS]: until a line matches (or umbrad died)
wait_log() {
	for _ in $(seq "${3:-300}"); do
		grep -q -- "$2" "$1" && return 0
		kill -0 "$pid" 2> /dev/null || { grep -q -- "$2" "$1"; return; }
		sleep 0.1
	done
	return 1
}

# install DIR NAME FROM: rename a copy over DIR/NAME (mmdb files are mapped)
install_file() {
	cp "$3" "$1/.$2.new" && mv -f "$1/.$2.new" "$1/$2"
}

# ---- every record against the tables ----
START=1700000040
"$PYTHON" "$H" pcap "$TMP/t.pcap" $START 3
for variant in "gz 2" "txt 1" "gz 3"; do
	set -- $variant
	conf "$TMP/c.yaml" "$TMP/v1/mm.mmdb" "$TMP/v1/na.mmdb" "$TMP/v1/p2a.$([ "$1" = gz ] && echo txt.gz || echo txt)"
	rm -rf "$TMP/out"
	"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/t.pcap" -o "$TMP/out" -T "$2" 2> "$TMP/err"
	st=$?
	if [ $st -ne 0 ]; then
		fail "pfx2as $1, -T $2: exit $st: $(tail -3 "$TMP/err")"
		continue
	fi
	check "$TMP/out" $START 60 "0-2:1,1,1" "pfx2as $1, -T $2: every record's tags"
done
# one info line per table, with what it holds
grep -q "info: maxmind_db $TMP/v1/mm.mmdb: Umbra-Test-mm1 built .*, 6 records" "$TMP/err" &&
	grep -q "info: netacq_db $TMP/v1/na.mmdb: Umbra-Test-na1 built .*, 4 records" "$TMP/err" &&
	grep -q "info: pfx2as_file $TMP/v1/p2a.txt.gz: 8 prefixes (2 multi-origin, 2 with an AS set, 1 IPv6 lines skipped)" "$TMP/err" &&
	grep -q "warn: pfx2as_file $TMP/v1/p2a.txt.gz: 1 prefix(es) with host bits set, masked (the first at line 9)" "$TMP/err" &&
	pass "one log line per table, with its stats" ||
	fail "table log lines: $(grep -E 'maxmind_db|netacq_db|pfx2as_file' "$TMP/err")"

# no tables: "??" and 0; and only some of them
conf "$TMP/c.yaml" "" "" ""
rm -rf "$TMP/out"
"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/t.pcap" -o "$TMP/out" -T 2 2> "$TMP/err" &&
	check "$TMP/out" $START 60 "0-2:0,0,0" "no tables: \"??\" and 0" ||
	fail "no tables: exit $?"
conf "$TMP/c.yaml" "" "$TMP/v2/na.mmdb" "$TMP/v2/p2a.txt"
rm -rf "$TMP/out"
"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/t.pcap" -o "$TMP/out" -T 2 2> "$TMP/err" &&
	check "$TMP/out" $START 60 "0-2:0,2,2" "netacq_db and pfx2as_file only" ||
	fail "two tables: exit $?"

# ---- missing and corrupt files at start: exit 1, the file named ----
head -c $(($(stat -c %s "$TMP/v1/mm.mmdb") / 2)) "$TMP/v1/mm.mmdb" > "$TMP/cut.mmdb"
printf 'hello, I am not a MaxMind DB\n' > "$TMP/text.mmdb"
printf '45.0.0.0\t8\t64500\n45.1.0.0\t33\t64501\n' > "$TMP/badlen.txt"
printf '45.0.0.0\t8\t64500\n45.1.0.0\t16\t6450x\n' > "$TMP/badas.txt"
head -c 60 "$TMP/v1/p2a.txt.gz" > "$TMP/cut.txt.gz"
while read -r key file why; do
	case $key in
	maxmind_db) conf "$TMP/c.yaml" "$file" "" "" ;;
	netacq_db) conf "$TMP/c.yaml" "" "$file" "" ;;
	pfx2as_file) conf "$TMP/c.yaml" "" "" "$file" ;;
	esac
	rm -rf "$TMP/out"
	"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/t.pcap" -o "$TMP/out" 2> "$TMP/err"
	st=$?
	if [ $st -eq 1 ] && grep -q "error: $key: .*$file" "$TMP/err" &&
		[ -z "$(avro_files "$TMP/out" 2> /dev/null)" ]; then
		pass "$why $key: exit 1: $(grep error: "$TMP/err" | head -1 | sed 's/.*error: //')"
	else
		fail "$why $key: exit $st: $(tail -3 "$TMP/err")"
	fi
done << EOF
maxmind_db $TMP/missing.mmdb missing
netacq_db $TMP/missing.mmdb missing
pfx2as_file $TMP/missing.txt.gz missing
maxmind_db $TMP/cut.mmdb cut-short
netacq_db $TMP/text.mmdb not-an-mmdb
pfx2as_file $TMP/badlen.txt bad-length
pfx2as_file $TMP/badas.txt bad-AS
pfx2as_file $TMP/cut.txt.gz cut-gzip
EOF

# ---- SIGHUP under traffic: umbrad reads a fifo, 1 s intervals ----
# Intervals 0-3 are written, then the stream waits; the files are renamed
# over (same paths) and SIGHUP sent; intervals 4-7 follow, and the stream
# waits again; a corrupt maxmind_db and pfx2as_file are renamed over, the
# configuration points netacq_db to another file, SIGHUP; intervals 8-11.
# Interval 3 is still open at the first reload and 7 at the second: they
# are emitted after it.
START=1700003000
L="$TMP/live"
mkdir -p "$L" "$TMP/go"
install_file "$L" mm.mmdb "$TMP/v1/mm.mmdb"
install_file "$L" na.mmdb "$TMP/v1/na.mmdb"
install_file "$L" p2a.txt.gz "$TMP/v1/p2a.txt.gz"
conf "$TMP/r.yaml" "$L/mm.mmdb" "$L/na.mmdb" "$L/p2a.txt.gz" 1
mkfifo "$TMP/stream.pcap"
rm -rf "$TMP/out"
"$PYTHON" "$H" stream "$TMP/stream.pcap" $START 12 --pause-before 4 \
	--pause-before 8 --go "$TMP/go" --counts "$TMP/counts.json" &
writer=$!
"$UMBRAD" -c "$TMP/r.yaml" -r "$TMP/stream.pcap" -o "$TMP/out" -T 2 2> "$TMP/err" &
pid=$!
ok=1
if wait_log "$TMP/err" "interval $(iso $((START + 2))): .* -> "; then
	install_file "$L" mm.mmdb "$TMP/v2/mm.mmdb"
	install_file "$L" na.mmdb "$TMP/v2/na.mmdb"
	install_file "$L" p2a.txt.gz "$TMP/v2/p2a.txt.gz"
	kill -HUP $pid
	wait_log "$TMP/err" "SIGHUP: meta-data tables generation 2 in use" || ok=0
else
	ok=0
fi
touch "$TMP/go/go.4"
if [ $ok = 1 ] && wait_log "$TMP/err" "interval $(iso $((START + 6))): .* -> "; then
	head -c $(($(stat -c %s "$TMP/v2/mm.mmdb") / 2)) "$TMP/v2/mm.mmdb" > "$TMP/bad.mmdb"
	install_file "$L" mm.mmdb "$TMP/bad.mmdb"
	head -c 60 "$TMP/v2/p2a.txt.gz" > "$TMP/bad.txt.gz"
	install_file "$L" p2a.txt.gz "$TMP/bad.txt.gz"
	conf "$TMP/r.yaml" "$L/mm.mmdb" "$TMP/v3/na.mmdb" "$L/p2a.txt.gz" 1
	kill -HUP $pid
	wait_log "$TMP/err" "SIGHUP: meta-data tables generation 3 in use" || ok=0
else
	ok=0
fi
touch "$TMP/go/go.8"
wait $pid
st=$?
kill $writer 2> /dev/null # blocked on the fifo if umbrad died
wait $writer
if [ $ok = 1 ] && [ $st = 0 ]; then
	pass "reload under traffic: umbrad exit 0"
else
	fail "reload under traffic: exit $st, ok $ok: $(grep -E 'SIGHUP|error|warn' "$TMP/err" | tail -8)"
fi
check "$TMP/out" $START 1 "0-2:1,1,1;3-6:2,2,2;7-11:2,3,2" \
	"SIGHUP: intervals before it old, after it new; corrupt files keep the old tables"
"$PYTHON" "$H" counts "$TMP/out" $START 1 "$TMP/counts.json" > "$TMP/c.out" 2>&1 &&
	[ "$(avro_files "$TMP/out" | wc -l)" = 12 ] &&
	pass "reload: no interval lost: 12 files, $(tail -1 "$TMP/c.out")" ||
	fail "reload: intervals lost: $(avro_files "$TMP/out" | wc -l) files; $(cat "$TMP/c.out")"
logged=$(sed -n 's/.*info: interval [^ ]*: \([0-9]*\) packets.*/\1/p' "$TMP/err" | paste -sd+ | bc)
sent=$("$PYTHON" -c 'import json,sys; print(sum(json.load(open(sys.argv[1])).values()))' "$TMP/counts.json")
[ "$logged" = "$sent" ] && pass "reload: the interval stats count every packet ($sent)" ||
	fail "reload: the interval stats count $logged packets, $sent sent"
grep -q "warn: SIGHUP: maxmind_db: .*$L/mm.mmdb.*; keeping the table loaded from $L/mm.mmdb" "$TMP/err" &&
	grep -q "warn: SIGHUP: pfx2as_file: .*$L/p2a.txt.gz.*; keeping the table loaded from $L/p2a.txt.gz" "$TMP/err" &&
	grep -q "info: SIGHUP: reloaded netacq_db $TMP/v3/na.mmdb: Umbra-Test-na3" "$TMP/err" &&
	! grep -q "applied only by a restart" "$TMP/err" &&
	pass "reload: a warning names each corrupt file, the changed path is taken" ||
	fail "reload warnings: $(grep SIGHUP "$TMP/err")"

# ---- reloads while intervals close: each record wholly of one version,
# one version per source and interval, no interval lost ----
START=1700007000
install_file "$L" mm.mmdb "$TMP/v1/mm.mmdb"
install_file "$L" p2a.txt.gz "$TMP/v1/p2a.txt.gz"
install_file "$L" na.mmdb "$TMP/v1/na.mmdb"
conf "$TMP/r.yaml" "$L/mm.mmdb" "$L/na.mmdb" "$L/p2a.txt.gz" 1
rm -f "$TMP/stream.pcap" "$TMP/counts.json" && mkfifo "$TMP/stream.pcap"
rm -rf "$TMP/out"
"$PYTHON" "$H" stream "$TMP/stream.pcap" $START 1000 --pace 0.05 \
	--counts "$TMP/counts.json" --until "$TMP/stop" &
writer=$!
"$UMBRAD" -c "$TMP/r.yaml" -r "$TMP/stream.pcap" -o "$TMP/out" -T 3 2> "$TMP/err" &
pid=$!
reloads=0
# signals are blocked from umbrad's first line, not before it
wait_log "$TMP/err" "pipeline: " || kill $writer
while [ $reloads -lt 8 ] && kill -0 $writer 2> /dev/null; do
	v=$((reloads % 2 == 0 ? 2 : 1))
	for f in mm.mmdb na.mmdb p2a.txt.gz; do install_file "$L" $f "$TMP/v$v/$f"; done
	kill -HUP $pid 2> /dev/null || break
	reloads=$((reloads + 1))
	# the next files only once this set is built
	wait_log "$TMP/err" "generation $((reloads + 1)) in use" 100 || break
done
touch "$TMP/stop"
wait $pid
st=$?
kill $writer 2> /dev/null
wait $writer
n=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/counts.json")
[ $st = 0 ] && [ $reloads = 8 ] && pass "$reloads reloads while reading $n intervals: exit 0" ||
	fail "reloads while reading: exit $st, $reloads reloads: $(tail -3 "$TMP/err")"
check "$TMP/out" $START 1 any "reloads while reading"
"$PYTHON" "$H" counts "$TMP/out" $START 1 "$TMP/counts.json" > "$TMP/c.out" 2>&1 &&
	[ "$(avro_files "$TMP/out" | wc -l)" = "$n" ] &&
	pass "reloads while reading: no interval lost: $(tail -1 "$TMP/c.out")" ||
	fail "reloads while reading: $(avro_files "$TMP/out" | wc -l) files; $(cat "$TMP/c.out")"
finish
