#!/usr/bin/python3
"""Independent reference for the flowtuple v4 output contract (FLOWTUPLE4.md 1-4).

Written from the specification alone, standard library only.  It reads
capture files itself (pcap, pcapng, ERF; plain, gzip, bzip2 or xz), decodes
the link layers, and builds the flowtuple records and interval stats that
umbrad must produce.

Module use:
    ref = Reference(interval=300, prefix_len=16, max_time_jump=86400)
    for path in files:
        ref.add_file(path)          # files form one stream, in order
    for iv in ref.intervals():      # every interval, first to last
        iv.start, iv.records, iv.stats

CLI (JSON lines on stdout, warnings on stderr):
    ft4ref.py [--interval L] [--prefix-len P] [--max-time-jump J] [--erf]
              [--totals | --stats-only | --records-only] FILE...
Default output: for each interval, one {"interval": start, "stats": {...}}
line followed by that interval's records (Avro field names), in order.
--totals prints one JSON object of whole-stream counts instead.

Choices the specification leaves open (kept identical in all tests):
  * pcap/pcapng version numbers are not checked; a pcapng block whose
    trailer disagrees with its header is still read.
  * A pcapng Simple Packet Block has no timestamp: it counts in the open
    interval without moving the clock (before the first timestamp it waits
    for the first interval).  Packets naming an undeclared interface are
    skipped with a warning.
  * An Ethernet/SLL ethertype 0x86DD frame counts as IPv6 whatever follows.
  * ERF: PAD records (type 48) are not packets; other unknown ERF types are
    non-IP.  The captured length is rlen minus header, extension headers and
    the 2-byte Ethernet pad.
  * A truncated compressed stream keeps every complete record it yields.
  * A raw-IP frame with no bytes at all is malformed (no version nibble);
    a frame whose link header is whole but whose IPv4 header is cut (even
    to 0 bytes) is malformed, not non-IP.
"""

import argparse
import bz2
import json
import lzma
import struct
import signal
import sys
import zlib

# ---------------------------------------------------------------- constants

IPV4, IPV6, NONIP, MALFORMED = 0, 1, 2, 3

META_STRING_FIELDS = ("maxmind_continent", "maxmind_country",
                      "netacq_continent", "netacq_country")

FIELDS = ("time", "src_ip", "dst_net", "dst_port", "protocol", "packet_cnt",
          "uniq_dst_ips", "uniq_pkt_sizes", "uniq_ttls", "uniq_src_ports",
          "uniq_tcp_flags", "first_syn_length", "first_tcp_rwin",
          "common_pkt_sizes", "common_pktsize_freqs", "common_ttls",
          "common_ttl_freqs", "common_srcports", "common_srcport_freqs",
          "common_tcpflags", "common_tcpflag_freqs") + META_STRING_FIELDS + (
          "prefix2asn",)

KEY_FIELDS = ("time", "src_ip", "dst_net", "protocol", "dst_port")

STATS_FIELDS = ("total", "ipv4", "ipv6", "non_ip", "malformed", "late",
                "bad_time", "wire_bytes", "ip_bytes", "tcp", "udp", "icmp",
                "other", "flowtuples", "distinct_src", "distinct_dst")

# Pseudo link types for ERF records (outside the 16-bit DLT range).
LT_ERF_HDLC = 0x10001
LT_UNKNOWN = -1


def warn(msg):
    print("ft4ref: warning: " + msg, file=sys.stderr)


# ---------------------------------------------------------------- input


def _decompress(raw, path):
    """Return the decompressed bytes; compression found by magic bytes."""
    if raw[:2] == b"\x1f\x8b":
        kind, make = "gzip", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif raw[:3] == b"BZh":
        kind, make = "bzip2", bz2.BZ2Decompressor
    elif raw[:6] == b"\xfd7zXZ\x00":
        kind, make = "xz", lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ)
    else:
        return raw
    out, data = [], raw
    while data:  # concatenated members / streams
        dec = make()
        try:
            out.append(dec.decompress(data))
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            warn("%s: %s stream corrupt (%s); keeping what decoded" %
                 (path, kind, exc))
            break
        eof = dec.eof
        data = dec.unused_data
        if not eof:
            warn("%s: %s stream cut short; keeping complete records" %
                 (path, kind))
            break
        if data.strip(b"\x00") == b"":
            break
    return b"".join(out)


