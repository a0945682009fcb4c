#!/usr/bin/python3
"""Write small hand-made captures for FLOWTUPLE4.md's edge rules.

    make_edge_pcaps.py OUTDIR

writes the captures, OUTDIR/manifest.tsv (name, extra umbrad YAML config
lines separated by ';' or '-', URI prefix or '-') and OUTDIR/expect.json:
hand-written literal expectations per capture (checked by
`compare_ft4.py literal` against ft4ref.py and against umbrad's output), so
the reference is not the only oracle.  Expectation keys:
  intervals  exact list of interval starts
  nrecords   {interval start: number of records}
  records    [{"why", "where": {field: value}, "expect": {field: value}}]
             ("where" must match exactly one record)
  absent     [{"why", "where": {...}}]: no record may match
  order      {interval start: [[src_ip, dst_net, protocol, dst_port], ...]}
  stats      [{"interval", "expect": {ft4ref stats counter: value}}]
             (reference only: umbrad publishes stats over ZeroMQ)
Only the struct module builds the packets.
"""

import bz2
import gzip
import json
import lzma
import os
import socket
import struct
import sys

T0 = 1699999800            # a multiple of 300 (and of 60)
T0H = 1699999200           # a multiple of 3600
DST = "198.51.100.7"       # default destination, dst_net 198.51.0.0


def A(s):
    """Dotted quad -> unsigned 32-bit number."""
    return struct.unpack(">I", socket.inet_aton(s))[0]


# ---------------------------------------------------------------- packets


def ip4(src, dst, proto, payload=b"", ttl=64, tot=None, ihl=5, ver=4,
        frag=0, ident=1):
    opts = b"\x01" * max(0, ihl * 4 - 20)          # NOP options
    if tot is None:
        tot = 20 + len(opts) + len(payload)
    return struct.pack(">BBHHHBBH4s4s", (ver << 4) | (ihl & 15), 0, tot,
                       ident, frag, ttl, proto, 0, socket.inet_aton(src),
                       socket.inet_aton(dst)) + opts + payload


def tcp(sport, dport, flags=0x02, win=1024, doff=5, payload=b""):
    hdr = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, (doff & 15) << 4,
                      flags, win, 0, 0)
    return hdr + b"\x01" * max(0, doff * 4 - 20) + payload


def udp(sport, dport, payload=b""):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code, rest=b"\x00\x00\x00\x00"):
    return struct.pack(">BBH", typ, code, 0) + rest


def ip6(payload=b""):
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), 59, 64,
                       b"\x20\x01" + b"\x00" * 13 + b"\x01",
                       b"\x20\x01" + b"\x00" * 13 + b"\x02") + payload


def eth(payload, etype=0x0800, tags=(), pad=False):
    f = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    for tpid in tags:
        f += struct.pack(">HH", tpid, 100)
    f += struct.pack(">H", etype) + payload
    return f.ljust(60, b"\x00") if pad else f


ARP = eth(b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x00" * 20, 0x0806)


def syn(src, dst=DST, dport=80, ttl=50, win=1000, sport=40000):
    return ip4(src, dst, 6, tcp(sport, dport, 0x02, win), ttl=ttl)


def P(t, frame, wire=None, ns=0):
    """One capture record: (seconds, nanoseconds, bytes, wire length)."""
    return (t, ns, frame, len(frame) if wire is None else wire)


# ---------------------------------------------------------------- containers


def pcap(linktype, pkts, ns=False, big=False, linkword=None):
    e = ">" if big else "<"
    magic = 0xA1B23C4D if ns else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144,
                       linktype if linkword is None else linkword)]
    for sec, nsec, frame, wire in pkts:
        frac = nsec if ns else nsec // 1000
        out.append(struct.pack(e + "IIII", sec, frac, len(frame), wire))
        out.append(frame)
    return b"".join(out)


def _block(e, btype, body):
    body += b"\x00" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def _opt(e, code, value):
    return struct.pack(e + "HH", code, len(value)) + value + \
        b"\x00" * (-len(value) % 4)


def shb(e):
    return _block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0,
                                             -1))


def idb(e, lt, tsresol=None, tsoffset=None, snaplen=0):
    opts = b""
    if tsresol is not None:
        opts += _opt(e, 9, bytes([tsresol]))
    if tsoffset is not None:
        opts += _opt(e, 14, struct.pack(e + "q", tsoffset))
    if opts:
        opts += _opt(e, 0, b"")
    return _block(e, 1, struct.pack(e + "HHI", lt, 0, snaplen) + opts)


def epb(e, ifid, units, frame, wire=None):
    return _block(e, 6, struct.pack(e + "IIIII", ifid, units >> 32,
                                    units & 0xFFFFFFFF, len(frame),
                                    wire or len(frame)) + frame)


def opb(e, ifid, units, frame):
    return _block(e, 2, struct.pack(e + "HHIIII", ifid, 0, units >> 32,
                                    units & 0xFFFFFFFF, len(frame),
                                    len(frame)) + frame)


def spb(e, frame):
    return _block(e, 3, struct.pack(e + "I", len(frame)) + frame)


def erf(sec, rtype, payload, wlen, ext=0):
    """One ERF record; ext = number of 8-byte extension headers."""
    body = b""
    for i in range(ext):
        more = 0x80 if i < ext - 1 else 0
        body += bytes([more | 1]) + b"\x00" * 7
    body += payload
    body += b"\x00" * (-len(body) % 8)
    rlen = 16 + len(body)
    return struct.pack("<Q", sec << 32) + struct.pack(
        ">BBHHH", rtype | (0x80 if ext else 0), 0x04, rlen, 0, wlen) + body


# ---------------------------------------------------------------- registry

CASES = []


def case(name, conf="-", prefix="-"):
    def reg(fn):
        CASES.append((name, conf, prefix, fn))
        return fn
    return reg


def rec(why, where, **expect):
    return {"why": why, "where": where, "expect": expect}


