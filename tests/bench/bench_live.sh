#!/bin/bash
# bench_live.sh BUILD_DIR: live capture figures (part of `make bench`).
#
# Over a veth pair whose sending end is in a network namespace, tcpreplay
# plays an umbra-gen capture into each live input at rising rates; for each
# run: the rate tcpreplay reached, packets sent, read, dropped (kernel, NIC,
# queue), and the CPU seconds umbrad's capture and aggregator threads used
# (from /proc), hence packets per CPU-second of a capture thread.  The
# highest rate with nothing lost is each input's figure; tcpreplay's own
# ceiling (nothing capturing) bounds what this box can offer.  Needs root;
# prints why and returns 0 otherwise.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$TOP/build}" && pwd)
N=${UMBRA_BENCH_LIVE_PACKETS:-200000}
RATES=${UMBRA_BENCH_LIVE_RATES:-"50000 100000 200000 0"} # 0 = --topspeed
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/umbra-blive.XXXXXX")
NS="umbra-b$$" IF="ubr$$" TX="ubt$$"
cleanup() {
	[ -n "${UPID:-}" ] && kill -9 "$UPID" 2> /dev/null
	[ -n "${SPID:-}" ] && kill -9 "$SPID" 2> /dev/null
	ip link del "$IF" 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	rm -rf "$W"
}
trap cleanup EXIT

echo
echo "== live capture (veth, tcpreplay from a network namespace)"
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root"; exit 0; fi
command -v tcpreplay > /dev/null || { echo "skipped: tcpreplay not installed"; exit 0; }
ip netns add "$NS" && ip link add "$IF" type veth peer name "$TX" || { echo "skipped: no netns/veth"; exit 0; }
ip link set "$TX" netns "$NS"
sysctl -qw "net.ipv6.conf.$IF.disable_ipv6=1"
ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$TX.disable_ipv6=1"
ip link set "$IF" up
ip netns exec "$NS" ip link set "$TX" up

"$B/tools/umbra-gen" -q -o "$W/live.pcap" -n "$N" -d 3600 -S 5
echo "capture: umbra-gen default mix, $N packets, $(du -k "$W/live.pcap" | cut -f1) KiB"

# replay RATE: prints "SENT PPS"
replay() {
	local speed=(--topspeed)
	[ "$1" != 0 ] && speed=(--pps "$1")
	ip netns exec "$NS" tcpreplay -q -i "$TX" "${speed[@]}" "$W/live.pcap" > "$W/replay.out" 2>&1
	local sent pps
	sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$W/replay.out" | head -1)
	pps=$(sed -n 's/.*Rated: .*, \([0-9.]*\) pps.*/\1/p' "$W/replay.out" | head -1)
	echo "${sent:-0} ${pps:-0}"
}

# cpu PID PREFIX: CPU seconds of the threads whose name starts with PREFIX
cpu() {
	local t=0 tick
	tick=$(getconf CLK_TCK)
	for d in /proc/"$1"/task/*; do
		case "$(cat "$d/comm" 2> /dev/null)" in "$2"*) ;; *) continue ;; esac
		t=$((t + $(awk '{print $14 + $15}' "$d/stat")))
	done
	echo "scale=3; $t / $tick" | bc
}

set -- $(replay 0)
echo "ceiling: tcpreplay --topspeed with nothing capturing: $2 pps ($1 packets)"

run_input() { # LABEL URI CAPTURE_THREADS [EXTRA YAML]
	local label=$1 uri=$2 ct=$3 extra=${4:-} best=0
	for rate in $RATES; do
		local port
		port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		printf 'interval: 86400\nthreads: 1\ncapture_threads: %s\nlog_level: info\nheartbeat_interval: 0\nstats_endpoint: "tcp://127.0.0.1:%s"\n%b' \
			"$ct" "$port" "$extra" > "$W/c.yaml"
		rm -rf "$W/out" "$W/stats.jsonl"
		$PY -c '
import sys, zmq
s = zmq.Context().socket(zmq.SUB); s.connect(sys.argv[1]); s.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
out = open(sys.argv[2], "a")
while True:
    t, m = s.recv_multipart(); out.write(m.decode() + "\n"); out.flush()' "tcp://127.0.0.1:$port" "$W/stats.jsonl" &
		SPID=$!
		"$B/daemon/umbrad" -c "$W/c.yaml" -r "$uri" -o "$W/out" 2> "$W/log" &
		UPID=$!
		for _ in $(seq 100); do grep -q "capturing on" "$W/log" && break; sleep 0.1; done
		sleep 0.5
		local c0 a0 c1 a1
		c0=$(cpu "$UPID" umbra-cap) a0=$(cpu "$UPID" umbra-agg)
		set -- $(replay "$rate")
		local sent=$1 pps=$2
		sleep 1
		c1=$(cpu "$UPID" umbra-cap) a1=$(cpu "$UPID" umbra-agg)
		kill -INT "$UPID"; wait "$UPID"; UPID=
		sleep 0.3; kill "$SPID" 2> /dev/null; wait "$SPID" 2> /dev/null; SPID=
		set -- $($PY -c '
import json, sys
t = [0, 0, 0]
for l in open(sys.argv[1]):
    m = json.loads(l)
    t[0] += m["packets"]["total"]; t[1] += m["drops"]["backend"]; t[2] += m["drops"]["queue"]
print(*t)' "$W/stats.jsonl")
		local read=$1 bd=$2 qd=$3
		local lost=$((sent - read + qd))
		local ccpu acpu
		ccpu=$(echo "$c1 - $c0" | bc) acpu=$(echo "$a1 - $a0" | bc)
		local per=n/a
		[ "$(echo "$ccpu > 0" | bc)" = 1 ] && per=$(echo "$read / $ccpu" | bc)
		printf '%-24s asked %-8s got %8.0f pps: sent %d, read %d, kernel/NIC drops %d, queue drops %d, lost %d; CPU s capture %s aggregator %s; %s pkts per capture CPU-second\n' \
			"$label" "$([ "$rate" = 0 ] && echo topspeed || echo "$rate")" "$pps" "$sent" "$read" "$bd" "$qd" "$lost" "$ccpu" "$acpu" "$per"
		[ "$lost" = 0 ] && [ "$bd" = 0 ] && best=$pps
	done
	echo "$label: highest rate with nothing lost: $best pps"
}

run_input "afpacket x1" "afpacket:$IF" 1
run_input "afpacket x2" "afpacket:$IF" 2
run_input "libtrace pcapint" "pcapint:$IF" 1
run_input "libtrace int" "int:$IF" 1
run_input "libtrace ring" "ring:$IF" 1
if grep -q "define HAVE_DPDK 1" "$B/autoconfig.h" 2> /dev/null; then
	run_input "dpdk net_af_packet" "dpdk:net_af_packet0" 1 \
		"dpdk_eal_args: [\"--no-huge\", \"--no-pci\", \"-m\", \"256\", \"--vdev=net_af_packet0,iface=$IF,framecnt=8192\"]\n"
fi
