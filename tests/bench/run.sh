#!/bin/bash
# run.sh BUILD_DIR: Umbra's benchmarks (`make bench`).  Prints figures; the
# latest ones are copied by hand into BENCHMARKS.md with this command and
# the machine.  Medians of UMBRA_BENCH_RUNS runs (default 3), all in one run
# of this script so ratios compare like with like.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$TOP/build}" && pwd)
RUNS=${UMBRA_BENCH_RUNS:-3}
N=${UMBRA_BENCH_PACKETS:-6000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/umbra-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
make -C "$B/tests" bench/bench_aggregator bench/bench_writer > /dev/null

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "packets per trace: $N; runs: $RUNS (medians)"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for mix in default worst; do
	"$B/tools/umbra-gen" -q -o "$W/$mix.pcap" -n "$N" -d 900 -s 1700000100 -m "$mix" -S 1
	cat "$W/$mix.pcap" > /dev/null # page cache
	echo
	echo "== $mix mix ($(du -m "$W/$mix.pcap" | cut -f1) MB pcap)"
	"$B/tests/bench/bench_aggregator" "$W/$mix.pcap" 300 "$RUNS"
	printf 'stats_endpoint: ""\nlog_level: warn\n' > "$W/c.yaml"
	times=() rss=()
	for ((r = 0; r < RUNS; r++)); do
		rm -rf "$W/out"
		t0=$(date +%s.%N)
		/usr/bin/time -f '%M' -o "$W/rss" "$B/daemon/umbrad" -c "$W/c.yaml" -r "$W/$mix.pcap" -o "$W/out" -T 2
		t1=$(date +%s.%N)
		times+=("$(echo "$t1 - $t0" | bc)")
		rss+=("$(cat "$W/rss")")
	done
	t=$(printf '%s\n' "${times[@]}" | median)
	m=$(printf '%s\n' "${rss[@]}" | median)
	recs=$("$B/tools/umbra-cat" --summary -f json $(find "$W/out" -name '*.avro') |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["records"], d["packets"])')
	set -- $recs
	bytes=$(du -cb $(find "$W/out" -name '*.avro') | tail -1 | cut -f1)
	echo "pipeline: umbrad -T 2 on the page-cached pcap: $(echo "$N / $t / 1000000" | bc -l | xargs printf '%.2f') Mpps" \
		"($N packets in ${t}s), $1 flowtuples ($(echo "$1 / $N" | bc -l | xargs printf '%.2f') per packet)," \
		"max RSS $((m / 1024)) MB, output $((bytes / 1024 / 1024)) MB ($(echo "$bytes / $1" | bc -l | xargs printf '%.1f') bytes/record)"
done
echo
echo "== Avro writer (1.44M records)"
(cd "$W" && "$B/tests/bench/bench_writer")
echo; echo "== pfx2as prefix-to-AS table (900k synthetic prefixes)"; make -C "$B/tests" bench/bench_pfx2as > /dev/null && "$B/tests/bench/bench_pfx2as" "$W"
if [ "${UMBRA_BENCH_LIVE:-1}" = 1 ]; then "$TOP/tests/bench/bench_live.sh" "$B"; fi