def W(src, **kw):
    """A "where" clause: source address plus other key fields."""
    d = {"src_ip": A(src)}
    if "dst_net" in kw:
        kw["dst_net"] = A(kw["dst_net"])
    d.update(kw)
    return d


def one_syn_expect(src, why):
    return rec(why, W(src, dst_net="198.51.0.0", protocol=6, dst_port=80),
               packet_cnt=1, first_syn_length=20, first_tcp_rwin=1000,
               common_ttls=[50], common_ttl_freqs=[1], common_srcports=[40000],
               common_tcpflags=[2], uniq_dst_ips=1)


# ---------------------------------------------------------------- cases


def _dist_packets(src, dist, t):
    """TCP packets to DST:80 from src; each value v of dist (v: count)
    gives size 40+v, TTL v, source port 1000+v and flag byte v."""
    out = []
    for v, c in dist:
        for _ in range(c):
            out.append(P(t, eth(ip4(src, DST, 6, tcp(1000 + v, 80, v,
                                                     payload=b"x" * v),
                                    ttl=v))))
    return out


def _dist_expect(src, why, common):
    vals = [v for v, _ in common]
    freqs = [c for _, c in common]
    return rec(why, W(src, protocol=6, dst_port=80),
               common_pkt_sizes=[40 + v for v in vals],
               common_pktsize_freqs=freqs, common_ttls=vals,
               common_ttl_freqs=freqs,
               common_srcports=[1000 + v for v in vals],
               common_srcport_freqs=freqs, common_tcpflags=vals,
               common_tcpflag_freqs=freqs)


@case("common.pcap")
def c_common():
    # (source, distribution [(value, count)], expected common values, why)
    table = [
        ("10.0.0.1", [(1, 2), (2, 2), (3, 2), (4, 2), (5, 2)],
         [(1, 2), (2, 2), (3, 2), (4, 2), (5, 2)],
         "n=10 p=20: 100*2 == 20*10, five common values"),
        ("10.0.0.2", [(1, 3), (2, 2), (3, 2), (4, 1), (5, 1), (6, 1)],
         [(1, 3), (2, 2), (3, 2)], "n=10 u=6 p=20"),
        ("10.0.0.3", [(1, 9), (2, 1)], [(1, 9)], "n=10 u=2 p=20"),
        ("10.0.0.4", [(v, 1) for v in range(1, 11)], [],
         "n=10 u=10: 100 < 200"),
        ("10.0.0.5", [(1, 2), (2, 2), (3, 2), (4, 2), (5, 1)], [],
         "n=9 u=5 p=50: 200 < 450"),
        ("10.0.0.6", [(1, 7), (2, 1), (3, 1)], [],
         "n=9 u=3 p=100: 700 < 900"),
        ("10.0.0.7", [(1, 9)], [(1, 9)], "n=9 u=1 p=100: 900 >= 900"),
        ("10.0.0.8", [(1, 6), (2, 1), (3, 1)], [],
         "n=8 u=3 p=100: 600 < 800"),
        ("10.0.0.9", [(1, 4), (2, 2), (3, 1), (4, 1)], [(1, 4)],
         "n=8 u=4 p=50: 400 == 400"),
        ("10.0.0.10", [(1, 4)] + [(v, 1) for v in range(2, 7)], [],
         "n=9 u=6 p=50: 400 < 450"),
        ("10.0.0.11", [(1, 3)] + [(v, 1) for v in range(2, 8)], [(1, 3)],
         "n=9 u=7 p=33: 300 >= 297"),
        ("10.0.0.12", [(v, 1) for v in range(1, 8)], [],
         "n=7 u=7 p=33: 100 < 231"),
        ("10.0.0.13", [(1, 3), (2, 1), (3, 1), (4, 1)], [(1, 3)],
         "n=6 u=4 p=50: 300 == 300"),
        ("10.0.0.14", [(1, 4), (2, 4), (3, 4), (4, 4), (5, 3), (6, 1)],
         [(1, 4), (2, 4), (3, 4), (4, 4)], "n=20 p=20: 400 == 400"),
        ("10.0.0.15", [(2, 1), (1, 1)], [], "n=2 u=2 p=100"),
        ("10.0.0.16", [(3, 1)], [(3, 1)], "n=1"),
    ]
    pkts, exp = [], []
    for i, (src, dist, common, why) in enumerate(table):
        pkts += _dist_packets(src, dist, T0 + i)
        exp.append(_dist_expect(src, why, common))
    # the spec's worked example 2: sizes {60, 64}, TTLs {44: 2}
    for size in (60, 64):
        pkts.append(P(T0 + 20, eth(ip4("10.0.1.1", DST, 17,
                                       udp(5000, 53, b"q" * (size - 28)),
                                       ttl=44))))
    exp.append(rec("spec example n=2", W("10.0.1.1", protocol=17,
                                         dst_port=53),
                   packet_cnt=2, uniq_pkt_sizes=2, common_pkt_sizes=[],
                   common_pktsize_freqs=[], common_ttls=[44],
                   common_ttl_freqs=[2], uniq_src_ports=1,
                   common_srcports=[5000], common_srcport_freqs=[2],
                   uniq_tcp_flags=0, common_tcpflags=[],
                   common_tcpflag_freqs=[]))
    # the spec's worked example 1: n=518
    sizes = [72] * 356 + [80] * 141 + [60] * 5 + [64] * 4 + [76] * 4 + \
        [84] * 4 + [88] * 4
    for i, size in enumerate(sizes):
        sport = 20000 + (i % 475)
        pkts.append(P(T0 + 30, eth(ip4("10.0.2.1", DST, 6,
                                       tcp(sport, 445, 0x02,
                                           payload=b"p" * (size - 40)),
                                       ttl=122))))
    exp.append(rec("spec example n=518", W("10.0.2.1", protocol=6,
                                           dst_port=445),
                   packet_cnt=518, uniq_pkt_sizes=7,
                   common_pkt_sizes=[72, 80], common_pktsize_freqs=[356, 141],
                   common_ttls=[122], common_ttl_freqs=[518],
                   uniq_src_ports=475, common_srcports=[],
                   common_srcport_freqs=[], common_tcpflags=[2],
                   common_tcpflag_freqs=[518], first_syn_length=20,
                   first_tcp_rwin=1024))
    return pcap(1, pkts), {"intervals": [T0], "records": exp,
                           "nrecords": {T0: len(table) + 2}}


