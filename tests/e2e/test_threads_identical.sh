#!/bin/bash
# The output is identical, byte for byte, whatever the aggregator count
# (1, 2, 4, 8), on umbra-gen's default and worst-case mixes, also with tiny
# queues that force the capture thread to wait for the aggregators.
. "$(dirname "$0")/lib.sh"
conf=$(quiet_conf)
N=${UMBRA_TEST_PACKETS:-300000}

for mix in default worst; do
	"$UMBRA_GEN" -q -o "$TMP/$mix.pcap" -n "$N" -d 1200 -m "$mix" -S 7 ||
		{ fail "umbra-gen $mix"; continue; }
	ref=""
	for t in 1 2 4 8; do
		out="$TMP/out-$mix-$t"
		extra=()
		[ "$t" = 8 ] && printf 'stats_endpoint: ""\nlog_level: warn\nqueue_size: 1024\n' > "$TMP/small.yaml" && extra=(-c "$TMP/small.yaml")
		"$UMBRAD" -c "$conf" "${extra[@]}" -r "$TMP/$mix.pcap" -o "$out" -T "$t" -n gen 2> "$TMP/err"
		st=$?
		if [ $st -ne 0 ]; then
			fail "$mix -T $t: exit $st: $(tail -3 "$TMP/err")"
			continue
		fi
		files=$(cd "$out" && find . -name '*.avro' | sort)
		nfiles=$(echo "$files" | grep -c avro)
		# 1200 s from an aligned start: 4 or 5 intervals
		if [ "$nfiles" -lt 4 ] || [ "$nfiles" -gt 5 ]; then
			fail "$mix -T $t: $nfiles files, expected 4-5"
		fi
		if [ -z "$ref" ]; then
			ref=$out
			continue
		fi
		if diff <(cd "$ref" && find . -name '*.avro' | sort) <(echo "$files") > /dev/null &&
			for f in $files; do cmp -s "$ref/$f" "$out/$f" || exit 1; done; then
			pass "$mix: -T $t output identical to -T 1 ($nfiles files)"
		else
			fail "$mix: -T $t output differs from -T 1"
		fi
	done
	# the records really are there: packets add up to the IPv4 count
	pk=$("$UMBRA_CAT" --summary --format json $(avro_files "$ref") |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
	ipv4=$("$PYTHON" - "$TMP/$mix.pcap" <<'PY'
import sys, dpkt
n = 0
with open(sys.argv[1], 'rb') as f:
    for ts, buf in dpkt.pcap.Reader(f):
        eth = dpkt.ethernet.Ethernet(buf)
        if isinstance(eth.data, dpkt.ip.IP) and eth.data.v == 4:
            n += 1
print(n)
PY
)
	if [ "$pk" = "$ipv4" ] && [ "$pk" -gt 0 ]; then
		pass "$mix: $pk packets in the records = IPv4 packets in the capture"
	else
		fail "$mix: records hold $pk packets, capture has $ipv4 IPv4 packets"
	fi
done
finish