def read_bytes(path):
    with open(path, "rb") as f:
        return _decompress(f.read(), path)


def iter_pcap(buf, path):
    """Yield (ts_sec, wire_len, linktype, data) from a classic pcap."""
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    if len(buf) < 24:
        warn("%s: pcap header cut short" % path)
        return
    linktype = struct.unpack_from(e + "I", buf, 20)[0] & 0xFFFF
    rec = struct.Struct(e + "IIII")
    off, end = 24, len(buf)
    while off < end:
        if off + 16 > end:
            warn("%s: record header cut short at offset %d" % (path, off))
            return
        sec, _frac, incl, orig = rec.unpack_from(buf, off)
        if off + 16 + incl > end:
            warn("%s: record cut short at offset %d" % (path, off))
            return
        yield sec, orig, linktype, buf[off + 16:off + 16 + incl]
        off += 16 + incl


def _pcapng_options(buf, off, end, e):
    """Yield (code, value) of an options list."""
    while off + 4 <= end:
        code, length = struct.unpack_from(e + "HH", buf, off)
        if code == 0:
            return
        val = buf[off + 4:off + 4 + length]
        if off + 4 + length > end:
            return
        yield code, val
        off += 4 + ((length + 3) & ~3)


def iter_pcapng(buf, path):
    """Yield (ts_sec or None, wire_len, linktype, data) from a pcapng."""
    off, end = 0, len(buf)
    e = "<"
    ifaces = []  # (linktype, units_per_second, offset_seconds, snaplen)
    while off < end:
        if off + 12 > end:
            warn("%s: block header cut short at offset %d" % (path, off))
            return
        btype = struct.unpack_from("<I", buf, off)[0]
        if btype == 0x0A0D0D0A:
            bom = buf[off + 8:off + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                e = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                e = ">"
            else:
                warn("%s: bad byte-order magic at offset %d" % (path, off))
                return
            ifaces = []
        btype, blen = struct.unpack_from(e + "II", buf, off)
        if blen < 12 or blen % 4:
            warn("%s: bad block length %d at offset %d" % (path, blen, off))
            return
        if off + blen > end:
            warn("%s: block cut short at offset %d" % (path, off))
            return
        body, bend = off + 8, off + blen - 4
        if btype == 1 and bend - body >= 8:  # IDB
            lt, _res, snap = struct.unpack_from(e + "HHI", buf, body)
            units, tsoff = 10 ** 6, 0
            for code, val in _pcapng_options(buf, body + 8, bend, e):
                if code == 9 and len(val) >= 1:
                    v = val[0]
                    units = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                elif code == 14 and len(val) >= 8:
                    tsoff = struct.unpack_from(e + "q", val, 0)[0]
            ifaces.append((lt, units, tsoff, snap))
        elif btype in (6, 2) and bend - body >= 20:  # EPB, OPB
            if btype == 6:
                ifid, hi, lo, incl, orig = struct.unpack_from(
                    e + "IIIII", buf, body)
            else:
                ifid, _drops, hi, lo, incl, orig = struct.unpack_from(
                    e + "HHIIII", buf, body)
            if body + 20 + incl > bend:
                warn("%s: packet data overruns block at offset %d" %
                     (path, off))
                return
            if ifid >= len(ifaces):
                warn("%s: packet for undeclared interface %d at offset %d" %
                     (path, ifid, off))
            else:
                lt, units, tsoff, _snap = ifaces[ifid]
                ts = ((hi << 32) | lo) // units + tsoff
                yield ts, orig, lt, buf[body + 20:body + 20 + incl]
        elif btype == 3 and bend - body >= 4:  # SPB
            if not ifaces:
                warn("%s: simple packet block without interface at %d" %
                     (path, off))
            else:
                orig = struct.unpack_from(e + "I", buf, body)[0]
                incl = min(orig, bend - body - 4)
                lt, _u, _o, snap = ifaces[0]
                if snap:
                    incl = min(incl, snap)
                yield None, orig, lt, buf[body + 4:body + 4 + incl]
        off += blen


ERF_ETH_TYPES = (2, 4, 11)      # ETH, COLOR_ETH, DSM_COLOR_ETH: 2-byte pad
ERF_HDLC_TYPES = (1, 5, 6)      # HDLC_POS and its colour variants
ERF_PAD = 48


def iter_erf(buf, path):
    """Yield (ts_sec, wire_len, linktype, data) from an ERF trace."""
    off, end = 0, len(buf)
    while off < end:
        if off + 16 > end:
            warn("%s: ERF header cut short at offset %d" % (path, off))
            return
        ts = struct.unpack_from("<Q", buf, off)[0]
        rtype, _flags, rlen, _lctr, wlen = struct.unpack_from(
            ">BBHHH", buf, off + 8)
        if rlen < 16:
            warn("%s: ERF rlen %d < 16 at offset %d" % (path, rlen, off))
            return
        if off + rlen > end:
            warn("%s: ERF record cut short at offset %d" % (path, off))
            return
        p, rend = off + 16, off + rlen
        ext = rtype & 0x80
        while ext and p + 8 <= rend:
            ext = buf[p] & 0x80
            p += 8
        t = rtype & 0x7F
        off += rlen
        if t == ERF_PAD:
            continue
        if t in ERF_ETH_TYPES:
            lt, p = 1, p + 2
        elif t in ERF_HDLC_TYPES:
            lt = LT_ERF_HDLC
        elif t == 22:
            lt = 228
        elif t == 23:
            lt = 229
        else:
            lt = LT_UNKNOWN
        yield ts >> 32, wlen, lt, buf[p:rend] if p <= rend else b""


def iter_file(path, erf=None):
    """Yield (ts_sec or None, wire_len, linktype, data) for one file."""
    buf = read_bytes(path)
    if erf:
        return iter_erf(buf, path)
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                 b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        return iter_pcap(buf, path)
    if magic == b"\x0a\x0d\x0d\x0a":
        return iter_pcapng(buf, path)
    if erf is None and ".erf" in path.rsplit("/", 1)[-1]:
        return iter_erf(buf, path)
    if buf:
        warn("%s: unknown capture format" % path)
    return iter(())


# ---------------------------------------------------------------- decoding


def _by_ethertype(d, off, et):
    """Classify the payload at off whose ethertype is et: (class, ip_off)."""
    n = len(d)
    while et in (0x8100, 0x88A8, 0x9100):
        if n < off + 4:
            return NONIP, 0
        et = (d[off + 2] << 8) | d[off + 3]
        off += 4
    if et == 0x0800:
        return IPV4, off
    if et == 0x86DD:
        return IPV6, off
    if et in (0x8847, 0x8848):
        while True:
            if n < off + 4:
                return NONIP, 0
            bottom = d[off + 2] & 1
            off += 4
            if bottom:
                break
        if n <= off:
            return NONIP, 0
        v = d[off] >> 4
        return (IPV4 if v == 4 else IPV6 if v == 6 else NONIP), off
    if et == 0x8864:  # PPPoE session
        if n < off + 8:
            return NONIP, 0
        return _by_ppp_proto(d, off + 6)
    return NONIP, 0


def _by_ppp_proto(d, off):
    n = len(d)
    if n <= off:
        return NONIP, 0
    if d[off] & 1:  # compressed one-byte protocol field
        proto, off = d[off], off + 1
    else:
        if n < off + 2:
            return NONIP, 0
        proto, off = (d[off] << 8) | d[off + 1], off + 2
    if proto == 0x21:
        return IPV4, off
    if proto == 0x57:
        return IPV6, off
    return NONIP, 0


def _by_raw(d, off):
    if len(d) <= off:
        return MALFORMED, 0
    v = d[off] >> 4
    if v == 4:
        return IPV4, off
    if v == 6:
        return IPV6, off
    return MALFORMED, 0


_AF_INET6 = (24, 28, 30)


def classify_link(lt, d):
    """Return (class, offset of the IP header) for one frame."""
    n = len(d)
    if lt == 1:
        if n < 14:
            return NONIP, 0
        return _by_ethertype(d, 14, (d[12] << 8) | d[13])
    if lt in (101, 12, 14):
        return _by_raw(d, 0)
    if lt == 228:
        return IPV4, 0
    if lt == 229:
        return IPV6, 0
    if lt == 113:
        if n < 16:
            return NONIP, 0
        return _by_ethertype(d, 16, (d[14] << 8) | d[15])
    if lt == 276:
        if n < 20:
            return NONIP, 0
        return _by_ethertype(d, 20, (d[0] << 8) | d[1])
    if lt in (0, 108):
        if n < 4:
            return NONIP, 0
        be = struct.unpack_from(">I", d, 0)[0]
        le = be if lt == 108 else struct.unpack_from("<I", d, 0)[0]
        if be == 2 or le == 2:
            return IPV4, 4
        if be in _AF_INET6 or le in _AF_INET6:
            return IPV6, 4
        return NONIP, 0
    if lt == 9:
        off = 2 if d[:2] == b"\xff\x03" else 0
        return _by_ppp_proto(d, off)
    if lt in (50, 104, LT_ERF_HDLC):
        if n < 4:
            return NONIP, 0
        if d[0] == 0xFF and d[1] == 0x03:
            return _by_ppp_proto(d, 2)
        return _by_ethertype(d, 4, (d[2] << 8) | d[3])
    return NONIP, 0


def parse_ipv4(d, off):
    """Return None when malformed, else the tuple
    (src, dst, proto, total_len, ttl, sport, dport, flags, synlen, win)
    where sport/flags/synlen/win are None when absent and dport is 0 then."""
    cap = len(d) - off
    if cap < 20:
        return None
    b0 = d[off]
    ihl = (b0 & 15) * 4
    if b0 >> 4 != 4 or ihl < 20 or cap < ihl:
        return None
    tot = (d[off + 2] << 8) | d[off + 3]
    if tot < ihl:
        return None
    ttl, proto = d[off + 8], d[off + 9]
    src, dst = struct.unpack_from(">II", d, off + 12)
    sport = flags = synlen = win = None
    dport = 0
    if not ((d[off + 6] & 0x1F) or d[off + 7]):  # offset 0: may carry L4
        t = off + ihl
        avail = (cap if cap < tot else tot) - ihl
        if proto == 6:
            if avail >= 20:
                doff = (d[t + 12] >> 4) * 4
                if doff >= 20 and avail >= doff:
                    sport = (d[t] << 8) | d[t + 1]
                    dport = (d[t + 2] << 8) | d[t + 3]
                    flags = d[t + 13]
                    synlen = doff
                    win = (d[t + 14] << 8) | d[t + 15]
        elif proto == 17:
            if avail >= 8:
                sport = (d[t] << 8) | d[t + 1]
                dport = (d[t + 2] << 8) | d[t + 3]
        elif proto == 1:
            if avail >= 8:
                dport = d[t] * 256 + d[t + 1]
    return src, dst, proto, tot, ttl, sport, dport, flags, synlen, win


def decode(lt, d):
    """Return (class, ipv4 tuple or None)."""
    cls, off = classify_link(lt, d)
    if cls != IPV4:
        return cls, None
    ip = parse_ipv4(d, off)
    if ip is None:
        return MALFORMED, None
    return IPV4, ip


# ---------------------------------------------------------------- values


def common_values(counts, n):
    """The common-value rule: (values, freqs), ascending, at most 5."""
    u = len(counts)
    if n >= 10:
        p = 20
    elif u < 4:
        p = 100
    elif u < 7:
        p = 50
    else:
        p = 33
    vals = sorted(v for v, c in counts.items() if 100 * c >= p * n)[:5]
    return vals, [counts[v] for v in vals]


class _Flow:
    __slots__ = ("n", "dsts", "sizes", "ttls", "sports", "flags", "syn")

    def __init__(self):
        self.n = 0
        self.dsts = set()
        self.sizes = {}
        self.ttls = {}
        self.sports = {}
        self.flags = {}
        self.syn = None

    def record(self, start, key):
        src, dnet, proto, dport = key
        n = self.n
        cs, csf = common_values(self.sizes, n)
        ct, ctf = common_values(self.ttls, n)
        cp, cpf = common_values(self.sports, n)
        cf, cff = common_values(self.flags, n)
        synlen, win = self.syn if self.syn else (0, 0)
        rec = {
            "time": start, "src_ip": src, "dst_net": dnet, "dst_port": dport,
            "protocol": proto, "packet_cnt": n,
            "uniq_dst_ips": len(self.dsts), "uniq_pkt_sizes": len(self.sizes),
            "uniq_ttls": len(self.ttls), "uniq_src_ports": len(self.sports),
            "uniq_tcp_flags": len(self.flags),
            "first_syn_length": synlen, "first_tcp_rwin": win,
            "common_pkt_sizes": cs, "common_pktsize_freqs": csf,
            "common_ttls": ct, "common_ttl_freqs": ctf,
            "common_srcports": cp, "common_srcport_freqs": cpf,
            "common_tcpflags": cf, "common_tcpflag_freqs": cff,
        }
        for f in META_STRING_FIELDS:
            rec[f] = "??"
        rec["prefix2asn"] = 0
        return rec


class _Interval:
    def __init__(self, start):
        self.start = start
        self.flows = {}
        self.stats = dict.fromkeys(STATS_FIELDS, 0)
        self.srcs = set()
        self.dsts = set()


class Interval:
    """A finished interval: start, sorted records, stats dict."""

    def __init__(self, start, records, stats):
        self.start, self.records, self.stats = start, records, stats


def _inc(d, k):
    d[k] = d.get(k, 0) + 1


# ---------------------------------------------------------------- engine


class Reference:
    def __init__(self, interval=300, prefix_len=16, max_time_jump=86400,
                 erf=None, track_totals=False):
        if not 0 <= prefix_len <= 32:
            raise ValueError("prefix length must be 0..32")
        self.L = interval
        self.mask = (0xFFFFFFFF << (32 - prefix_len)) & 0xFFFFFFFF
        self.J = max_time_jump
        self.erf = erf
        self.open = None          # start of the open interval
        self.first = None
        self.acc = {}             # start -> _Interval (non-empty ones)
        self.pending = []         # timestamp-less packets before any clock
        self.totals = None
        if track_totals:
            self.totals = dict.fromkeys(STATS_FIELDS, 0)
            self.totals["srcs"], self.totals["dsts"] = set(), set()

    # -- clock
    def _target(self, ts):
        if ts is None:
            return self.open, False, False
        start = ts // self.L * self.L
        if self.open is None:
            self.open = self.first = start
            return start, False, False
        if start > self.open:
            if self.J and start - self.open > self.J:
                return self.open, False, True
            self.open = start
            return start, False, False
        return self.open, start < self.open, False

    def add(self, ts, wire_len, lt, data):
        start, late, bad = self._target(ts)
        if start is None:
            self.pending.append((wire_len, lt, data))
            return
        if self.pending:
            pend, self.pending = self.pending, []
            for p in pend:
                self._count(start, False, False, *p)
        self._count(start, late, bad, wire_len, lt, data)

    def add_file(self, path):
        for ts, wl, lt, data in iter_file(path, self.erf):
            self.add(ts, wl, lt, data)

    # -- counting
    def _count(self, start, late, bad, wire_len, lt, data):
        iv = self.acc.get(start)
        if iv is None:
            iv = self.acc[start] = _Interval(start)
        st = iv.stats
        st["total"] += 1
        st["wire_bytes"] += wire_len
        if late:
            st["late"] += 1
        if bad:
            st["bad_time"] += 1
        cls, ip = decode(lt, data)
        if cls != IPV4:
            st[("ipv4", "ipv6", "non_ip", "malformed")[cls]] += 1
            return
        src, dst, proto, tot, ttl, sport, dport, flags, synlen, win = ip
        st["ipv4"] += 1
        st["ip_bytes"] += tot
        st["tcp" if proto == 6 else "udp" if proto == 17 else
           "icmp" if proto == 1 else "other"] += 1
        iv.srcs.add(src)
        iv.dsts.add(dst)
        key = (src, dst & self.mask, proto, dport)
        fl = iv.flows.get(key)
        if fl is None:
            fl = iv.flows[key] = _Flow()
        fl.n += 1
        fl.dsts.add(dst)
        _inc(fl.sizes, tot)
        _inc(fl.ttls, ttl)
        if sport is not None and proto in (6, 17):
            _inc(fl.sports, sport)
        if flags is not None:
            _inc(fl.flags, flags)
            if fl.syn is None and flags & 0x12 == 0x02:
                fl.syn = (synlen, win)

    # -- output
    def interval_starts(self):
        if self.first is None:
            return []
        return list(range(self.first, self.open + self.L, self.L))

    def intervals(self):
        """Every interval from the first packet's to the open one."""
        out = []
        tot = self.totals
        for start in self.interval_starts():
            iv = self.acc.get(start) or _Interval(start)
            recs = [iv.flows[k].record(start, k) for k in sorted(iv.flows)]
            stats = dict(iv.stats)
            stats["flowtuples"] = len(recs)
            stats["distinct_src"] = len(iv.srcs)
            stats["distinct_dst"] = len(iv.dsts)
            out.append(Interval(start, recs, stats))
        if tot is not None:
            for iv in out:
                for k in STATS_FIELDS:
                    tot[k] += iv.stats[k]
            for iv in self.acc.values():
                tot["srcs"] |= iv.srcs
                tot["dsts"] |= iv.dsts
        return out

    def totals_summary(self):
        t = dict(self.totals)
        t["distinct_src"] = len(t.pop("srcs"))
        t["distinct_dst"] = len(t.pop("dsts"))
        t["intervals"] = len(self.interval_starts())
        return t


def run(files, interval=300, prefix_len=16, max_time_jump=86400, erf=None,
        track_totals=False):
    """Process files as one stream; return the Reference (call intervals())."""
    ref = Reference(interval, prefix_len, max_time_jump, erf, track_totals)
    for f in files:
        ref.add_file(f)
    return ref


def add_ref_args(ap):
    ap.add_argument("--interval", type=int, default=300)
    ap.add_argument("--prefix-len", type=int, default=16)
    ap.add_argument("--max-time-jump", type=int, default=86400)
    ap.add_argument("--erf", action="store_true", default=None,
                    help="read files without pcap/pcapng magic as ERF "
                         "(default: only names containing .erf)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ref_args(ap)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--totals", action="store_true",
                   help="print one JSON object of whole-stream counts")
    g.add_argument("--stats-only", action="store_true")
    g.add_argument("--records-only", action="store_true")
    ap.add_argument("files", nargs="+", metavar="FILE")
    a = ap.parse_args(argv)
    ref = run(a.files, a.interval, a.prefix_len, a.max_time_jump, a.erf,
              track_totals=a.totals)
    ivs = ref.intervals()
    out = sys.stdout
    if a.totals:
        out.write(json.dumps(ref.totals_summary(), sort_keys=True) + "\n")
        return 0
    for iv in ivs:
        if not a.records_only:
            out.write(json.dumps({"interval": iv.start, "stats": iv.stats})
                      + "\n")
        if not a.stats_only:
            for r in iv.records:
                out.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