@case("icmp.pcap")
def c_icmp():
    S = "192.0.2.1"
    pk = [
        P(T0, eth(ip4("192.0.2.9", DST, 1, icmp(8, 0), ttl=234))),
        P(T0, eth(ip4(S, DST, 1, icmp(3, 3, b"\x00" * 32)))),
        P(T0, eth(ip4(S, DST, 1, icmp(11, 0)))),
        P(T0, eth(ip4(S, DST, 1, icmp(255, 255)))),
        P(T0, eth(ip4(S, DST, 1, icmp(128, 0)))),
        # echo reply: type 0 code 0 -> dst_port 0, like an absent header
        P(T0, eth(ip4(S, DST, 1, icmp(0, 0)))),
        # ICMP header cut by the capture: 4 of 8 bytes captured
        P(T0 + 1, eth(ip4(S, DST, 1, icmp(8, 0)))[:14 + 24], wire=42),
        # ICMP header cut by the IP total length (24), frame padded
        P(T0 + 2, eth(ip4(S, DST, 1, icmp(8, 0), tot=24), pad=True)),
    ]
    ex = [
        rec("spec example: ICMP n=1", W("192.0.2.9", protocol=1,
                                        dst_port=2048),
            packet_cnt=1, common_pkt_sizes=[28], common_pktsize_freqs=[1],
            common_ttls=[234], common_ttl_freqs=[1], common_srcports=[],
            common_srcport_freqs=[], common_tcpflags=[],
            common_tcpflag_freqs=[], uniq_src_ports=0, uniq_tcp_flags=0,
            first_syn_length=0, first_tcp_rwin=0),
        rec("type 3 code 3", W(S, protocol=1, dst_port=771), packet_cnt=1,
            common_pkt_sizes=[56]),
        rec("type 11 code 0", W(S, protocol=1, dst_port=2816), packet_cnt=1),
        rec("type 255 code 255", W(S, protocol=1, dst_port=65535),
            packet_cnt=1),
        rec("type 128", W(S, protocol=1, dst_port=32768), packet_cnt=1),
        rec("echo reply + two ICMP headers cut short share dst_port 0",
            W(S, protocol=1, dst_port=0), packet_cnt=3, uniq_pkt_sizes=2,
            common_pkt_sizes=[], common_pktsize_freqs=[]),   # 200 < 300
    ]
    return pcap(1, pk), {"records": ex, "nrecords": {T0: 6}}


@case("frag.pcap")
def c_frag():
    MF = 0x2000
    pk = [
        # UDP first fragment (MF, offset 0) with ports
        P(T0, eth(ip4("192.0.2.10", DST, 17, udp(5353, 53, b"a" * 40),
                      frag=MF))),
        # later fragment (offset 185*8), payload looks like a UDP header
        P(T0 + 1, eth(ip4("192.0.2.10", DST, 17, udp(7777, 99, b"b" * 40),
                          frag=185))),
        # TCP first fragment with a whole header, SYN
        P(T0 + 2, eth(ip4("192.0.2.11", DST, 6, tcp(1234, 22, 0x02, 555),
                          frag=MF))),
        # TCP later fragment whose bytes look like a SYN
        P(T0 + 3, eth(ip4("192.0.2.11", DST, 6, tcp(1234, 22, 0x02, 777),
                          frag=1))),
        # offset with only the high bits set (0x1000 * 8 bytes)
        P(T0 + 4, eth(ip4("192.0.2.11", DST, 6, tcp(1234, 22, 0x02, 888),
                          frag=0x1000))),
        # DF + reserved bit, offset 0: an ordinary packet
        P(T0 + 5, eth(ip4("192.0.2.12", DST, 17, udp(1, 2), frag=0xC000))),
        # first fragment whose UDP header lies beyond the IP total length
        P(T0 + 6, eth(ip4("192.0.2.13", DST, 17, udp(1, 2), tot=24,
                          frag=MF), pad=True)),
    ]
    ex = [
        rec("first fragment keeps ports", W("192.0.2.10", protocol=17,
                                            dst_port=53),
            packet_cnt=1, uniq_src_ports=1, common_srcports=[5353]),
        rec("later fragment: no transport", W("192.0.2.10", protocol=17,
                                              dst_port=0),
            packet_cnt=1, uniq_src_ports=0, common_srcports=[],
            common_pkt_sizes=[68], common_ttls=[64]),
        rec("TCP first fragment", W("192.0.2.11", protocol=6, dst_port=22),
            packet_cnt=1, first_syn_length=20, first_tcp_rwin=555,
            uniq_tcp_flags=1),
        rec("TCP later fragments", W("192.0.2.11", protocol=6, dst_port=0),
            packet_cnt=2, first_syn_length=0, first_tcp_rwin=0,
            uniq_tcp_flags=0, uniq_src_ports=0, common_tcpflags=[]),
        rec("DF+reserved offset 0", W("192.0.2.12", protocol=17, dst_port=2),
            packet_cnt=1, uniq_src_ports=1),
        rec("first fragment, UDP beyond total length",
            W("192.0.2.13", protocol=17, dst_port=0), packet_cnt=1,
            uniq_src_ports=0, common_pkt_sizes=[24]),
    ]
    return pcap(1, pk), {"records": ex, "nrecords": {T0: 6}}


