#!/usr/bin/python3
"""Helper of test_meta.sh: the meta-data files, the captures, and the
expected maxmind_*, netacq_* and prefix2asn of every record, computed here
with nothing of umbrad's.

  meta_helper.py data V DIR        write DIR/mm.mmdb, DIR/na.mmdb (through
                                   tests/unit/make_test_mmdb.pl), DIR/p2a.txt
                                   and DIR/p2a.txt.gz of version V (1, 2, 3)
  meta_helper.py pcap OUT START N  a capture: the test sources, N intervals
                                   of 60 s from START
  meta_helper.py stream OUT START N [--pause-before K...] [--go DIR]
                 [--pace S] [--counts FILE] [--until STOP]
                                   a capture of N intervals of 1 s written to
                                   OUT (a fifo); before interval K it waits
                                   for DIR/go.K; sleeps S seconds between
                                   intervals; FILE gets the packets of each
                                   interval (JSON); ends early once the file
                                   STOP exists
  meta_helper.py check OUTDIR START LEN PLAN
                                   every record of the files under OUTDIR
                                   (read with read_ft4.py, the Apache Avro
                                   reader) against the tables: PLAN is
                                   "FIRST-LAST:MM,NA,P2A;..." (interval
                                   numbers from START, LEN seconds long, and
                                   the version of each table, 0 = none), or
                                   "any" (each record wholly of version 1
                                   or 2, and one version per source and
                                   interval)
  meta_helper.py counts OUTDIR START LEN FILE
                                   the packets of each interval in the files
                                   equal FILE's
"""

import gzip
import ipaddress
import json
import os
import random
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import read_ft4  # noqa: E402

MMDB_WRITER = os.path.join(os.path.dirname(HERE), "unit", "make_test_mmdb.pl")

# The tables of each version.  Geolocation: NETWORK -> (continent,
# country), "" for a key the record lacks.  pfx2as: the lines as written
# and what the test expects of each (the AS rule: the first AS of the
# first origin).
MM = {
    1: [("45.0.0.0/8", "EU", "FR"), ("45.83.0.0/16", "NA", "US"),
        ("45.83.64.128/25", "AS", "JP"), ("89.248.160.0/19", "OC", "AU"),
        ("185.0.0.0/8", "", "DE"), ("185.142.236.0/24", "AF", "")],
    2: [("45.0.0.0/8", "EU", "DE"), ("45.83.0.0/16", "NA", "MX"),
        ("89.248.160.0/19", "AS", "KR"), ("162.142.124.0/22", "EU", "IT")],
}
NA = {
    1: [("45.0.0.0/9", "AF", "ZA"), ("45.83.64.0/24", "SA", "BR"),
        ("162.142.125.0/24", "EU", "GB"), ("89.248.165.0/24", "NA", "CA")],
    2: [("45.0.0.0/8", "AF", "EG"), ("185.142.236.0/24", "OC", "NZ")],
    3: [("45.0.0.0/8", "AN", "AQ"), ("89.248.160.0/19", "EU", "SE")],
}
P2A = {
    1: ["# a comment, then a blank line", "",
        "45.0.0.0\t8\t64500", "45.83.0.0\t16\t64501",
        "45.83.64.0\t24\t64502_64503", "45.83.64.128  25\t64510,64511",
        "45.83.64.200\t32\t64520", "89.248.160.0\t19\t64530",
        "185.142.236.9\t24\t64540",  # host bits: masked to .0/24
        "162.142.124.0\t22\t398324_1,2",
        "2001:db8::\t32\t64496"],  # IPv6: skipped
    2: ["45.0.0.0\t8\t65000", "45.83.64.0\t24\t65001",
        "162.142.124.0\t22\t65002", "89.248.160.0\t20\t65003,65004_9"],
}


def p2a_prefixes(v):
    out = []
    for line in P2A[v]:
        f = line.split()
        if not f or f[0].startswith("#") or ":" in f[0]:
            continue
        net = ipaddress.ip_network("%s/%s" % (f[0], f[1]), strict=False)
        asn = int(f[2].split("_")[0].split(",")[0])
        out.append((net, asn))
    return out


def longest(nets, addr):
    """The value of the longest network holding addr, or None."""
    best = None
    for net, val in nets:
        if addr in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, val)
    return best[1] if best else None


def geo_nets(table, v):
    return [(ipaddress.ip_network(n), (c or "??", k or "??"))
            for n, c, k in table.get(v, [])]


