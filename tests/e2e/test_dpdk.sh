#!/bin/bash
# DPDK capture (dpdk:PORT) through the real daemon, with the EAL on
# --no-huge --no-pci and virtual devices, so CI runs the real DPDK path:
#   1. net_pcap reading shared real captures: the flowtuples equal those of
#      reading the file (records compared without time: DPDK stamps arrival
#      times), every packet counted; two queues (the file on each) equal
#      reading the file twice, although each source is on both queues;
#   2. net_af_packet on a veth pair whose other end sits in a network
#      namespace the test makes, tcpreplay at a fixed rate, 1 and 2 queues
#      (qpairs): the same flowtuples, every packet a flowtuple or a counted
#      drop, and per-queue drop counters in the stats;
#   3. a missing port and too many queues: exit 1, a message naming the port.
# Skipped (exit 77) when umbrad was built without DPDK or the EAL cannot
# start here; part 2 alone is skipped without root, namespaces or tcpreplay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"
trap 'for p in $LIVE_PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

EAL='"--no-huge", "--no-pci", "-m", "256"'
R="$UMBRA_TRACES/real"

# dpdk_conf FILE QUEUES VDEV [STATS_ENDPOINT]: a config for umbrad -r dpdk:...
dpdk_conf() {
	{
		printf 'interval: 86400\nclose_grace: 2\nthreads: 2\nmonitor: test\n'
		printf 'log_level: info\ncapture_threads: %s\n' "$2"
		printf 'dpdk_eal_args: [%s, "%s"]\n' "$EAL" "$3"
		if [ -n "${4:-}" ]; then
			printf 'stats_endpoint: "%s"\n' "$4"
		else
			printf 'stats_endpoint: ""\n'
		fi
	} > "$1"
}

# ---- does this umbrad have DPDK, can the EAL start here? ----------------
dpdk_conf "$TMP/probe.yaml" 1 "--vdev=net_null0"
"$UMBRAD" -c "$TMP/probe.yaml" -r dpdk:no_such_port -o "$TMP/probe" > "$TMP/probe.out" 2> "$TMP/probe.log"
st=$?
if grep -q "built without DPDK" "$TMP/probe.log"; then
	skip "umbrad was built without DPDK (./configure found no libdpdk, or --without-dpdk)"
elif grep -q "the EAL did not start" "$TMP/probe.log"; then
	skip "the DPDK EAL cannot start here: $(grep -m1 'the EAL did not start' "$TMP/probe.log")"
fi
if [ "$st" = 1 ] && grep -q "dpdk:no_such_port: no such DPDK port; the EAL found 0 (net_null0)" "$TMP/probe.log"; then
	pass "missing port: exit 1, a message naming it and listing the ports"
else
	fail "missing port: exit $st"; cat "$TMP/probe.log"
fi
[ -s "$TMP/probe.out" ] && fail "umbrad wrote on stdout: $(head -3 "$TMP/probe.out")"

count_packets() {
	"$PYTHON" -c 'import dpkt, sys; print(sum(1 for _ in dpkt.pcap.Reader(open(sys.argv[1], "rb"))))' "$1"
}

# run_live NAME CONF URI ENDPOINT [REPLAY PCAP PPS]: run umbrad on a DPDK
# port (under $RX: a command prefix, e.g. ip netns exec) until every
# expected packet should be in, then SIGINT; the interval stats go to
# $TMP/NAME.jsonl, the files under $TMP/NAME.
RX=""
run_live() {
	local name=$1 conf=$2 uri=$3 ep=$4 pid st
	rm -rf "$TMP/$name" "$TMP/$name.jsonl"
	live_subscribe "$ep" "$TMP/$name.jsonl"
	local sub=$LIVE_SUB
	$RX "$UMBRAD" -c "$conf" -r "$uri" -o "$TMP/$name" 2> "$TMP/$name.log" &
	pid=$!
	LIVE_PIDS="$LIVE_PIDS $pid"
	for _ in $(seq 100); do
		grep -q "capturing on" "$TMP/$name.log" && break
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	if [ -n "${5:-}" ]; then
		sleep 0.5
		SENT=$(live_replay "$5" "$6")
	fi
	sleep 1.5 # net_pcap reads a file in milliseconds; af_packet drains
	kill -INT "$pid" 2> /dev/null
	wait "$pid"; st=$?
	sleep 0.5
	kill "$sub" 2> /dev/null; wait "$sub" 2> /dev/null
	return "$st"
}

