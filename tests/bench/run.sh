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
echo "== source meta-data: umbrad -T 2 without and with maxmind_db, netacq_db, pfx2as_file"
# A full-size pfx2as file (900k prefixes in today's length mix, 2% of them
# multi-origin) and two Country-sized .mmdb files (the IPv4 space cut into
# about 960k networks of /15 to /24, 250 countries), made here; the
# pipeline time runs from the log's "pipeline:" line to its "exiting" line
# (the tables' load at start is not a per-packet cost), the CPU time is
# that of the run less that of a run on an empty capture.  The lookups
# cost per source and interval: the default mix has about 15,000 sources
# per million packets, the worst mix (random sources) about 640,000.
MP=${UMBRA_BENCH_META_PACKETS:-3000000}
/usr/bin/python3 - "$W/pfx2as.txt.gz" 900000 << 'EOF'
import gzip, random, sys
rng = random.Random(1)
mix = [(24, 58), (22, 10), (23, 9), (20, 6), (21, 6), (19, 3), (16, 2.5),
       (18, 2), (17, 1.5), (15, .4), (14, .3), (13, .2), (12, .1), (25, .4),
       (26, .2), (28, .1), (32, .1)]
seen = set()
while len(seen) < int(sys.argv[2]):
    n = rng.choices([m[0] for m in mix], [m[1] for m in mix])[0]
    a = rng.randint(1 << 24, (224 << 24) - 1) & ~((1 << (32 - n)) - 1)
    seen.add((a & 0xffffffff, n))
with gzip.open(sys.argv[1], "wt") as f:
    for a, n in sorted(seen):
        o = str(rng.randint(1, 70000))
        if rng.random() < .02:
            o += "_%d" % rng.randint(1, 70000)
        f.write("%d.%d.%d.%d\t%d\t%s\n" % (a >> 24, a >> 16 & 255,
                                           a >> 8 & 255, a & 255, n, o))
EOF
for seed in 1 2; do
	perl - "$W/geo$seed.mmdb" $seed << 'EOF'
use strict; use warnings; use MaxMind::DB::Writer::Tree;
my ($out, $seed) = @ARGV;
my %t = (continent => 'map', country => 'map', code => 'utf8_string', iso_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 28,
    database_type => 'Umbra-Bench-Country', languages => ['en'], description => { en => 'bench' },
    remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1, map_key_type_callback => sub { $t{ $_[0] } });
my @c = qw(AF AN AS EU NA OC SA);
my @rec = map { { continent => { code => $c[$_ % 7] },
    country => { iso_code => chr(65 + $_ % 26) . chr(65 + int($_ / 26)) } } } 0 .. 249;
srand($seed);
my $a = 1 << 24;
while ($a < 224 << 24) {
    my $len = 15 + int(rand(10));
    $len++ while $a & ((1 << (32 - $len)) - 1);
    my $ip = join '.', map { ($a >> (24 - 8 * $_)) & 255 } 0 .. 3;
    $tree->insert_network("::$ip/" . ($len + 96), $rec[int(rand(250))]) if rand() < 0.9;
    $a += 1 << (32 - $len);
}
open my $fh, '>:raw', $out or die "$out: $!"; $tree->write_tree($fh); close $fh;
EOF
done
printf 'stats_endpoint: ""\nlog_level: info\n' > "$W/off.yaml"
{ cat "$W/off.yaml"; printf 'maxmind_db: %s\nnetacq_db: %s\npfx2as_file: %s\n' \
	"$W/geo1.mmdb" "$W/geo2.mmdb" "$W/pfx2as.txt.gz"; } > "$W/on.yaml"
