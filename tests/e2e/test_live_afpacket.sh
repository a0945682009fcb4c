#!/bin/bash
# umbrad on afpacket:IFACE, a veth pair whose other end sits in a network
# namespace the test makes (live_lib.sh):
#   - five shared real captures (19,801 packets, 11,570 sources) and 20,000
#     packets of umbra-gen traffic replayed
#     over the veth with 1, 2 and 4 capture threads (fanout source) give
#     the flowtuples of reading the same packets as a file (records compared
#     without time), every packet accounted for;
#   - fanout hash with 4 threads: the same but for first_syn_length and
#     first_tcp_rwin, which depend on the order in which a source's packets
#     reach its aggregator, and the kernel's hash spreads a source over
#     several capture threads (how many records differ there is reported);
#   - bpf_filter "ip and udp": the flowtuples of the UDP packets alone;
#   - an idle link with 2 capture threads: one (empty) file per interval,
#     closed by the wall clock;
#   - SIGINT during capture writes the open interval and exits 0 (every run).
# UMBRA_AFP_PPS sets the replay rate (50000).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/live_lib.sh"
live_setup
command -v tcpreplay > /dev/null || skip "tcpreplay is not installed"
PPS=${UMBRA_AFP_PPS:-50000}

R="$UMBRA_TRACES/real"
TRACES=("$R/stopddos_amp.UDP.snmp.src161.pcapng" "$R/stopddos_amp.dns.RRSIG.fragmented.pcap"
	"$R/stopddos_amp.TCP.reflection.SYNACK.pcap" "$R/esnet_masscan_tcp_0_1000_20190821.pcap"
	"$R/ndpi_synscan.pcap")
for t in "${TRACES[@]}"; do [ -f "$t" ] || skip "missing shared trace $t (UMBRA_TRACES)"; done
# and synthetic darknet traffic: 20,000 packets of umbra-gen's default mix
"$UMBRA_GEN" -q -o "$TMP/gen.pcap" -n 20000 -S 4 || { fail "umbra-gen failed"; finish; }
TRACES+=("$TMP/gen.pcap")
# frames up to 6197 bytes in the DNS trace (captured after reassembly)
ip link set "$LIVE_IF" mtu 9000 && ip netns exec "$LIVE_NS" ip link set "$LIVE_TX" mtu 9000 ||
	{ fail "cannot set the veth MTU"; finish; }

# One classic pcap of the six, timestamps rewritten 10 us apart (the
# captures are months apart: one interval must hold the file read too), and
# the same for its IPv4 UDP packets alone.
"$PYTHON" - "$TMP/mix.pcap" "$TMP/udp.pcap" "${TRACES[@]}" > "$TMP/counts" << 'EOF' || { fail "cannot build the replay pcaps"; finish; }
import gzip, sys, dpkt
out = dpkt.pcap.Writer(open(sys.argv[1], 'wb'), snaplen=65535, linktype=1)
udp = dpkt.pcap.Writer(open(sys.argv[2], 'wb'), snaplen=65535, linktype=1)
n = nu = 0
for fn in sys.argv[3:]:
    f = gzip.open(fn, 'rb') if fn.endswith('.gz') else open(fn, 'rb')
    for _ts, buf in dpkt.pcap.Reader(f):
        ts = 1700000000 + n * 1e-5
        out.writepkt(buf, ts)
        n += 1
        ip = dpkt.ethernet.Ethernet(buf).data
        if isinstance(ip, dpkt.ip.IP) and ip.p == 17:
            udp.writepkt(buf, ts)
            nu += 1
out.close()
udp.close()
print(n, nu)
EOF
read -r N NU < "$TMP/counts"

ref() { # PCAP OUTDIR: the file read
	"$UMBRAD" -c "$(quiet_conf)" --interval 86400 -T 2 -r "$1" -o "$2" 2> "$TMP/ref.log" ||
		{ fail "reference read of $1 failed: $(tail -2 "$TMP/ref.log")"; return 1; }
}
ref "$TMP/mix.pcap" "$TMP/ref" || finish
ref "$TMP/udp.pcap" "$TMP/ref_udp" || finish

# order_free LIVE REF: the same records except time and the first_* fields
order_free() {
	"$PYTHON" - "$1" "$2" << 'PY'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["E2E"])
import read_ft4
ORDER = ("first_syn_length", "first_tcp_rwin")
def recs(d):
    out = {}
    for rel in read_ft4.scan_outdir(d)[0]:
        for r in read_ft4.read_file(os.path.join(d, rel))[0]:
            out[(r["src_ip"], r["dst_net"], r["dst_port"], r["protocol"])] = r
    return out
live, ref = recs(sys.argv[1]), recs(sys.argv[2])
if set(live) != set(ref):
    sys.exit("keys differ: %d live, %d in the file read" % (len(live), len(ref)))
bad = [k for k in ref
       if any(ref[k][f] != live[k][f] for f in ref[k] if f not in ORDER + ("time",))]
