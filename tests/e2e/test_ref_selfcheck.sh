#!/bin/bash
# Tests the reference (ft4ref.py) itself, without umbrad:
#  1. it reproduces the trace README table "Counts useful for flow-table
#     tests" (IPv4 packets, distinct src, distinct dst; from tshark), parsed
#     from README.md itself;
#  2. cross-format facts: libtrace_100_packets .pcap and .pcapng give the
#     same records; libtrace_5_packets .erf.bz2 and .erf.xz are the first 5
#     frames of libtrace_100_packets.erf; the .pcap frames are the .erf
#     frames with every byte 0x0d replaced by 0x0a (why the .erf records
#     differ from the .pcap ones);
#  3. a second opinion from dpkt (if installed) on every pcap/pcapng file in
#     real/: per packet the same timestamp second, the same IPv4-or-not
#     verdict, addresses, protocol, TTL, total length and ports.
#  4. a 40k-packet file is processed in reasonable time.
# Environment: UMBRA_SRCDIR, UMBRA_TRACES, UMBRA_PYTHON as in
# test_real_traces.sh; UMBRA_SPEC_DIR (default $UMBRA_TRACES/../spec).  Exit: 0 pass, 1 fail, 77 skip.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${UMBRA_SRCDIR:-$(cd "$HERE/../.." && pwd)}
TRACES=${UMBRA_TRACES:-$SRCDIR/../shared/traces}
PY=${UMBRA_PYTHON:-/usr/bin/python3}

[ -f "$TRACES/README.md" ] || { echo "SKIP: no traces at $TRACES"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: no $PY"; exit 77; }

export FT4_DIR=$HERE TRACES UMBRA_SPEC_DIR=${UMBRA_SPEC_DIR:-}
exec "$PY" - <<'EOF'
import os, re, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["FT4_DIR"])
import ft4ref

T = os.environ["TRACES"]
fails = 0


def check(ok, msg):
    global fails
    print(("PASS " if ok else "FAIL ") + msg)
    fails += not ok


# ---- 1. the README table ---------------------------------------------------
text = open(os.path.join(T, "README.md")).read()
sect = text.split("Counts useful for flow-table tests", 1)
rows = []
if len(sect) == 2:
    for line in sect[1].split("\n## ", 1)[0].splitlines():
        m = re.match(r"\|\s*(real/\S+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)",
                     line)
        if m:
            rows.append((m.group(1), *map(int, m.group(2, 3, 4))))
check(len(rows) >= 9, "README table found (%d rows)" % len(rows))
for name, n4, nsrc, ndst in rows:
    m = re.match(r"(.*)\{(.*)\}(.*)", name)
    names = ([m.group(1) + x + m.group(3) for x in m.group(2).split(",")]
             if m else [name])
    for n in names:
        ref = ft4ref.run([os.path.join(T, n)], track_totals=True)
        ref.intervals()
        t = ref.totals_summary()
        got = (t["ipv4"], t["distinct_src"], t["distinct_dst"])
        check(got == (n4, nsrc, ndst),
              "%s: IPv4 %d, distinct src %d, distinct dst %d (README %d %d %d)"
              % ((n,) + got + (n4, nsrc, ndst)))
        check(t["total"] == t["ipv4"] + t["ipv6"] + t["non_ip"] +
              t["malformed"], "%s: counters partition the packets" % n)


# ---- 2. cross-format facts -------------------------------------------------
import json
spec = os.environ.get("UMBRA_SPEC_DIR") or os.path.join(T, "..", "spec")
with open(os.path.join(spec, "flowtuple4.avsc")) as f:
    names = tuple(fl["name"] for fl in json.load(f)["fields"])
check(names == ft4ref.FIELDS, "ft4ref field names = flowtuple4.avsc fields")
def frames(n):
    return list(ft4ref.iter_file(os.path.join(T, "real", n)))


def records(n):
    return [(iv.start, iv.records) for iv in
            ft4ref.run([os.path.join(T, "real", n)]).intervals()]


L = "libtrace_100_packets."
check(records(L + "pcap") == records(L + "pcapng"),
      "libtrace_100_packets .pcap and .pcapng give identical records")
