# live_lib.sh: helpers of the live-capture tests (sourced after lib.sh).
#
# live_setup makes a network namespace with a veth pair: the sending end
# ($LIVE_TX) inside the namespace ($LIVE_NS), the capturing end ($LIVE_IF)
# in ours, both up, IPv6 off (no neighbour discovery noise in the counts).
# Everything is removed on exit.  Not root, or namespaces forbidden: the
# test is skipped with the reason.
LIVE_NS="umbra-t$$"
LIVE_IF="umr$$"
LIVE_TX="umt$$"
LIVE_PIDS=""

live_cleanup() {
	for p in $LIVE_PIDS; do kill -9 "$p" 2>/dev/null; done
	ip link del "$LIVE_IF" 2>/dev/null
	ip netns del "$LIVE_NS" 2>/dev/null
	[ -n "${LIVE_RXNS:-}" ] && ip netns del "$LIVE_RXNS" 2>/dev/null
	rm -rf "$TMP"
}

live_setup() {
	[ "$(id -u)" = 0 ] || skip "live capture tests need root (network namespaces, raw sockets)"
	command -v ip > /dev/null || skip "iproute2's ip is not installed"
	trap live_cleanup EXIT
	ip netns add "$LIVE_NS" 2> "$TMP/netns.err" ||
		skip "cannot create a network namespace here: $(cat "$TMP/netns.err")"
	ip link add "$LIVE_IF" type veth peer name "$LIVE_TX" 2> "$TMP/veth.err" ||
		skip "cannot create a veth pair here: $(cat "$TMP/veth.err")"
	ip link set "$LIVE_TX" netns "$LIVE_NS"
	sysctl -qw "net.ipv6.conf.$LIVE_IF.disable_ipv6=1" 2> /dev/null
	ip netns exec "$LIVE_NS" sysctl -qw "net.ipv6.conf.$LIVE_TX.disable_ipv6=1" 2> /dev/null
	ip link set "$LIVE_IF" up
	ip netns exec "$LIVE_NS" ip link set "$LIVE_TX" up
	ip netns exec "$LIVE_NS" ip link set lo up
}

# live_rx_namespace: move the capturing end ($LIVE_IF) into a namespace of
# its own ($LIVE_RXNS), where nothing else runs: a capture there sees only
# the replay.  Run the capturing program with `ip netns exec $LIVE_RXNS`.
live_rx_namespace() {
	LIVE_RXNS="umbra-r$$"
	ip netns add "$LIVE_RXNS" || skip "cannot create a second network namespace"
	ip link set "$LIVE_IF" netns "$LIVE_RXNS"
	ip netns exec "$LIVE_RXNS" sysctl -qw "net.ipv6.conf.$LIVE_IF.disable_ipv6=1" 2> /dev/null
	ip netns exec "$LIVE_RXNS" ip link set "$LIVE_IF" up
	ip netns exec "$LIVE_RXNS" ip link set lo up
}

# live_replay PCAP PPS: send every packet of PCAP from the namespace at
# PPS packets/s; prints the number of packets sent.
live_replay() {
	command -v tcpreplay > /dev/null || skip "tcpreplay is not installed"
	ip netns exec "$LIVE_NS" tcpreplay -q -i "$LIVE_TX" --pps "$2" "$1" \
		> "$TMP/replay.out" 2>&1
	sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$TMP/replay.out" | head -1
}

# live_wait_day_boundary: the tests use one 86400-s interval so that one
# interval holds the whole replay; wait if midnight UTC is near.
live_wait_day_boundary() {
	local left=$((86400 - $(date -u +%s) % 86400))
	[ "$left" -lt 120 ] && sleep $((left + 2))
	return 0
}

# live_subscribe ENDPOINT OUT [TOPIC]: record the daemon's messages (one JSON
# object a line) in OUT until killed; its pid in LIVE_SUB.
live_subscribe() {
	"$PYTHON" - "$1" "$2" "${3:-umbra.interval}" <<'PY' &
import json, sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.SUB)
s.connect(sys.argv[1])
s.setsockopt(zmq.SUBSCRIBE, sys.argv[3].encode())
with open(sys.argv[2], "a") as out:
    while True:
        topic, msg = s.recv_multipart()
        json.loads(msg)
        out.write(msg.decode() + "\n")
        out.flush()
PY
	LIVE_SUB=$!
	LIVE_PIDS="$LIVE_PIDS $LIVE_SUB"
}

# A free TCP port on loopback for a stats endpoint.
live_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