@case("trunc.pcap")
def c_trunc():
    def t(i, frame, cap=None, pad=False):
        f = eth(frame, pad=pad)
        return P(T0 + i, f[:cap] if cap else f, wire=len(f))

    s = "192.0.2.%d".__mod__
    full = tcp(3000, 80, 0x02, 900, payload=b"d" * 20)
    pk = [
        t(0, ip4(s(20), DST, 6, full), cap=14 + 20 + 19),    # 19 TCP bytes
        t(1, ip4(s(21), DST, 6, full), cap=14 + 20 + 20),    # exactly 20
        t(2, ip4(s(22), DST, 6, tcp(3000, 80, 0x02, 900, doff=8)),
          cap=14 + 20 + 31),                                 # 31 of 32
        t(3, ip4(s(23), DST, 6, tcp(3000, 80, 0x02, 900, doff=8)),
          cap=14 + 20 + 32),                                 # 32 of 32
        t(4, ip4(s(24), DST, 6, tcp(3000, 80, 0x02, 900), tot=36),
          pad=True),                                         # tot: 16 bytes
        t(5, ip4(s(25), DST, 6, tcp(3000, 80, 0x02, 900, doff=8), tot=48),
          pad=True),                                         # tot < doff*4
        t(6, ip4(s(26), DST, 6, tcp(3000, 80, 0x02, 900, doff=4))),
        t(7, ip4(s(27), DST, 6, tcp(3000, 80, 0x02, 900, doff=0))),
        t(8, ip4(s(28), DST, 6, tcp(3000, 80, 0x02, 900, doff=15))),
        t(9, ip4(s(29), DST, 17, udp(3000, 53, b"x" * 10)),
          cap=14 + 20 + 7),                                  # 7 UDP bytes
        t(10, ip4(s(30), DST, 17, udp(3000, 53)), cap=14 + 20 + 8),
        t(11, ip4(s(31), DST, 17, udp(3000, 53), tot=27), pad=True),
        # IPv4 options (IHL 7): transport read after them
        t(12, ip4(s(32), DST, 17, udp(3001, 54), ihl=7)),
        # port-0 TCP with a header and a header-less TCP packet share a key
        t(13, ip4(s(33), DST, 6, tcp(3002, 0, 0x10, 5))),
        t(14, ip4(s(33), DST, 6, full), cap=14 + 20 + 10),
    ]
    absent = dict(dst_port=0, uniq_src_ports=0, uniq_tcp_flags=0,
                  common_srcports=[], common_tcpflags=[], first_syn_length=0,
                  first_tcp_rwin=0, packet_cnt=1)
    ex = [
        rec("19 TCP bytes captured", W(s(20), protocol=6), **absent),
        rec("20 TCP bytes, doff 5", W(s(21), protocol=6), dst_port=80,
            first_syn_length=20, first_tcp_rwin=900, common_pkt_sizes=[60]),
        rec("doff 8, 31 bytes", W(s(22), protocol=6), **absent),
        rec("doff 8, 32 bytes", W(s(23), protocol=6), dst_port=80,
            first_syn_length=32),
        rec("total length leaves 16 TCP bytes", W(s(24), protocol=6),
            common_pkt_sizes=[36], **absent),
        rec("total length < doff*4", W(s(25), protocol=6), **absent),
        rec("doff 4 is invalid", W(s(26), protocol=6), **absent),
        rec("doff 0 is invalid", W(s(27), protocol=6), **absent),
        rec("doff 15, 60-byte header", W(s(28), protocol=6), dst_port=80,
            first_syn_length=60, uniq_src_ports=1),
        rec("7 UDP bytes", W(s(29), protocol=17), dst_port=0,
            uniq_src_ports=0, common_srcports=[]),
        rec("8 UDP bytes", W(s(30), protocol=17), dst_port=53,
            uniq_src_ports=1),
        rec("UDP cut by total length", W(s(31), protocol=17), dst_port=0,
            uniq_src_ports=0, common_pkt_sizes=[27]),
        rec("after IP options", W(s(32), protocol=17), dst_port=54,
            common_srcports=[3001], common_pkt_sizes=[36]),
        rec("absent header adds nothing to ports/flags",
            W(s(33), protocol=6, dst_port=0), packet_cnt=2, uniq_src_ports=1,
            uniq_tcp_flags=1, common_srcports=[], common_tcpflags=[],
            uniq_pkt_sizes=2),
    ]
    return pcap(1, pk), {"records": ex, "nrecords": {T0: 14}}


@case("syn.pcap")
def c_syn():
    def p(i, src, flags, win, doff=5, dport=80, t=None):
        return P(T0 + i if t is None else t,
                 eth(ip4(src, DST, 6, tcp(4000 + i, dport, flags, win, doff))))

    pk = [
        p(0, "192.0.2.40", 0x12, 111),           # SYN-ACK first
        p(1, "192.0.2.40", 0x02, 222, doff=6),   # first SYN
        p(2, "192.0.2.40", 0x02, 333, doff=8),   # second SYN
        p(3, "192.0.2.41", 0x12, 111),
        p(4, "192.0.2.41", 0x04, 0),
        p(5, "192.0.2.42", 0xC2, 444, doff=10),  # SYN+ECE+CWR
        p(6, "192.0.2.42", 0x02, 555),
        p(7, "192.0.2.43", 0x03, 666),           # SYN+FIN, ACK clear
        # SYN cut short (doff 8, 24 bytes captured) then a whole SYN:
        # different keys (dst_port 0 vs 80)
        P(T0 + 8, eth(ip4("192.0.2.44", DST, 6,
                          tcp(1, 80, 0x02, 1, doff=8)))[:14 + 20 + 24],
          wire=66),
        p(9, "192.0.2.44", 0x02, 777),
        p(10, "192.0.2.45", 0x02, 100, t=T0 + 299),
        p(11, "192.0.2.45", 0x02, 200, doff=7, t=T0 + 300),
    ]
    ex = [
        rec("SYN-ACK then SYN", W("192.0.2.40"), packet_cnt=3,
            first_syn_length=24, first_tcp_rwin=222, uniq_tcp_flags=2),
        rec("no SYN without ACK", W("192.0.2.41"), first_syn_length=0,
            first_tcp_rwin=0),
        rec("SYN with ECE+CWR", W("192.0.2.42"), first_syn_length=40,
            first_tcp_rwin=444),
        rec("SYN+FIN", W("192.0.2.43"), first_syn_length=20,
            first_tcp_rwin=666),
        rec("cut SYN: no transport", W("192.0.2.44", dst_port=0),
            first_syn_length=0, first_tcp_rwin=0),
        rec("whole SYN", W("192.0.2.44", dst_port=80), first_syn_length=20,
            first_tcp_rwin=777),
        rec("first SYN per interval (1)", W("192.0.2.45", time=T0),
            first_syn_length=20, first_tcp_rwin=100),
        rec("first SYN per interval (2)", W("192.0.2.45", time=T0 + 300),
            first_syn_length=28, first_tcp_rwin=200),
    ]
    return pcap(1, pk), {"records": ex, "intervals": [T0, T0 + 300]}