five = frames(L + "erf")[:5]
check(frames("libtrace_5_packets.erf.bz2") == five ==
      frames("libtrace_5_packets.erf.xz"),
      "libtrace_5_packets .bz2/.xz = first 5 frames of the .erf")
check(records("libtrace_5_packets.erf.bz2") ==
      records("libtrace_5_packets.erf.xz"),
      "libtrace_5_packets .bz2 and .xz give identical records")
erf, pcap = frames(L + "erf"), frames(L + "pcap")
check(len(erf) == len(pcap) == 100 and all(
    e[:3] == p[:3] and e[3].replace(b"\r", b"\n") == p[3]
    for e, p in zip(erf, pcap)),
    "libtrace_100_packets: .pcap frames = .erf frames with 0x0d -> 0x0a")
check(records(L + "erf") != records(L + "pcap"),
      "libtrace_100_packets: so .erf and .pcap records differ (known)")

# ---- 3. dpkt second opinion ------------------------------------------------
try:
    import io
    import dpkt
except ImportError:
    dpkt = None
    print("SKIP dpkt cross-check: dpkt not installed")


def dpkt_ip(lt, buf):
    try:
        if lt == 1:
            l3 = dpkt.ethernet.Ethernet(buf).data
        elif lt == 113:
            l3 = dpkt.sll.SLL(buf).data
        elif lt == 276:
            l3 = dpkt.sll2.SLL2(buf).data
        elif lt == 101:
            l3 = dpkt.ip.IP(buf) if buf[:1] and buf[0] >> 4 == 4 else None
        else:
            return "unsupported"
    except (dpkt.UnpackError, IndexError):
        return None
    return l3 if isinstance(l3, dpkt.ip.IP) else None


def dpkt_packets(path):
    data = ft4ref.read_bytes(path)
    f = io.BytesIO(data)
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        r = dpkt.pcapng.Reader(f)
    else:
        r = dpkt.pcap.Reader(f)
    lt = r.datalink()
    for ts, buf in r:
        yield int(ts), lt, buf


if dpkt:
    for n in sorted(os.listdir(os.path.join(T, "real"))):
        if ".erf" in n or n == "zeek_pcapng-multi-interface.pcapng":
            continue   # dpkt reads no ERF, and one link type per pcapng
        path = os.path.join(T, "real", n)
        bad, npk = [], 0
        for (ts, lt, buf), mine in zip(dpkt_packets(path),
                                       ft4ref.iter_file(path)):
            npk += 1
            cls, ip = ft4ref.decode(mine[2], mine[3])
            d = dpkt_ip(lt, buf)
            if d == "unsupported":
                bad.append("link type %d unsupported by dpkt" % lt)
                break
            why = None
            if ts != mine[0]:
                why = "timestamp %d vs %d" % (ts, mine[0])
            elif (d is not None) != (cls == ft4ref.IPV4):
                why = "IPv4 verdict dpkt %s, ft4ref class %d" % (
                    d is not None, cls)
            elif d is not None:
                src, dst, proto, tot, ttl, sport, dport = ip[:7]
                a = (int.from_bytes(d.src, "big"), int.from_bytes(d.dst, "big"),
                     d.p, d.len, d.ttl)
                if a != (src, dst, proto, tot, ttl):
                    why = "IP fields dpkt %s ft4ref %s" % (
                        a, (src, dst, proto, tot, ttl))
                elif sport is not None and isinstance(
                        d.data, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                    if (d.data.sport, d.data.dport) != (sport, dport):
                        why = "ports dpkt %s ft4ref %s" % (
                            (d.data.sport, d.data.dport), (sport, dport))
            if why:
                bad.append("packet %d: %s" % (npk, why))
        check(not bad and npk == sum(1 for _ in ft4ref.iter_file(path)),
              "dpkt agrees on %s (%d packets)%s" %
              (n, npk, "".join("\n    " + b for b in bad[:5])))

# ---- 4. speed --------------------------------------------------------------
t0 = time.time()
ft4ref.run([os.path.join(T, "real",
                         "stopddos_pkt.TCP.synflood.spoofed.pcap.gz")]
           ).intervals()
dt = time.time() - t0
check(dt < 30, "37841-packet file processed in %.1f s" % dt)

print("%d failure(s)" % fails)
sys.exit(1 if fails else 0)
EOF
