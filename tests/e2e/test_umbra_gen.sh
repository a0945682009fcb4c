#!/bin/bash
# test_umbra_gen.sh: end-to-end checks of the synthetic capture generator.
#
# The binary comes from $UMBRA_GEN (default build/tools/umbra-gen).  Captures are
# read back by an independent reader, Debian's python3 with dpkt; the
# flowtuple keys of the worst mix are computed here from the spec, not by
# anything of Umbra.  Exit status: 0 pass, 1 fail, 77 skip.

set -u
# TMP (removed at exit), FAILS, pass, fail, finish
. "$(dirname "$0")/lib.sh"

GEN=${UMBRA_GEN:-./tools/umbra-gen}
PY=/usr/bin/python3

if [ ! -x "$GEN" ]; then
	echo "SKIP: $GEN not built (set UMBRA_GEN)"
	exit 77
fi
if ! "$PY" -c 'import dpkt' 2>/dev/null; then
	echo "SKIP: $PY has no dpkt (apt-get install python3-dpkt)"
	exit 77
fi


# Reads a capture (plain or gzip) and prints one JSON summary.
cat >"$TMP/read.py" <<'EOF'
import gzip, json, struct, sys
import dpkt

path, start, dur = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
net, plen = sys.argv[4].split('/')
plen = int(plen)
netmask = (0xffffffff << (32 - plen)) & 0xffffffff
netv = struct.unpack('!I', bytes(int(x) for x in net.split('.')))[0]

f = gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')
s = dict(packets=0, ts_min=None, ts_max=None, monotonic=True, ipv4=0,
         ipv6=0, nonip=0, tcp_syn=0, synack=0, rst=0, udp=0, icmp=0,
         icmp_unreach=0, other_proto=0, frag_first=0, frag_later=0,
         bad_ip_csum=0, dst_outside=0, short_frames=0, ip_id_54321=0,
         tcp_hlens=[], keys_new=0)
