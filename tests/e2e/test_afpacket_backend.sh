#!/bin/bash
# The AF_PACKET backend alone (daemon/capture_afpacket.c through
# tests/e2e/afpacket_probe), as root, over a veth pair between two network
# namespaces that this test creates and removes.  Real captures from the
# shared traces are replayed with tcpreplay at a fixed rate into one end;
# the probe reads the other end with 1, 2 and 4 queues.  Expected counts
# come from the pcap itself, read with python3-dpkt:
#   - every packet arrives, no kernel drop, the same IPv4 packets and
#     distinct sources;
#   - fanout "source": every source on exactly one queue, every queue used;
#   - fanout "hash": every packet arrives (sources may split: reported);
#   - bpf_filter "ip and udp": only the IPv4 UDP packets;
#   - a ring too small for a stalled reader: packets + kernel drops = sent;
#   - the host's own transmissions on the interface are not captured;
#   - an idle interface: next() returns -EAGAIN about every 100 ms;
#   - the link goes down and up: reading goes on; the interface is
#     deleted: each queue ends with an error;
#   - clear messages: no such interface, no CAP_NET_RAW, a bad filter, an
#     interface that is down.
# Skips (77) when not root, when network namespaces are refused, or when
# tcpreplay is missing.  UMBRA_AFP_PPS sets the replay rate (50000).
. "$(dirname "$0")/lib.sh"
PROBE=${UMBRA_TESTBIN:-$UMBRA_SRCDIR/build/tests}/e2e/afpacket_probe
PPS=${UMBRA_AFP_PPS:-50000}

[ "$(id -u)" = 0 ] || skip "not root: AF_PACKET sockets and network namespaces need root"
command -v ip > /dev/null || skip "no ip command (apt-get install iproute2)"
command -v tcpreplay > /dev/null || skip "no tcpreplay (apt-get install tcpreplay)"
[ -x "$PROBE" ] || { fail "no probe at $PROBE (make check builds it)"; finish; }
"$PYTHON" -c 'import dpkt' 2> /dev/null || skip "$PYTHON has no dpkt (apt-get install python3-dpkt)"