@case("late.pcap")
def c_late():
    X = "192.0.2.50"
    pk = [
        P(T0 + 10, eth(syn(X))),
        P(T0 + 310, eth(syn(X))),               # opens T0+300
        P(T0 + 20, eth(syn(X))),                # late
        P(T0 + 305, eth(syn(X))),
        P(T0 + 299, eth(syn("192.0.2.51"))),    # late, new key
        P(T0 + 5, eth(ip6(), 0x86DD)),          # late IPv6
        P(T0 + 6, ARP),                         # late ARP
    ]
    ex = [
        rec("on time", W(X, time=T0), packet_cnt=1),
        rec("late packets join the open interval", W(X, time=T0 + 300),
            packet_cnt=3),
        rec("late only", W("192.0.2.51", time=T0 + 300), packet_cnt=1),
    ]
    st = [{"interval": T0, "expect": {"total": 1, "late": 0}},
          {"interval": T0 + 300,
           "expect": {"total": 6, "late": 4, "ipv4": 4, "ipv6": 1,
                      "non_ip": 1, "bad_time": 0}}]
    return pcap(1, pk), {"records": ex, "intervals": [T0, T0 + 300],
                         "stats": st}


@case("badtime.pcap")
def c_badtime():
    # default max_time_jump 86400
    X = "192.0.2.60"
    pk = [
        P(T0 + 1, eth(syn(X))),
        P(T0 + 86400 + 305, eth(syn(X))),       # 86700 > 86400: bad_time
        P(T0 + 100, eth(syn(X))),               # still T0, not late
        P(0xFFFFFFFF, eth(syn(X))),             # far future: bad_time
        P(T0 + 400, eth(syn(X))),               # opens T0+300
        P(T0 + 86400 + 300 + 7, eth(syn(X))),   # exactly 86400 ahead: ok
    ]
    last = T0 + 300 + 86400
    ex = [
        rec("bad_time packets count in the open interval", W(X, time=T0),
            packet_cnt=4),
        rec("a jump of exactly max_time_jump moves the clock",
            W(X, time=last), packet_cnt=1),
    ]
    st = [{"interval": T0, "expect": {"total": 4, "bad_time": 2,
                                      "late": 0}},
          {"interval": last, "expect": {"total": 1, "bad_time": 0}}]
    return pcap(1, pk), {
        "intervals": list(range(T0, last + 1, 300)), "records": ex,
        "nrecords": {T0: 1, T0 + 600: 0, last - 300: 0, last: 1},
        "stats": st}


@case("badtime_j1200.pcap", conf="max_time_jump: 1200")
def c_badtime_j1200():
    X = "192.0.2.61"
    pk = [
        P(T0, eth(syn(X))),
        P(T0 + 1500, eth(syn(X))),              # 1500 > 1200: bad_time
        P(T0 + 1200 + 299, eth(syn(X))),        # 1200: moves the clock
        P(T0 + 2700 + 1, eth(syn(X))),          # 1500 past T0+1200: bad
        P(T0 + 2400, eth(syn(X))),              # 1200 past: ok
    ]
    ex = [rec("", W(X, time=T0), packet_cnt=2),
          rec("", W(X, time=T0 + 1200), packet_cnt=2),
          rec("", W(X, time=T0 + 2400), packet_cnt=1)]
    return pcap(1, pk), {"intervals": list(range(T0, T0 + 2401, 300)),
                         "records": ex,
                         "stats": [{"interval": T0 + 1200,
                                    "expect": {"bad_time": 1}}]}


@case("nolimit_hourly.pcap", conf="interval: 3600; max_time_jump: 0")
def c_nolimit():
    X = "192.0.2.62"
    pk = [P(T0H + 5, eth(syn(X))),
          P(T0H + 3599, eth(syn(X))),
          P(T0H + 2 * 86400 + 3600 + 1, eth(syn(X)))]
    return pcap(1, pk), {
        "intervals": list(range(T0H, T0H + 2 * 86400 + 3601, 3600)),
        "records": [rec("interval 3600", W(X, time=T0H), packet_cnt=2),
                    rec("no jump limit", W(X, time=T0H + 2 * 86400 + 3600),
                        packet_cnt=1)]}


@case("gap.pcap")
def c_gap():
    pk = [P(T0 + 5, eth(syn("192.0.2.70"))),
          P(T0 + 1507, eth(syn("192.0.2.71")))]
    return pcap(1, pk), {
        "intervals": [T0 + 300 * i for i in range(6)],
        "nrecords": {T0 + 300 * i: (1 if i in (0, 5) else 0)
                     for i in range(6)}}