# check_same NAME REF SENT WHAT: the live output equals the file read's.
check_same() {
	if "$PYTHON" "$E2E/compare_live.py" "$TMP/$1" "$TMP/$2" \
		--stats "$TMP/$1.jsonl" --sent "$3" > "$TMP/$1.cmp" 2>&1; then
		pass "$4: same flowtuples as the file read, all $3 packets accounted for ($(head -1 "$TMP/$1.cmp"))"
	else
		fail "$4: differs from the file read"; cat "$TMP/$1.cmp"; tail -5 "$TMP/$1.log"
	fi
}

# ---- 1. net_pcap: a real capture through the DPDK path -----------------
for trace in stopddos_amp.TCP.reflection.SYNACK.pcap esnet_masscan_udp_0_1000_20190821.pcap \
	stopddos_amp.dns.RRSIG.fragmented.pcap; do
	f="$R/$trace"
	[ -f "$f" ] || { fail "$f not found"; continue; }
	n=$(count_packets "$f")
	live_wait_day_boundary
	"$UMBRAD" -c "$(quiet_conf)" --interval 86400 -T 2 -r "$f" -o "$TMP/ref" 2> "$TMP/ref.log" ||
		{ fail "$trace: the file read failed"; cat "$TMP/ref.log"; continue; }
	ep="tcp://127.0.0.1:$(live_port)"
	dpdk_conf "$TMP/pcap.yaml" 1 "--vdev=net_pcap0,rx_pcap=$f" "$ep"
	if run_live pcap "$TMP/pcap.yaml" dpdk:net_pcap0 "$ep"; then
		pass "net_pcap $trace: SIGINT during capture: exit 0"
		check_same pcap ref "$n" "net_pcap $trace"
	else
		fail "net_pcap $trace: umbrad exited $?"; cat "$TMP/pcap.log"
	fi
	rm -rf "$TMP/ref"
done

# two queues, by port number: one source lands on both queues
f="$R/stopddos_amp.TCP.reflection.SYNACK.pcap"
n=$(count_packets "$f")
live_wait_day_boundary
"$UMBRAD" -c "$(quiet_conf)" --interval 86400 -T 2 -r "$f" -r "$f" -o "$TMP/ref2" 2> "$TMP/ref2.log" ||
	fail "the file read twice failed"
ep="tcp://127.0.0.1:$(live_port)"
dpdk_conf "$TMP/pcap2.yaml" 2 "--vdev=net_pcap0,rx_pcap=$f,rx_pcap=$f" "$ep"
if run_live pcap2 "$TMP/pcap2.yaml" dpdk:0 "$ep"; then
	check_same pcap2 ref2 $((2 * n)) "net_pcap, 2 queues (the file on each)"
	grep -q "cannot hash on the IPv4 source address only" "$TMP/pcap2.log" &&
		pass "net_pcap, 2 queues: the log says RSS cannot keep a source on one queue" ||
		fail "net_pcap, 2 queues: no RSS warning in the log"
else
	fail "net_pcap, 2 queues: umbrad exited $?"; cat "$TMP/pcap2.log"
fi

# the backend alone (dpdk_probe): net_pcap to the end, net_null's rate
PROBE="${UMBRA_TESTBIN:-$UMBRA_SRCDIR/build/tests}/e2e/dpdk_probe"
if [ -x "$PROBE" ]; then
	if "$PROBE" net_pcap0 --no-huge --no-pci -m 256 "--vdev=net_pcap0,rx_pcap=$f" > "$TMP/probe1.out" 2> "$TMP/probe1.log" &&
		grep -q "^total packets=$n " "$TMP/probe1.out"; then
		pass "dpdk_probe: net_pcap read to the end, $n packets"
	else
		fail "dpdk_probe: net_pcap"; cat "$TMP/probe1.out" "$TMP/probe1.log"
	fi
	if "$PROBE" -q 2 -t 1 net_null0 --no-huge --no-pci -m 256 --vdev=net_null0 > "$TMP/probe2.out" 2> "$TMP/probe2.log" &&
		[ "$(grep -c '^queue=[01] packets=[1-9]' "$TMP/probe2.out")" = 2 ]; then
		pass "dpdk_probe: net_null, 2 queues: $(sed -n 's/^total .*pps=/packets\/s: /p' "$TMP/probe2.out")"
	else
		fail "dpdk_probe: net_null, 2 queues"; cat "$TMP/probe2.out" "$TMP/probe2.log"
	fi