keys = set()
hlens = set()
last = None
for ts, buf in dpkt.pcap.Reader(f):
    s['packets'] += 1
    if last is not None and ts < last:
        s['monotonic'] = False
    last = ts
    s['ts_min'] = ts if s['ts_min'] is None else min(s['ts_min'], ts)
    s['ts_max'] = ts if s['ts_max'] is None else max(s['ts_max'], ts)
    if len(buf) < 60:
        s['short_frames'] += 1
    eth = dpkt.ethernet.Ethernet(buf)
    if eth.type == dpkt.ethernet.ETH_TYPE_IP6:
        s['ipv6'] += 1
        continue
    if eth.type != dpkt.ethernet.ETH_TYPE_IP:
        s['nonip'] += 1
        continue
    s['ipv4'] += 1
    raw = buf[14:]
    ihl = (raw[0] & 15) * 4
    ip_len, frag, proto = struct.unpack('!H', raw[2:4])[0], \
        struct.unpack('!H', raw[6:8])[0], raw[9]
    src, dst = struct.unpack('!II', raw[12:20])
    if struct.unpack('!H', raw[4:6])[0] == 54321:
        s['ip_id_54321'] += 1
    csum = sum(struct.unpack('!10H', raw[:20]))
    while csum >> 16:
        csum = (csum & 0xffff) + (csum >> 16)
    if csum != 0xffff:
        s['bad_ip_csum'] += 1
    if dst & netmask != netv:
        s['dst_outside'] += 1
    off = frag & 0x1fff
    if frag & 0x2000 and off == 0:
        s['frag_first'] += 1
    if off:
        s['frag_later'] += 1
    l4 = raw[ihl:min(ip_len, len(raw))]
    dport = 0
    if off == 0:
        if proto == 6 and len(l4) >= 20 and (l4[12] >> 4) >= 5 \
                and len(l4) >= (l4[12] >> 4) * 4:
            dport = struct.unpack('!H', l4[2:4])[0]
            flags = l4[13]
            hlens.add((l4[12] >> 4) * 4)
            if flags & 0x12 == 0x02:
                s['tcp_syn'] += 1
            elif flags & 0x12 == 0x12:
                s['synack'] += 1
            elif flags & 0x04:
                s['rst'] += 1
        elif proto == 17 and len(l4) >= 8:
            dport = struct.unpack('!H', l4[2:4])[0]
        elif proto == 1 and len(l4) >= 8:
            dport = l4[0] * 256 + l4[1]
            if l4[0] == 3:
                s['icmp_unreach'] += 1
    if proto == 6:
        pass
    elif proto == 17:
        s['udp'] += 1
    elif proto == 1:
        s['icmp'] += 1
    else:
        s['other_proto'] += 1
    key = (int(ts) // 300, src, dst & 0xffff0000, proto, dport)
    if key not in keys:
        keys.add(key)
        s['keys_new'] += 1
s['tcp_hlens'] = sorted(hlens)
s['start'], s['end'] = start, start + dur
print(json.dumps(s))
EOF

summ() { # FILE START DURATION CIDR
	"$PY" "$TMP/read.py" "$@"
}

# expect JSON EXPRESSION WHAT: EXPRESSION is Python over the summary dict s.
expect() {
	if "$PY" -c 'import json, sys
s = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; then
		pass "$3"
	else
		fail "$3"
	fi
}

# gen ARGS...: run the generator; a failure here ends the test.
gen() {
	"$GEN" "$@" || {
		echo "FAIL - $GEN $* exited with $?"
		exit 1
	}
}

N=30000

# --- reproducibility -------------------------------------------------------
gen -q -o "$TMP/a.pcap" -n $N -S 7
gen -q -o "$TMP/b.pcap" -n $N -S 7
gen -q -o "$TMP/c.pcap" -n $N -S 8
if cmp -s "$TMP/a.pcap" "$TMP/b.pcap"; then
	pass "same seed gives byte-identical files"
else
	fail "same seed gives different files"
fi
if ! cmp -s "$TMP/a.pcap" "$TMP/c.pcap"; then
	pass "a different seed gives a different file"
else
	fail "seeds 7 and 8 give the same file"
fi
gen -q -o - -n $N -S 7 >"$TMP/stdout.pcap"
if cmp -s "$TMP/a.pcap" "$TMP/stdout.pcap"; then
	pass "-o - writes the same bytes to stdout"
else
	fail "-o - differs from the file output"
fi

# --- count, time range, default mix shares ---------------------------------
START=1600000123
DUR=600
gen -q -o "$TMP/d.pcap" -n $N -S 3 -s $START -d $DUR
S=$(summ "$TMP/d.pcap" $START $DUR 44.0.0.0/8) || {
	echo "FAIL - the dpkt reader failed on $TMP/d.pcap"
	exit 1
}
echo "     default mix summary: $S"
expect "$S" "s['packets'] == $N" \
	"-n $N: reader counts $N packets"
expect "$S" "s['ts_min'] >= s['start'] and s['ts_max'] < s['end']" \
	"timestamps lie in [$START, $START+$DUR)"
expect "$S" "s['monotonic']" \
	"timestamps are non-decreasing"
expect "$S" "s['tcp_syn'] > 0.40 * s['packets']" \
	"IPv4 TCP SYN share > 40%"
expect "$S" "0.005 * s['packets'] < s['ipv6'] < 0.02 * s['packets']" \
	"IPv6 present (about 1%)"
expect "$S" "0.005 * s['packets'] < s['nonip'] < 0.02 * s['packets']" \
	"non-IP present (about 1%)"
expect "$S" "s['frag_first'] > 0 and s['frag_later'] > 0" \
	"first and later IPv4 fragments present"
expect "$S" "s['synack'] > 0.04 * s['packets'] and s['rst'] > 0.02 * s['packets'] and s['icmp_unreach'] > 0.01 * s['packets']" \
	"backscatter present (SYN-ACK, RST, ICMP unreachable)"
expect "$S" "0.10 * s['packets'] < s['udp'] < 0.20 * s['packets']" \
	"UDP share about 15%"
expect "$S" "s['other_proto'] > 0 and s['ip_id_54321'] > 0" \
	"GRE/ESP and IP ID 54321 scanners present"
expect "$S" "min(s['tcp_hlens']) == 20 and max(s['tcp_hlens']) == 44 and len(s['tcp_hlens']) >= 4" \
	"TCP header lengths vary over 20..44"
expect "$S" "s['bad_ip_csum'] == 0 and s['dst_outside'] == 0 and s['short_frames'] == 0" \
	"IPv4 checksums correct, destinations in 44.0.0.0/8, frames >= 60 bytes"

# --- telescope option --------------------------------------------------------
gen -q -o "$TMP/t.pcap" -n 5000 --telescope 198.51.100.0/24 --sources 50
S=$(summ "$TMP/t.pcap" 1700000000 900 198.51.100.0/24)
expect "$S" "s['packets'] == 5000 and s['dst_outside'] == 0" \
	"--telescope 198.51.100.0/24: every IPv4 destination inside"

# --- gzip ------------------------------------------------------------------
gen -q -o "$TMP/a.pcap.gz" -n $N -S 7
gen -q -o "$TMP/b.pcap.gz" -n $N -S 7
gen -q -o "$TMP/z.pcap" -z -n $N -S 7
if cmp -s "$TMP/a.pcap.gz" "$TMP/b.pcap.gz"; then
	pass "same seed gives byte-identical .gz files"
else
	fail "same seed gives different .gz files"
fi
if gzip -t "$TMP/a.pcap.gz" 2>/dev/null &&
	gzip -dc "$TMP/a.pcap.gz" | cmp -s - "$TMP/a.pcap"; then
	pass ".gz output is valid gzip of the same capture"
else
	fail ".gz output is not gzip of the same capture"
fi
if gzip -dc "$TMP/z.pcap" 2>/dev/null | cmp -s - "$TMP/a.pcap"; then
	pass "--gzip compresses a name without .gz"
else
	fail "--gzip output is not gzip of the same capture"
fi
SG=$(summ "$TMP/a.pcap.gz" 1700000000 900 44.0.0.0/8)
SP=$(summ "$TMP/a.pcap" 1700000000 900 44.0.0.0/8)
if [ -n "$SG" ] && [ "$SG" = "$SP" ]; then
	pass "dpkt reads the same packets from .gz and plain"
else
	fail "dpkt reads different packets from .gz and plain"
fi

# --- worst mix -------------------------------------------------------------
gen -q -o "$TMP/w.pcap" -n $N -m worst
S=$(summ "$TMP/w.pcap" 1700000000 900 44.0.0.0/8)
echo "     worst mix: $("$PY" -c 'import json,sys; s=json.loads(sys.argv[1]); print("%d new keys / %d packets = %.1f%%" % (s["keys_new"], s["packets"], 100.0 * s["keys_new"] / s["packets"]))' "$S")"
expect "$S" "s['keys_new'] > 0.5 * s['packets']" \
	"worst mix: > 50% of packets open a new flowtuple key"
expect "$S" "s['ipv4'] == s['packets'] and s['bad_ip_csum'] == 0" \
	"worst mix: IPv4 only, checksums correct"

# --- command line ----------------------------------------------------------
bad_args() {
	local rc
	"$GEN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q '^Usage:' "$TMP/err" && [ ! -s "$TMP/out" ]; then
		pass "exit 2 with usage on stderr: $*"
	else
		fail "expected exit 2 and usage on stderr for: $* (got $rc)"
	fi
}
bad_args --bogus -o "$TMP/x.pcap"
bad_args -n 12abc -o "$TMP/x.pcap"
bad_args -n -5 -o "$TMP/x.pcap"
bad_args -d 0 -o "$TMP/x.pcap"
bad_args -s 4294967295 -d 900 -o "$TMP/x.pcap"
bad_args -m nope -o "$TMP/x.pcap"
bad_args --telescope 44.0.0.0/33 -o "$TMP/x.pcap"
bad_args --telescope 44.1.0.0/8 -o "$TMP/x.pcap"
bad_args --telescope nonsense -o "$TMP/x.pcap"
bad_args --sources 0 -o "$TMP/x.pcap"
bad_args -S 18446744073709551616 -o "$TMP/x.pcap"
bad_args -n 10
bad_args -o "$TMP/x.pcap" extra
"$GEN" --help >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^Usage:' "$TMP/out" && [ ! -s "$TMP/err" ]; then
	pass "--help prints usage on stdout and exits 0"
else
	fail "--help: exit $rc or usage not on stdout"
fi
for opt in --output --packets --start --duration --seed --mix --telescope \
	--sources --gzip --quiet; do
	grep -q -- "$opt" "$TMP/out" || fail "--help does not list $opt"
done
# The man page documents exactly the long options --help lists.
MAN=$(dirname "$0")/../../man/umbra-gen.1
if [ -f "$MAN" ]; then
	HELP_OPTS=$(grep -o -- '--[a-z]*' "$TMP/out" | sort -u)
	MAN_OPTS=$(grep -o -- '\\-\\-[a-z]*' "$MAN" | sed 's/\\//g' | sort -u)
	if [ "$HELP_OPTS" = "$MAN_OPTS" ]; then
		pass "man page and --help list the same options"
	else
		fail "man page options differ from --help:" \
			"$(diff <(echo "$HELP_OPTS") <(echo "$MAN_OPTS") | tr '\n' ' ')"
	fi
fi
gen -o "$TMP/s.pcap" -n 1000 2>"$TMP/err" >/dev/null
if grep -q '1000 packets' "$TMP/err" && grep -q 'syn=' "$TMP/err"; then
	pass "summary line on stderr"
else
	fail "no summary line on stderr"
fi
gen -q -o "$TMP/s.pcap" -n 1000 2>"$TMP/err"
if [ ! -s "$TMP/err" ]; then
	pass "-q: nothing on stderr"
else
	fail "-q: stderr not empty"
fi

finish