@case("sort.pcap")
def c_sort():
    order = [  # hand-sorted: (src_ip, dst address, protocol, dst_port)
        ("0.0.0.1", "10.0.0.5", 6, 80),
        ("10.0.0.1", "10.0.0.5", 6, 80),
        ("127.255.255.255", "10.0.0.5", 6, 80),
        ("128.0.0.0", "10.0.0.5", 6, 80),
        ("200.1.1.1", "10.1.2.3", 1, 771),
        ("200.1.1.1", "10.1.2.3", 1, 2048),
        ("200.1.1.1", "10.1.2.3", 1, 32768),
        ("200.1.1.1", "10.1.2.3", 6, 0),
        ("200.1.1.1", "10.1.2.3", 6, 1),
        ("200.1.1.1", "10.1.2.3", 6, 32767),
        ("200.1.1.1", "10.1.2.3", 6, 32768),
        ("200.1.1.1", "10.1.2.3", 6, 65535),
        ("200.1.1.1", "10.1.2.3", 17, 53),
        ("200.1.1.1", "10.1.2.3", 47, 0),
        ("200.1.1.1", "10.1.2.3", 132, 0),
        ("200.1.1.1", "127.255.2.3", 6, 80),
        ("200.1.1.1", "128.0.2.3", 6, 80),
        ("200.1.1.1", "255.255.2.3", 6, 80),
        ("255.255.255.255", "0.0.0.1", 6, 80),
        ("255.255.255.255", "10.0.0.1", 17, 65535),
    ]
    nets = {"10.0.0.5": "10.0.0.0", "10.1.2.3": "10.1.0.0",
            "127.255.2.3": "127.255.0.0", "128.0.2.3": "128.0.0.0",
            "255.255.2.3": "255.255.0.0", "0.0.0.1": "0.0.0.0",
            "10.0.0.1": "10.0.0.0"}
    pk = []
    scrambled = order[1::2][::-1] + order[0::2]
    for i, (src, dst, proto, port) in enumerate(scrambled):
        if proto == 6:
            l4 = tcp(50000, port, 0x02)
        elif proto == 17:
            l4 = udp(50000, port)
        elif proto == 1:
            l4 = icmp(port >> 8, port & 255)
        else:
            l4 = b"\x00" * 8
        pk.append(P(T0 + i, eth(ip4(src, dst, proto, l4))))
    want = [[A(s), A(nets[d]), p, port] for s, d, p, port in order]
    return pcap(1, pk), {"order": {T0: want}, "nrecords": {T0: len(order)}}


@case("classes.pcap")
def c_classes():
    S = "192.0.2.80"
    good = ip4(S, DST, 17, udp(1, 53))
    pk = [P(T0 + i, f) for i, f in enumerate([
        eth(good),
        eth(ip6(), 0x86DD),
        ARP,
        eth(b"\xaa\xaa\x03" + b"\x00" * 40, 0x0040),       # 802.3 length
        eth(good)[:10],                                    # runt
        eth(good, tags=(0x8100,))[:16],                    # cut in the tag
        eth(good)[:14],                                    # no IP bytes
        eth(ip4(S, DST, 17, udp(1, 53), ihl=4)),           # IHL < 5
        eth(ip4(S, DST, 17, udp(1, 53), ver=5)),           # version 5
        eth(ip4(S, DST, 17, udp(1, 53), ver=6)),           # version 6
        eth(ip4(S, DST, 17, udp(1, 53), tot=19)),          # tot < 20
        eth(ip4(S, DST, 17, udp(1, 53), tot=0)),           # tot 0 (TSO)
        eth(ip4(S, DST, 17, udp(1, 53), ihl=6))[:14 + 20],  # options cut
        eth(good)[:14 + 19],                               # 19 header bytes
        eth(ip4(S, DST, 17, udp(1, 53), tot=2000)),        # tot > capture
    ])]
    ex = [rec("valid packets only", W(S, protocol=17, dst_port=53),
              packet_cnt=2, uniq_pkt_sizes=2)]
    st = [{"interval": T0, "expect": {
        "total": 15, "ipv4": 2, "ipv6": 1, "non_ip": 4, "malformed": 8,
        "udp": 2, "ip_bytes": 28 + 2000, "distinct_src": 1}}]
    return pcap(1, pk), {"records": ex, "nrecords": {T0: 1}, "stats": st}


# ---- link types: each file holds a SYN from its own source -----------------


def _link_case(name, lt, frames, src, stats, linkword=None, records=None):
    pk = [P(T0 + i, f) for i, f in enumerate(frames)]
    records = records or [one_syn_expect(src, name)]
    case(name)(lambda: (pcap(lt, pk, linkword=linkword), {
        "records": records, "nrecords": {T0: 1},
        "stats": [{"interval": T0, "expect": stats}]}))