logtime() { date -d "$(grep -m1 "$2" "$1" | cut -d' ' -f1)" +%s.%N; }
for mix in default worst; do
"$B/tools/umbra-gen" -q -o "$W/meta.pcap" -n "$MP" -d 900 -s 1700000100 -m $mix -S 1
head -c 24 "$W/meta.pcap" > "$W/empty.pcap"
cat "$W/meta.pcap" > /dev/null # page cache
rm -f "$W"/m.*
echo "$mix mix, $MP packets:"
for ((r = 0; r < RUNS; r++)); do
	for c in off on; do
		for inp in empty meta; do
			rm -rf "$W/out"
			/usr/bin/time -f '%U %S %M' -o "$W/t" "$B/daemon/umbrad" -c "$W/$c.yaml" \
				-r "$W/$inp.pcap" -o "$W/out" -T 2 2> "$W/$c.log"
			read -r u s m < "$W/t"
			echo "$u + $s" | bc >> "$W/m.$c.$inp.cpu"
			[ $inp = empty ] && continue
			echo "$(logtime "$W/$c.log" 'info: exiting') - $(logtime "$W/$c.log" 'info: pipeline:')" | bc >> "$W/m.$c.wall"
			echo "$m" >> "$W/m.$c.rss"
			echo "$(logtime "$W/$c.log" 'info: maxmind_db') - $(logtime "$W/$c.log" 'info: umbrad ')" | bc >> "$W/m.$c.load"
		done
	done
done
srcs=$(sed -n 's/.* flowtuples from \([0-9]*\) sources.*/\1/p' "$W/on.log" | paste -sd+ | bc)
for c in off on; do
	w=$(median < "$W/m.$c.wall")
	cpu=$(echo "$(median < "$W/m.$c.meta.cpu") - $(median < "$W/m.$c.empty.cpu")" | bc)
	eval "w_$c=$w cpu_$c=$cpu"
	printf '  tables %s: pipeline %.3fs (%.0f ns/packet; runs %s), CPU %.2fs (%.0f ns/packet), max RSS %d MB, start-up to the tables loaded %.2fs\n' \
		"$c" "$w" "$(echo "$w * 10^9 / $MP" | bc -l)" "$(sort -g "$W/m.$c.wall" | xargs printf '%.3f ' | sed 's/ $//')" \
		"$cpu" "$(echo "$cpu * 10^9 / $MP" | bc -l)" $(($(median < "$W/m.$c.rss") / 1024)) "$(median < "$W/m.$c.load")"
done
echo "  tagging adds $(echo "($w_on - $w_off) * 100 / $w_off" | bc -l | xargs printf '%.1f')% pipeline time," \
	"$(echo "($cpu_on - $cpu_off) * 100 / $cpu_off" | bc -l | xargs printf '%.1f')% CPU per packet ($srcs source lookups)"
# times on this shared VM vary by +-20% from run to run, more than the
# difference on the default mix: instructions, counted by valgrind (the
# threads run one at a time under it, the count is the same), do not
if [ $mix = default ] && command -v valgrind > /dev/null; then
	for c in off on; do
		for inp in empty meta; do
			rm -rf "$W/out"
			"$B/libtool" --mode=execute valgrind --tool=cachegrind --cache-sim=no \
				--cachegrind-out-file=/dev/null "$B/daemon/umbrad" -c "$W/$c.yaml" -r "$W/$inp.pcap" -o "$W/out" -T 2 2>&1 |
				sed -n 's/.*I *refs: *//p' | tr -d , > "$W/ir.$c.$inp"
		done
		eval "ir_$c=$(($(cat "$W/ir.$c.meta") - $(cat "$W/ir.$c.empty")))"
	done
	echo "  instructions per packet (valgrind, start-up excluded): $((ir_off / MP)) without," \
		"$((ir_on / MP)) with the tables: +$(echo "($ir_on - $ir_off) * 100 / $ir_off" | bc -l | xargs printf '%.1f')%"
fi
done

echo
echo "== Avro writer (1.44M records)"
(cd "$W" && "$B/tests/bench/bench_writer")
echo; echo "== pfx2as prefix-to-AS table (900k synthetic prefixes)"; make -C "$B/tests" bench/bench_pfx2as > /dev/null && "$B/tests/bench/bench_pfx2as" "$W"
echo; echo "== geo lookups (the Country-sized geo1.mmdb above)"; make -C "$B/tests" bench/bench_geo > /dev/null && "$B/tests/bench/bench_geo" "$W/geo1.mmdb"
if [ "${UMBRA_BENCH_LIVE:-1}" = 1 ]; then "$TOP/tests/bench/bench_live.sh" "$B"; fi