else
	echo "SKIP: dpdk_probe not built ($PROBE)"
fi

# ---- 3. configuration errors --------------------------------------------
dpdk_conf "$TMP/bad.yaml" 2 "--vdev=net_pcap0,rx_pcap=$f"
"$UMBRAD" -c "$TMP/bad.yaml" -r dpdk:net_pcap0 -o "$TMP/bad" 2> "$TMP/bad.log"; st=$?
if [ "$st" = 1 ] && grep -q "dpdk:net_pcap0: capture_threads is 2 but the port (driver net_pcap) has at most 1 RX queue" "$TMP/bad.log"; then
	pass "too many queues: exit 1, the port named"
else
	fail "too many queues: exit $st"; cat "$TMP/bad.log"
fi

# ---- 2. net_af_packet on a veth, replayed by tcpreplay ------------------
why=""
if [ "$(id -u)" != 0 ]; then why="not root"
elif ! command -v ip > /dev/null; then why="iproute2's ip is not installed"
elif ! command -v tcpreplay > /dev/null; then why="tcpreplay is not installed"
elif ! ip netns add "umbra-p$$" 2> "$TMP/ns.err"; then why="no network namespaces here: $(cat "$TMP/ns.err")"
else ip netns del "umbra-p$$"
fi
if [ -n "$why" ]; then
	echo "SKIP: net_af_packet on a veth: $why"
	finish
fi
live_setup
trap 'for p in $LIVE_PIDS; do kill -9 "$p" 2>/dev/null; done; live_cleanup' EXIT
# umbrad runs in a namespace of its own with the capturing end: DPDK's
# af_packet driver opens its sockets before binding them to the interface,
# so in our namespace they could catch a few packets of other traffic (the
# loopback of tests running beside this one); the stats go over ipc://
live_rx_namespace
RX="ip netns exec $LIVE_RXNS"
# a capture without IP fragments: DPDK 22.11's af_packet driver joins its
# sockets with PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles them
f="$R/stopddos_pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng"
"$UMBRAD" -c "$(quiet_conf)" --interval 86400 -T 2 -r "$f" -o "$TMP/ref" 2> "$TMP/ref.log" ||
	fail "the file read failed"
for q in 1 2; do
	live_wait_day_boundary
	ep="ipc://$TMP/afp$q.sock"
	dpdk_conf "$TMP/afp.yaml" "$q" "--vdev=net_af_packet0,iface=$LIVE_IF,qpairs=$q,framecnt=8192" "$ep"
	SENT=""
	if ! run_live "afp$q" "$TMP/afp.yaml" dpdk:net_af_packet0 "$ep" "$f" 20000; then
		fail "net_af_packet, $q queue(s): umbrad exited $?"; cat "$TMP/afp$q.log"; continue
	fi
	[ -n "$SENT" ] && [ "$SENT" -gt 0 ] || { fail "net_af_packet, $q queue(s): tcpreplay sent nothing"; cat "$TMP/replay.out"; continue; }
	check_same "afp$q" ref "$SENT" "net_af_packet, $q queue(s), $SENT packets at 20000/s"
	if "$PYTHON" - "$TMP/afp$q.jsonl" "$q" > "$TMP/afp$q.q" 2>&1 <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
q = int(sys.argv[2])
per = {}
for m in msgs:
    assert len(m["capture"]) == q, m["capture"]
    for c in m["capture"]:
        for k in ("kernel_drops", "nic_drops", "nombuf_drops", "queue_drops", "backend_drops"):
            assert isinstance(c[k], int), (k, c)
        per[c["queue"]] = per.get(c["queue"], 0) + c["packets"]
assert sorted(per) == list(range(q)), per
assert all(v > 0 for v in per.values()), per
print(" ".join("queue %d: %d" % kv for kv in sorted(per.items())))
PY
	then
		pass "net_af_packet, $q queue(s): per-queue counters in the stats ($(cat "$TMP/afp$q.q"))"
	else
		fail "net_af_packet, $q queue(s): per-queue stats"; cat "$TMP/afp$q.q"
	fi
done
finish