def _register_link_cases():
    s = syn("10.1.0.1")
    _link_case("eth_vlan.pcap", 1, [
        eth(s, tags=(0x8100,)), eth(syn("10.1.0.1", dport=81),
                                    tags=(0x88A8, 0x8100))[:17],
        eth(ip6(), 0x86DD, tags=(0x88A8, 0x8100)),
        eth(b"\x00" * 28, 0x0806, tags=(0x9100,))],
        "10.1.0.1", {"ipv4": 1, "ipv6": 1, "non_ip": 2})
    s = syn("10.1.0.2")
    _link_case("eth_qinq.pcap", 1, [
        eth(s, tags=(0x88A8, 0x8100)), eth(ip6(), 0x86DD, tags=(0x8100,))],
        "10.1.0.2", {"ipv4": 1, "ipv6": 1})
    s = syn("10.1.0.3")
    _link_case("eth_9100_triple.pcap", 1, [
        eth(s, tags=(0x9100, 0x8100, 0x8100))], "10.1.0.3", {"ipv4": 1})

    def mpls(*labels):
        return b"".join(struct.pack(">I", (lb << 12) | (0x100 if i ==
                                                       len(labels) - 1 else 0)
                                    | 64) for i, lb in enumerate(labels))
    s = syn("10.1.0.4")
    _link_case("eth_mpls.pcap", 1, [
        eth(mpls(16, 17) + s, 0x8847),
        eth(mpls(18) + ip6(), 0x8847),
        eth(mpls(19) + b"\x50" + b"\x00" * 40, 0x8847),    # nibble 5
        eth(mpls(20, 21)[:6], 0x8847),                     # cut in labels
        eth(mpls(22) + syn("10.1.0.4", dport=80), 0x8848),
        eth(mpls(23) + s, 0x8847, tags=(0x8100,)),
    ], "10.1.0.4", {"ipv4": 3, "ipv6": 1, "non_ip": 2}, records=[
        rec("MPLS, VLAN+MPLS and 0x8848 stacks",
            W("10.1.0.4", protocol=6, dst_port=80), packet_cnt=3,
            first_syn_length=20)])

    s = syn("10.1.0.5")
    _link_case("eth_pppoe.pcap", 1, [
        eth(b"\x11\x00\x00\x01" + struct.pack(">H", len(s) + 2) +
            b"\x00\x21" + s, 0x8864),
        eth(b"\x11\x00\x00\x01\x00\x2a\x00\x57" + ip6(), 0x8864),
        eth(b"\x11\x00\x00\x01\x00\x06\xc0\x21\x01\x01\x00\x04", 0x8864),
        eth(b"\x11\x09\x00\x00\x00\x00", 0x8863),          # discovery
    ], "10.1.0.5", {"ipv4": 1, "ipv6": 1, "non_ip": 2})

    def sll(proto, payload):
        return struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 8, proto) + payload
    _link_case("sll.pcap", 113, [
        sll(0x0800, syn("10.1.0.6")), sll(0x86DD, ip6()),
        sll(0x0806, b"\x00" * 28), sll(0x0800, b"")[:10]],
        "10.1.0.6", {"ipv4": 1, "ipv6": 1, "non_ip": 2})

    def sll2(proto, payload):
        return struct.pack(">HHIHBB8s", proto, 0, 2, 1, 0, 6,
                           b"\x02" * 8) + payload
    _link_case("sll2.pcap", 276, [
        sll2(0x0800, syn("10.1.0.7")), sll2(0x86DD, ip6()),
        sll2(0x0806, b"\x00" * 28), sll2(0x0800, b"")[:12]],
        "10.1.0.7", {"ipv4": 1, "ipv6": 1, "non_ip": 2})

    for lt, n in ((101, 8), (12, 9), (14, 10)):
        _link_case("raw%d.pcap" % lt, lt, [
            syn("10.1.0.%d" % n), ip6(), b"\x50" + b"\x00" * 39],
            "10.1.0.%d" % n, {"ipv4": 1, "ipv6": 1, "malformed": 1,
                              "non_ip": 0})
    _link_case("ipv4_228.pcap", 228, [syn("10.1.0.11"), ip6()],
               "10.1.0.11", {"ipv4": 1, "malformed": 1})
    case("ipv6_229.pcap")(lambda: (pcap(229, [P(T0, ip6()), P(T0, ip6())]), {
        "nrecords": {T0: 0}, "intervals": [T0],
        "stats": [{"interval": T0, "expect": {"ipv6": 2, "total": 2}}]}))

    def af(fmt, v, payload):
        return struct.pack(fmt, v) + payload
    _link_case("null_le.pcap", 0, [
        af("<I", 2, syn("10.1.0.12")), af("<I", 24, ip6()),
        af("<I", 28, ip6()), af("<I", 30, ip6()), af("<I", 7, b"\x00" * 20),
        b"\x02\x00"], "10.1.0.12", {"ipv4": 1, "ipv6": 3, "non_ip": 2})
    _link_case("null_be.pcap", 0, [
        af(">I", 2, syn("10.1.0.13")), af(">I", 30, ip6())],
        "10.1.0.13", {"ipv4": 1, "ipv6": 1})
    _link_case("loop.pcap", 108, [
        af(">I", 2, syn("10.1.0.14")), af(">I", 24, ip6()),
        af(">I", 7, b"\x00" * 20)],
        "10.1.0.14", {"ipv4": 1, "ipv6": 1, "non_ip": 1})
    s = syn("10.1.0.15")
    _link_case("ppp.pcap", 9, [
        b"\xff\x03\x00\x21" + s, b"\xff\x03\x00\x57" + ip6(),
        b"\xff\x03\xc0\x21\x01\x01\x00\x04"],
        "10.1.0.15", {"ipv4": 1, "ipv6": 1, "non_ip": 1})
    _link_case("chdlc.pcap", 104, [
        b"\x0f\x00\x08\x00" + syn("10.1.0.16"), b"\x8f\x00\x86\xdd" + ip6(),
        b"\x8f\x00\x80\x35" + b"\x00" * 14],
        "10.1.0.16", {"ipv4": 1, "ipv6": 1, "non_ip": 1})
    _link_case("ppp_hdlc.pcap", 50, [
        b"\xff\x03\x00\x21" + syn("10.1.0.17"), b"\xff\x03\x00\x57" + ip6()],
        "10.1.0.17", {"ipv4": 1, "ipv6": 1})
    _link_case("linkword_reserved_bits.pcap", 1, [eth(syn("10.1.0.18"))],
               "10.1.0.18", {"ipv4": 1}, linkword=0x30000001)


_register_link_cases()


# ---- containers ----------------------------------------------------------


def _container_pkts(src):
    return [P(T0, eth(syn(src))), P(T0 + 299, eth(syn(src)), ns=999999999),
            P(T0 + 300, eth(syn(src)), ns=1)]


def _container_expect(src):
    return {"intervals": [T0, T0 + 300], "records": [
        rec("", W(src, time=T0), packet_cnt=2),
        rec("", W(src, time=T0 + 300), packet_cnt=1)]}


for _i, (_ns, _big) in enumerate([(False, True), (True, False), (True, True)]):
    def _mk(ns=_ns, big=_big, src="10.2.0.%d" % (_i + 1)):
        return pcap(1, _container_pkts(src), ns=ns, big=big), \
            _container_expect(src)
    case("pcap_%s_%s.pcap" % ("ns" if _ns else "us", "be" if _big else "le")
         )(_mk)