RX=umbra-afp-rx-$$ TX=umbra-afp-tx-$$
IFR=uafr$$ IFT=uaft$$
cleanup() {
	ip netns del "$RX" 2> /dev/null
	ip netns del "$TX" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$RX" 2> "$TMP/ns.err" || skip "cannot create a network namespace: $(cat "$TMP/ns.err")"
ip netns add "$TX" 2> "$TMP/ns.err" || skip "cannot create a network namespace: $(cat "$TMP/ns.err")"
# no IPv6 autoconfiguration (router/neighbour solicitations would be
# extra packets); neither end has an address, so neither stack answers
for ns in "$RX" "$TX"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 2> /dev/null
done
ip link add "$IFR" netns "$RX" type veth peer name "$IFT" netns "$TX" 2> "$TMP/ns.err" ||
	skip "cannot create a veth pair: $(cat "$TMP/ns.err")"
# frames up to 6197 bytes in the DNS trace (captured after reassembly)
ip -n "$RX" link set "$IFR" mtu 9000 up && ip -n "$TX" link set "$IFT" mtu 9000 up ||
	{ fail "cannot bring the veth pair up"; finish; }

R="$UMBRA_TRACES/real"
TRACES=("$R/stopddos_pkt.TCP.synflood.spoofed.pcap.gz" "$R/stopddos_amp.UDP.snmp.src161.pcapng"
	"$R/stopddos_amp.dns.RRSIG.fragmented.pcap" "$R/stopddos_amp.TCP.reflection.SYNACK.pcap")
for t in "${TRACES[@]}"; do [ -f "$t" ] || skip "missing shared trace $t (UMBRA_TRACES)"; done

# One classic pcap of the four (tcpreplay reads neither gzip nor these
# pcap-named-pcapng files reliably), and its counts, read independently.
"$PYTHON" - "$TMP/mix.pcap" "${TRACES[@]}" > "$TMP/expect" << 'EOF' || { fail "cannot build the replay pcap"; finish; }
import gzip, sys, dpkt
out = dpkt.pcap.Writer(open(sys.argv[1], 'wb'), snaplen=65535, linktype=1)
n = ipv4 = udp = 0
srcs = set()
for fn in sys.argv[2:]:
    f = gzip.open(fn, 'rb') if fn.endswith('.gz') else open(fn, 'rb')
    for ts, buf in dpkt.pcap.Reader(f):
        out.writepkt(buf, ts)
        n += 1
        eth = dpkt.ethernet.Ethernet(buf)
        if isinstance(eth.data, dpkt.ip.IP):
            ipv4 += 1
            srcs.add(eth.data.src)
            udp += eth.data.p == 17
out.close()
print(n, ipv4, udp, len(srcs))
EOF
read -r N N4 NU NS < "$TMP/expect"
echo "replay: $N packets ($N4 IPv4, $NU IPv4 UDP, $NS sources) at $PPS pps"

# kv FILE PREFIX KEY: the value of KEY on the line starting with PREFIX
kv() { sed -n "s/^$2 .*\\b$3=\\([0-9.]*\\).*/\\1/p" "$1" | head -1; }

# probe_run NAME PROBE-ARGS...: start the probe in RX, wait until its
# queues are open, replay into TX, wait for the probe (it stops 0.5 s after
# $N packets, or after 30 s).  Output in $TMP/NAME.out.
probe_run() {
	local name=$1
	shift
	ip netns exec "$RX" "$PROBE" -t 30 "$@" "$IFR" > "$TMP/$name.out" 2> "$TMP/$name.err" &
	local pid=$!
	for _ in $(seq 200); do
		grep -qs '^ready' "$TMP/$name.out" && break
		kill -0 $pid 2> /dev/null || break
		sleep 0.05
	done
	if ! grep -qs '^ready' "$TMP/$name.out"; then
		wait $pid
		fail "$name: the probe did not start: $(cat "$TMP/$name.err")"
		return 1
	fi
	ip netns exec "$TX" tcpreplay -q -i "$IFT" --pps "$PPS" "$TMP/mix.pcap" > "$TMP/$name.replay" 2>&1
	local sent
	sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$TMP/$name.replay")
	wait $pid || { fail "$name: probe failed: $(cat "$TMP/$name.err")"; return 1; }
	if [ "$sent" != "$N" ]; then
		fail "$name: tcpreplay sent ${sent:-nothing} of $N: $(tail -3 "$TMP/$name.replay")"
		return 1
	fi
	return 0
}

# every packet, no drop, the same IPv4 packets and sources; with fanout
# source, no source on two queues and every queue used
check_all() {
	local name=$1 q=$2 fanout=$3 o="$TMP/$1.out"
	local pk ip4 src split dr
	pk=$(kv "$o" total packets) ip4=$(kv "$o" total ipv4) src=$(kv "$o" total sources)
	split=$(kv "$o" total split_sources) dr=$(kv "$o" total drops)
	if [ "$pk" != "$N" ] || [ "$dr" != 0 ] || [ "$ip4" != "$N4" ] || [ "$src" != "$NS" ]; then
		fail "$name: packets $pk/$N, drops $dr, IPv4 $ip4/$N4, sources $src/$NS"
		return
	fi
	local used=0 i
	for i in $(seq 0 $((q - 1))); do
		[ "$(kv "$o" "queue=$i" packets)" -gt 0 ] && used=$((used + 1))
	done
	if [ "$fanout" = source ] && { [ "$split" != 0 ] || [ $used != "$q" ]; }; then
		fail "$name: $split sources on more than one queue, $used of $q queues used"
		return
	fi
	pass "$name: $pk packets, 0 drops, $src sources, $split split over queues," \
		"per queue: $(grep -o '^queue=[0-9]* packets=[0-9]*' "$o" | sed 's/queue=[0-9]* packets=//' | tr '\n' ' ')"
}

probe_run q1 -q 1 -n "$N" && check_all q1 1 source
probe_run q2 -q 2 -n "$N" && check_all q2 2 source
probe_run q4 -q 4 -n "$N" && check_all q4 4 source
probe_run hash4 -q 4 -F hash -n "$N" && check_all hash4 4 hash

if probe_run udp -q 2 -f "ip and udp" -n "$NU"; then
	pk=$(kv "$TMP/udp.out" total packets) u=$(kv "$TMP/udp.out" total udp)
	[ "$pk" = "$NU" ] && [ "$u" = "$NU" ] &&
		pass "bpf_filter 'ip and udp': exactly the $NU IPv4 UDP packets" ||
		fail "bpf_filter 'ip and udp': $pk packets, $u UDP, expected $NU"
fi

# 16 blocks of 4 KiB and a reader that starts 3 s late: the kernel drops,
# and counts every drop
if probe_run small -q 2 -b 4096 -r 65536 -d 3000 -n "$N" -t 2; then
	pk=$(kv "$TMP/small.out" total packets) dr=$(kv "$TMP/small.out" total drops)
	[ "$dr" -gt 0 ] && [ $((pk + dr)) = "$N" ] &&
		pass "stalled reader, 64 KiB rings: $pk read + $dr kernel drops = $N sent" ||
		fail "stalled reader: $pk read + $dr drops != $N sent"
fi

# the host's own transmissions on the captured interface are not counted
ip netns exec "$RX" "$PROBE" -q 2 -t 3 "$IFR" > "$TMP/out.out" 2> "$TMP/out.err" &
pid=$!
sleep 1
ip netns exec "$RX" tcpreplay -q -i "$IFR" --pps "$PPS" -L 20000 "$TMP/mix.pcap" > /dev/null 2>&1
wait $pid
pk=$(kv "$TMP/out.out" total packets)
[ "$pk" = 0 ] && pass "outgoing packets (20000 sent from the captured interface) ignored" ||
	fail "outgoing packets: $pk captured: $(cat "$TMP/out.err")"

# idle: -EAGAIN about every CAPTURE_POLL_MS (100 ms)
ip netns exec "$RX" "$PROBE" -q 2 -t 1 "$IFR" > "$TMP/idle.out" 2> "$TMP/idle.err"
e=$(kv "$TMP/idle.out" queue=0 eagain) m=$(kv "$TMP/idle.out" queue=0 eagain_max_ms)
pk=$(kv "$TMP/idle.out" total packets)
if [ "$pk" = 0 ] && [ "${e:-0}" -ge 5 ] && [ "${m%.*}" -lt 300 ]; then
	pass "idle interface: $e x -EAGAIN in 1 s, the longest wait $m ms"
else
	fail "idle interface: packets $pk, $e x -EAGAIN, longest $m ms: $(cat "$TMP/idle.err")"
fi

# the link goes down and comes back: the queues go on reading
ip netns exec "$RX" "$PROBE" -q 2 -t 20 -n $((2 * N)) "$IFR" > "$TMP/updown.out" 2> "$TMP/updown.err" &
pid=$!
for _ in $(seq 200); do grep -qs '^ready' "$TMP/updown.out" && break; sleep 0.05; done
ip netns exec "$TX" tcpreplay -q -i "$IFT" --pps "$PPS" "$TMP/mix.pcap" > /dev/null 2>&1
ip -n "$RX" link set "$IFR" down
sleep 0.5
ip -n "$RX" link set "$IFR" up
sleep 1
ip netns exec "$TX" tcpreplay -q -i "$IFT" --pps "$PPS" "$TMP/mix.pcap" > /dev/null 2>&1
wait $pid
st=$?
pk=$(kv "$TMP/updown.out" total packets) split=$(kv "$TMP/updown.out" total split_sources)
[ $st = 0 ] && [ "$pk" = $((2 * N)) ] && [ "$split" = 0 ] &&
	pass "link down and up between two replays: $pk packets, no source split" ||
	fail "link down and up: exit $st, $pk of $((2 * N)) packets, $split split: $(cat "$TMP/updown.err")"

# the interface is deleted: each queue ends with a message
IFD=uafd$$
ip -n "$RX" link add "$IFD" type veth peer name "${IFD}p" && ip -n "$RX" link set "$IFD" up
ip netns exec "$RX" "$PROBE" -q 2 -t 2 "$IFD" > "$TMP/del.out" 2> "$TMP/del.err" &
pid=$!
for _ in $(seq 200); do grep -qs '^ready' "$TMP/del.out" && break; sleep 0.05; done
ip -n "$RX" link del "$IFD"
wait $pid
st=$?
[ $st = 1 ] && [ "$(grep -c "afpacket:$IFD queue [01]: the interface went away" "$TMP/del.err")" = 2 ] &&
	pass "interface deleted: $(head -1 "$TMP/del.err")" ||
	fail "interface deleted: exit $st: $(cat "$TMP/del.err")"

# messages
msg() { # NAME PATTERN COMMAND...
	local name=$1 pat=$2
	shift 2
	"$@" > /dev/null 2> "$TMP/msg.err"
	local st=$?
	[ $st = 1 ] && grep -q "$pat" "$TMP/msg.err" && pass "$name: $(cat "$TMP/msg.err")" ||
		fail "$name: exit $st, message: $(cat "$TMP/msg.err")"
}
msg "no such interface" "afpacket:nosuch0: no such interface" \
	ip netns exec "$RX" "$PROBE" -t 0 nosuch0
msg "bad filter" "afpacket:$IFR: bpf_filter 'udp and':" \
	ip netns exec "$RX" "$PROBE" -t 0 -f "udp and" "$IFR"
if command -v setpriv > /dev/null; then
	msg "no CAP_NET_RAW" "afpacket:$IFR: cannot open a packet socket:.*CAP_NET_RAW" \
		ip netns exec "$RX" setpriv --bounding-set=-net_raw --inh-caps=-net_raw "$PROBE" -t 0 "$IFR"
fi
ip -n "$RX" link set "$IFR" down
msg "interface down" "afpacket:$IFR: the interface is down" \
	ip netns exec "$RX" "$PROBE" -t 0 "$IFR"
finish