if bad:
    sys.exit("%d records differ beyond first_*, e.g. %r" % (len(bad), bad[0]))
n = sum(any(ref[k][f] != live[k][f] for f in ORDER) for k in ref)
print("%d records, %d with other first_* values" % (len(ref), n))
PY
}

# live NAME REF EXPECTED_SENT YAML [umbrad args...]: run umbrad on the
# veth (YAML: extra configuration lines), replay mix.pcap, SIGINT, compare
# with REF
live() {
	local name=$1 refdir=$2 expect=$3 extra=$4
	shift 4
	live_wait_day_boundary
	local port
	port=$(live_port)
	printf 'interval: 86400\nclose_grace: 2\nthreads: 2\nlog_level: info\nstats_endpoint: "tcp://127.0.0.1:%s"\n%s' \
		"$port" "$extra" > "$TMP/$name.yaml"
	live_subscribe "tcp://127.0.0.1:$port" "$TMP/$name.stats"
	local sub=$LIVE_SUB
	"$UMBRAD" -c "$TMP/$name.yaml" -r "afpacket:$LIVE_IF" "$@" -o "$TMP/$name" 2> "$TMP/$name.log" &
	local pid=$!
	LIVE_PIDS="$LIVE_PIDS $pid"
	# every queue is open and read once the log says so
	local q c
	q=$(echo "$@" | sed -n 's/.*--capture-threads \([0-9]*\).*/\1/p')
	for _ in $(seq 100); do
		c=$(grep -cs "capturing on" "$TMP/$name.log")
		[ "${c:-0}" -ge "${q:-1}" ] && break
		sleep 0.1
	done
	sleep 0.5 # the subscriber connects
	local sent
	sent=$(live_replay "$TMP/mix.pcap" "$PPS")
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	local st=$?
	sleep 0.5
	kill "$sub" 2> /dev/null
	wait "$sub" 2> /dev/null
	if [ "$st" != 0 ]; then
		fail "$name: umbrad exited $st on SIGINT: $(tail -5 "$TMP/$name.log")"
		return
	fi
	if [ "$sent" != "$N" ]; then
		fail "$name: tcpreplay sent ${sent:-nothing} of $N"
		return
	fi
	if [ "$ORDER_FREE" = 1 ]; then
		if E2E=$E2E order_free "$TMP/$name" "$refdir" > "$TMP/$name.cmp" 2>&1; then
			pass "$name: exit 0 on SIGINT, same flowtuples as the file but for first_* ($(tail -1 "$TMP/$name.cmp"))"
		else
			fail "$name: $(cat "$TMP/$name.cmp")"
		fi
		return
	fi
	if "$PYTHON" "$E2E/compare_live.py" "$TMP/$name" "$refdir" \
		--stats "$TMP/$name.stats" --sent "$expect" > "$TMP/$name.cmp" 2>&1; then
		pass "$name: exit 0 on SIGINT, same flowtuples as the file, every packet accounted for ($(tail -1 "$TMP/$name.cmp"))"
	else
		fail "$name: live flowtuples differ from the file's"
		cat "$TMP/$name.cmp"
		grep "interval" "$TMP/$name.log" | tail -3
	fi
}

ORDER_FREE=0
live q1 "$TMP/ref" "$N" "" --capture-threads 1
live q2 "$TMP/ref" "$N" "" --capture-threads 2
live q4 "$TMP/ref" "$N" "" --capture-threads 4
ORDER_FREE=1 live hash4 "$TMP/ref" "$N" $'afpacket_fanout: hash\n' --capture-threads 4
live udp2 "$TMP/ref_udp" "$NU" "" --capture-threads 2 --filter "ip and udp"

# ---- an idle link: one empty file per interval, closed by the clock ------
rm -rf "$TMP/idle"
printf 'interval: 2\nclose_grace: 1\nthreads: 1\nlog_level: info\nstats_endpoint: ""\n' > "$TMP/idle.yaml"
"$UMBRAD" -c "$TMP/idle.yaml" -r "afpacket:$LIVE_IF" --capture-threads 2 -o "$TMP/idle" 2> "$TMP/idle.log" &
pid=$!
LIVE_PIDS="$LIVE_PIDS $pid"
sleep 7.5
files_running=$(avro_files "$TMP/idle" | wc -l)
kill -INT "$pid"
wait "$pid"
st=$?
files=$(avro_files "$TMP/idle" | wc -l)
# 7.5 s of 2-s intervals with a 1-s grace: at least 3 closed while running
if [ "$st" = 0 ] && [ "$files_running" -ge 3 ] && [ "$files" -ge $((files_running + 1)) ]; then
	pass "idle link, 2 queues: $files_running files closed by the clock while running, $files after SIGINT"
else
	fail "idle link: $files_running files while running, $files at the end (exit $st)"
	tail -5 "$TMP/idle.log"
fi
finish