for _comp, _fn in (("gz", gzip.compress), ("bz2", bz2.compress),
                   ("xz", lzma.compress)):
    def _mkc(fn=_fn, src="10.2.1.%d" % len(CASES)):
        return fn(pcap(1, _container_pkts(src))), _container_expect(src)
    case("compressed.pcap." + _comp)(_mkc)


@case("gzip_named_plain.pcap")
def c_gzip_misnamed():
    return gzip.compress(pcap(1, _container_pkts("10.2.2.1"))), \
        _container_expect("10.2.2.1")


@case("classic_named.pcapng")
def c_pcap_misnamed():
    return pcap(1, _container_pkts("10.2.2.2")), _container_expect("10.2.2.2")


@case("multi.pcapng")
def c_pcapng():
    le, be = "<", ">"
    X, Y, Z = "10.2.3.1", "10.2.3.2", "10.2.3.3"
    blocks = [
        shb(le),
        idb(le, 1, tsresol=9),                      # if0: Ethernet, ns
        idb(le, 101, tsresol=0x83, tsoffset=600),   # if1: raw, 1/8 s, +600
        _block(le, 4, b"\x00" * 4),                 # NRB (end of records)
        epb(le, 0, (T0 + 10) * 10 ** 9 + 5, eth(syn(X))),
        epb(le, 1, (T0 - 600 + 20) * 8 + 7, syn(Y)),  # T0+20 after offset
        opb(le, 0, (T0 + 30) * 10 ** 9, eth(syn(X))),
        spb(le, eth(syn(X))),                       # no timestamp
        _block(le, 0x40000BAD, b"\x00" * 8),        # custom block
        _block(le, 5, struct.pack("<III", 0, 0, 0)),  # ISB
        shb(be),                                    # new section, BE
        idb(be, 1),                                 # if0: Ethernet, us
        epb(be, 0, (T0 + 300) * 10 ** 6 + 1, eth(syn(Z))),
        epb(be, 0, (T0 + 301) * 10 ** 6, eth(syn(X))),
    ]
    ex = [rec("EPB+OPB+SPB on if0", W(X, time=T0), packet_cnt=3),
          rec("2^-3 resolution and tsoffset", W(Y, time=T0), packet_cnt=1),
          rec("second section, big-endian", W(Z, time=T0 + 300),
              packet_cnt=1),
          rec("", W(X, time=T0 + 300), packet_cnt=1)]
    return b"".join(blocks), {"intervals": [T0, T0 + 300], "records": ex}


@case("edge.erf", prefix="erf:")
def c_erf():
    X = "10.2.4.1"
    ppp = b"\xff\x03\x00\x21" + syn(X)
    chd = b"\x0f\x00\x08\x00" + syn(X)
    recs = [
        erf(T0 + 1, 2, b"\x00\x00" + eth(syn(X)), 58),          # ETH
        erf(T0 + 2, 2, b"\x00\x00" + eth(syn(X)), 58, ext=2),   # ext hdrs
        erf(T0 + 3, 22, syn(X), 40),                            # IPv4
        erf(T0 + 4, 23, ip6(), 40),                             # IPv6
        erf(T0 + 5, 1, ppp, len(ppp)),                          # PPP-HDLC
        erf(T0 + 6, 1, chd, len(chd)),                          # Cisco HDLC
        erf(T0 + 300, 2, b"\x00\x00" + eth(syn(X)), 58),
    ]
    return b"".join(recs), {"intervals": [T0, T0 + 300], "records": [
        rec("ERF ETH/IPv4/HDLC", W(X, time=T0), packet_cnt=5),
        rec("", W(X, time=T0 + 300), packet_cnt=1)],
        "stats": [{"interval": T0, "expect": {"ipv4": 5, "ipv6": 1}}]}


@case("cut_mid_record.pcap")
def c_cut():
    data = pcap(1, [P(T0, eth(syn("10.2.5.1"))),
                    P(T0 + 1, eth(syn("10.2.5.2"))),
                    P(T0 + 400, eth(syn("10.2.5.3")))])
    return data[:-10], {"intervals": [T0], "nrecords": {T0: 2}}


@case("prefix24.pcap", conf="dst_prefix_len: 24")
def c_prefix24():
    X = "10.2.6.1"
    pk = [P(T0, eth(syn(X, dst="44.1.2.3"))), P(T0, eth(syn(X, dst="44.1.2.9"))),
          P(T0, eth(syn(X, dst="44.1.3.3")))]
    return pcap(1, pk), {"records": [
        rec("/24", W(X, dst_net="44.1.2.0"), packet_cnt=2, uniq_dst_ips=2),
        rec("/24", W(X, dst_net="44.1.3.0"), packet_cnt=1)],
        "nrecords": {T0: 2}}


@case("rotate3.pcap", conf="rotate_intervals: 3")
def c_rotate():
    X = "10.2.7.1"
    # T0 is 300*5666666; 5666666 = 3*1888888 + 2, so T0 - 600 starts a file
    pk = [P(T0 + i * 300, eth(syn(X))) for i in (0, 1, 2, 5)]
    return pcap(1, pk), {}


@case("codec_null.pcap", conf='codec: "null"')
def c_codec_null():
    return pcap(1, _container_pkts("10.2.8.1")), _container_expect("10.2.8.1")


@case("codec_snappy.pcap", conf="codec: snappy")
def c_codec_snappy():
    return pcap(1, _container_pkts("10.2.8.2")), _container_expect("10.2.8.2")


# ---------------------------------------------------------------- main


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    expect, manifest = {}, []
    for name, conf, prefix, fn in CASES:
        data, exp = fn()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        for k in ("nrecords", "order"):
            if k in exp:
                exp[k] = {str(t): v for t, v in exp[k].items()}
        expect[name] = exp
        manifest.append("%s\t%s\t%s\n" % (name, conf, prefix))
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump(expect, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.writelines(manifest)
    print("%d captures written to %s" % (len(CASES), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