class Tables:
    def __init__(self, mm, na, p2a):
        self.mm = geo_nets(MM, mm) if mm else []
        self.na = geo_nets(NA, na) if na else []
        self.p2a = p2a_prefixes(p2a) if p2a else []

    def expect(self, ip):
        a = ipaddress.ip_address(ip)
        mm = longest(self.mm, a) or ("??", "??")
        na = longest(self.na, a) or ("??", "??")
        asn = longest(self.p2a, a) or 0
        return (mm[0], mm[1], na[0], na[1], asn)


def write_data(v, d):
    os.makedirs(d, exist_ok=True)
    for name, table in (("mm", MM), ("na", NA)):
        if v not in table:
            continue
        # shortest first: a later, longer network overrides inside itself,
        # so the file answers the longest match, as longest() does
        nets = sorted(table[v], key=lambda t: ipaddress.ip_network(
            t[0]).prefixlen)
        args = ["%s=%s:%s" % (n, c, k) for n, c, k in nets]
        subprocess.run(["perl", MMDB_WRITER, "-t", "Umbra-Test-%s%d" %
                        (name, v), os.path.join(d, name + ".mmdb")] + args,
                       check=True)
    if v in P2A:
        text = "".join(line + "\n" for line in P2A[v]).encode()
        with open(os.path.join(d, "p2a.txt"), "wb") as f:
            f.write(text)
        with gzip.open(os.path.join(d, "p2a.txt.gz"), "wb") as f:
            f.write(text)


def sources():
    """Sources inside, at the edges of, and outside every network."""
    nets = set()
    for table in (MM, NA):
        for rows in table.values():
            nets.update(ipaddress.ip_network(r[0]) for r in rows)
    for v in P2A:
        nets.update(n for n, _ in p2a_prefixes(v))
    rng = random.Random(5)
    out = set()
    for net in nets:
        lo, hi = int(net.network_address), int(net.broadcast_address)
        for a in (lo, lo + 1, hi - 1, hi, lo - 1, hi + 1,
                  rng.randint(lo, hi), rng.randint(lo, hi)):
            if 0 < a < 2**32:
                out.add(a)
    for _ in range(60):  # anywhere
        out.add(rng.randint(1 << 24, 223 << 24))
    for _ in range(40):  # near the nets
        out.add(rng.choice([45, 89, 162, 185]) << 24 |
                rng.randint(0, 2**24 - 1))
    return sorted(out)


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, proto, sport, dport):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02,
                         1024, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8, 0)
    hdr = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(l4), 1, 0, 64, proto,
                      0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    eth = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + b"\x08\x00"
    return eth + hdr + l4


def interval_packets(srcs, t0, length, rng):
    """One interval's packets: every source, 1 to 4 records each."""
    pkts = []
    for s in srcs:
        for _ in range(rng.randint(1, 4)):
            proto = rng.choice([6, 17])
            dport = rng.choice([22, 23, 80, 443, 3389, 5060])
            dst = (44 << 24) | rng.randint(0, 2**24 - 1)
            for _ in range(rng.randint(1, 3)):
                ts = t0 + rng.random() * length * 0.999
                pkts.append((ts, frame(s, dst, proto,
                                       rng.randint(1024, 65535), dport)))
    pkts.sort(key=lambda p: p[0])
    return pkts


def pcap_header():
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_record(ts, data):
    sec = int(ts)
    usec = min(int((ts - sec) * 1e6), 999999)
    return struct.pack("<IIII", sec, usec, len(data), len(data)) + data


def cmd_pcap(out, start, n):
    rng = random.Random(7)
    srcs = sources()
    with open(out, "wb") as f:
        f.write(pcap_header())
        for i in range(n):
            for ts, data in interval_packets(srcs, start + 60 * i, 60, rng):
                f.write(pcap_record(ts, data))


def cmd_stream(out, start, n, pauses, go, pace, counts, until):
    rng = random.Random(11)
    srcs = sources()
    per = {}
    with open(out, "wb", buffering=0) as f:
        f.write(pcap_header())
        for i in range(n):
            if until and i and os.path.exists(until):
                break
            if i in pauses:
                while not os.path.exists(os.path.join(go, "go.%d" % i)):
                    time.sleep(0.02)
            # a different half of the sources each interval
            sub = [s for s in srcs if rng.random() < 0.5]
            pkts = interval_packets(sub, start + i, 1, rng)
            f.write(b"".join(pcap_record(ts, d) for ts, d in pkts))
            per[start + i] = len(pkts)
            if counts:
                with open(counts + ".tmp", "w") as c:
                    json.dump(per, c)
                os.replace(counts + ".tmp", counts)
            if pace:
                time.sleep(pace)


def records(outdir):
    files = [os.path.join(outdir, r)
             for r in read_ft4.scan_outdir(outdir)[0]]
    schema = read_ft4.load_schema()
    for path in files:
        for r in read_ft4.read_file(path, schema)[0]:
            yield r


def got_tags(r):
    return (r["maxmind_continent"], r["maxmind_country"],
            r["netacq_continent"], r["netacq_country"], r["prefix2asn"])


def cmd_check(outdir, start, length, plan):
    bad, n, per_interval = [], 0, {}
    if plan == "any":
        versions = {v: Tables(v, v, v) for v in (1, 2)}
        seen = {}
        for r in records(outdir):
            n += 1
            ip = str(ipaddress.ip_address(r["src_ip"]))
            got = got_tags(r)
            ok = [v for v, t in versions.items() if t.expect(ip) == got]
            if not ok:
                bad.append("%s at %d: %s is of no version" %
                           (ip, r["time"], got))
                continue
            key = (r["time"], ip)
            prev = seen.setdefault(key, set(ok))
            seen[key] = prev & set(ok)
            if not seen[key]:
                bad.append("%s at %d: records of several versions" %
                           (ip, r["time"]))
            per_interval.setdefault(r["time"], set()).update(ok)
        only = {v: sum(1 for s in seen.values() if s == {v}) for v in (1, 2)}
        if not only[1] or not only[2]:
            bad.append("not both versions: %s" % only)
    else:
        steps = []
        for part in plan.split(";"):
            rng_, vers = part.split(":")
            first, last = (int(x) for x in rng_.split("-"))
            steps.append((first, last, Tables(*(int(x) for x in
                                               vers.split(",")))))
        for r in records(outdir):
            n += 1
            k = (r["time"] - start) // length
            tabs = [t for a, b, t in steps if a <= k <= b]
            if not tabs:
                bad.append("record of interval %d: not in the plan" % k)
                continue
            ip = str(ipaddress.ip_address(r["src_ip"]))
            want, got = tabs[0].expect(ip), got_tags(r)
            if want != got:
                bad.append("interval %d, %s: expected %s, got %s" %
                           (k, ip, want, got))
            per_interval[k] = per_interval.get(k, 0) + 1
    for b in bad[:10]:
        print("  " + b)
    if bad or n == 0:
        print("%d of %d records wrong" % (len(bad), n))
        return 1
    print("%d records right, %d intervals" % (n, len(per_interval)))
    return 0


def cmd_counts(outdir, start, length, counts_file):
    with open(counts_file) as f:
        want = {int(k): v for k, v in json.load(f).items()}
    got = {}
    for r in records(outdir):
        got[r["time"]] = got.get(r["time"], 0) + r["packet_cnt"]
    bad = [t for t in want if got.get(t) != want[t]]
    extra = [t for t in got if t not in want]
    if bad or extra:
        for t in (bad + extra)[:10]:
            print("  interval %d: %s packets written, %s sent" %
                  (t, got.get(t), want.get(t)))
        return 1
    print("%d intervals, %d packets, as sent" % (len(want),
                                                  sum(want.values())))
    return 0


def main(argv):
    cmd = argv[0]
    if cmd == "data":
        write_data(int(argv[1]), argv[2])
    elif cmd == "pcap":
        cmd_pcap(argv[1], int(argv[2]), int(argv[3]))
    elif cmd == "stream":
        out, start, n = argv[1], int(argv[2]), int(argv[3])
        pauses, go, pace, counts, until = set(), ".", 0.0, None, None
        rest = argv[4:]
        while rest:
            opt, val, rest = rest[0], rest[1], rest[2:]
            if opt == "--pause-before":
                pauses.add(int(val))
            elif opt == "--go":
                go = val
            elif opt == "--pace":
                pace = float(val)
            elif opt == "--counts":
                counts = val
            elif opt == "--until":
                until = val
            else:
                raise SystemExit("meta_helper.py: unknown option " + opt)
        cmd_stream(out, start, n, pauses, go, pace, counts, until)
    elif cmd == "check":
        return cmd_check(argv[1], int(argv[2]), int(argv[3]), argv[4])
    elif cmd == "counts":
        return cmd_counts(argv[1], int(argv[2]), int(argv[3]), argv[4])
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
