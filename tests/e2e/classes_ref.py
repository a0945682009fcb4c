#!/usr/bin/python3
"""The packet classes and rules of umbrad, restated in Python for the tests.

An independent reference for tests/e2e/test_classes.sh: it parses IPv4
headers with the struct module and applies the definitions of README.md
"Packet classes and rules" (bogon networks through the ipaddress module,
the TCP flag rule in its own words), nothing of umbrad's code.  It also
makes the hand-made capture the test runs (classes_capture()) and writes
pcapng files (write_pcapng()).
"""

import ipaddress
import random
import struct

CLASSES = ["spoofed", "erratic", "masscan", "mirai", "zmap", "backscatter",
           "abnormal", "fragment", "high_ttl", "syn_noopt", "win1024",
           "port0"]
RULES = ["drop_classes", "keep_classes", "drop_sources", "keep_sources",
         "drop_filter", "keep_filter"]

BOGONS = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4")]
KNOWN_PROTOCOLS = {1, 4, 6, 17, 41, 47, 50, 51, 132}
ICMP_ANSWERS = {0, 3, 4, 5, 11, 12, 14, 16, 18}
ERRATIC_PORTS = {137, 138, 1900, 5353} | set(range(6881, 6890))

LINK_ETH, LINK_RAW, LINK_SLL = 1, 101, 113


def A(s):
    return int(ipaddress.ip_address(s))


def bogon(a):
    ip = ipaddress.ip_address(a)
    return any(ip in n for n in BOGONS) or (a & 0xff) in (0, 255)


def tcp_normal(flags):
    """A flag set a normal connection can carry: a SYN or a RST alone
    without ACK; with ACK anything but SYN with FIN or RST."""
    f = flags & 0x3f
    syn, fin, rst, ack = f & 2, f & 1, f & 4, f & 0x10
    if not ack:
        return f in (0x02, 0x04)
    return not (syn and (fin or rst))


class Pkt:
    """An IPv4 packet as the decoder sees it: ip is the captured bytes from
    the IPv4 header to the end of the frame."""

    def __init__(self, ip):
        self.ip = ip
        self.valid = False
        if len(ip) < 20 or ip[0] >> 4 != 4:
            return
        self.ihl = (ip[0] & 15) * 4
        (self.tot, self.ident, self.frag, self.ttl, self.proto,
         self.src, self.dst) = struct.unpack(">2xHHHBB2xII", ip[:20])
        if self.ihl < 20 or self.ihl > len(ip) or self.tot < self.ihl:
            return
        self.valid = True
        self.offset = self.frag & 0x1fff
        # the transport bytes inside the capture and the total length
        self.l4 = ip[self.ihl:min(self.tot, len(ip))] if self.offset == 0 \
            else b""
        self.tcp = self.udp = self.icmp = None
        if self.proto == 6 and len(self.l4) >= 20:
            sport, dport, seq, off, flags, win = struct.unpack(
                ">HHI4xBBH", self.l4[:16])
            doff = (off >> 4) * 4
            if 20 <= doff <= len(self.l4):
                self.tcp = (sport, dport, seq, flags, win, doff)
        elif self.proto == 17 and len(self.l4) >= 8:
            self.udp = struct.unpack(">HH", self.l4[:4])
        elif self.proto == 1 and len(self.l4) >= 8:
            self.icmp = self.l4[0]

    def classes(self):
        c = set()
        if bogon(self.src) or self.src == self.dst:
            c.add("spoofed")
        if self.ident == 54321:
            c.add("zmap")
        if self.proto not in KNOWN_PROTOCOLS or self.frag & 0x8000:
            c.add("abnormal")
        if self.frag & 0x2000 or self.offset:
            c.add("fragment")
        if self.ttl >= 200:
            c.add("high_ttl")
        if self.tcp:
            sport, dport, seq, flags, win, doff = self.tcp
            syn = flags & 0x12 == 0x02
            if syn and self.ident == (self.dst ^ dport ^ seq) & 0xffff:
                c.add("masscan")
            if syn and seq == self.dst:
                c.add("mirai")
            if flags & 0x12 == 0x12 or flags & 0x04:
                c.add("backscatter")
            if not tcp_normal(flags):
                c.add("abnormal")
            if syn and doff == 20:
                c.add("syn_noopt")
            if win == 1024:
                c.add("win1024")
            if sport == 0 or dport == 0:
                c.add("port0")
        if self.udp:
            sport, dport = self.udp
            pay = self.l4[8:]
            if sport == 0 or dport == 0:
                c.add("port0")
            if sport in ERRATIC_PORTS or dport in ERRATIC_PORTS:
                c.add("erratic")
            if len(pay) >= 4 and pay[:3] == b"d1:" and \
                    ord("a") <= pay[3] <= ord("z"):
                c.add("erratic")
            if sport == 53 and len(pay) >= 3 and pay[2] & 0x80:
                c.add("backscatter")
        if self.icmp is not None and self.icmp in ICMP_ANSWERS:
            c.add("backscatter")
        return c

    # pcap filter primitives as libpcap compiles them for raw IPv4: port
    # and flag tests need fragment offset 0 and read the captured bytes
    # (past the IP total length too); a read past them does not match.
    def _byte(self, off):
        return self.ip[off] if off < len(self.ip) else None

    def udp_dst_port(self):
        if self.proto != 17 or self.offset:
            return None
        o = self.ihl + 2
        return struct.unpack(">H", self.ip[o:o + 2])[0] \
            if o + 2 <= len(self.ip) else None

    def tcp_flags(self):
        if self.proto != 6 or self.offset:
            return None
        return self._byte(self.ihl + 13)


def in_any(a, nets):
    ip = ipaddress.ip_address(a)
    return any(ip in n for n in nets)


def refusing_rule(p, rules):
    """The rule kind that keeps p from aggregation, or None.  rules: dict
    with optional drop_classes, keep_classes (sets of names), drop_sources,
    keep_sources (lists of ip_network), drop_filter, keep_filter (Python
    predicates on Pkt)."""
    c = p.classes()
    if c & rules.get("drop_classes", set()):
        return "drop_classes"
    if rules.get("keep_classes") and not c & rules["keep_classes"]:
        return "keep_classes"
    if rules.get("drop_sources") and in_any(p.src, rules["drop_sources"]):
        return "drop_sources"
    if rules.get("keep_sources") and not in_any(p.src, rules["keep_sources"]):
        return "keep_sources"
    if rules.get("drop_filter") and rules["drop_filter"](p):
        return "drop_filter"
    if rules.get("keep_filter") and not rules["keep_filter"](p):
        return "keep_filter"
    return None


# ---------------------------------------------------------------- packets


def ip4(src, dst, proto, l4, ttl=64, ident=0x1234, frag=0, tot=None):
    if tot is None:
        tot = 20 + len(l4)
    return struct.pack(">BBHHHBBHII", 0x45, 0, tot, ident, frag, ttl, proto,
                       0, src, dst) + l4


def tcp(sport, dport, flags, win=29200, doff=5, seq=0x11111111):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags,
                       win, 0, 0) + b"\x01" * max(0, doff * 4 - 20)


def udp(sport, dport, payload=b""):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code=0):
    return struct.pack(">BBHI", typ, code, 0, 0x00010002)


def eth(payload, etype=0x0800, tags=()):
    f = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
    for tpid in tags:
        f += struct.pack(">HH", tpid, 7)
    f += struct.pack(">H", etype) + payload
    return f.ljust(60, b"\x00")  # Ethernet padding past the IP packet


def sll(payload):
    return struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 6 + b"\0\0",
                       0x0800) + payload


ARP = eth(b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x00" * 20, 0x0806)
IPV6 = eth(struct.pack(">IHBB16s16s", 6 << 28, 0, 59, 64, b"\x20" * 16,
                       b"\x21" * 16), 0x86DD)

DSTS = [A("44.1.0.0"), A("44.2.0.0"), A("44.3.0.0")]
SRC_POOL = [A(s) for s in (
    "23.1.2.3", "23.200.7.9", "45.67.1.1", "45.67.200.13", "45.68.1.1",
    "81.2.69.160", "91.198.174.192", "185.220.101.5", "1.2.3.4",
    "8.8.8.8", "203.0.114.7", "100.128.0.9", "172.32.5.5")]
BOGON_POOL = [A(s) for s in (
    "10.1.2.3", "192.168.1.7", "100.64.0.1", "127.0.0.2", "169.254.3.3",
    "172.16.9.9", "192.0.2.55", "198.18.4.4", "198.51.100.8",
    "203.0.113.9", "224.0.0.5", "250.1.1.1", "255.255.255.255", "0.1.2.3",
    "192.0.0.9")]


def crafted():
    """Packets at the edges of every class: (ip bytes, cut) pairs, cut the
    number of captured bytes of the IP packet (None: all)."""
    s, d = A("23.1.2.3"), A("44.1.2.3")
    out = []
    add = lambda ip, cut=None: out.append((ip, cut))  # noqa: E731
    add(ip4(s, d, 6, tcp(40000, 80, 0x10, doff=8)))             # none
    for b in BOGON_POOL:
        add(ip4(b, d, 6, tcp(40000, 80, 0x10, doff=8)))
    add(ip4(A("23.1.2.0"), d, 6, tcp(40000, 80, 0x10, doff=8)))
    add(ip4(A("23.1.2.255"), d, 6, tcp(40000, 80, 0x10, doff=8)))
    add(ip4(d, d, 6, tcp(40000, 80, 0x10, doff=8)))
    for port in (136, 137, 138, 139, 1899, 1900, 5353, 6880, 6881, 6889,
                 6890):
        add(ip4(s, d, 17, udp(40000, port)))
        add(ip4(s, d, 17, udp(port, 40001)))
    add(ip4(s, d, 17, udp(40000, 40001, b"d1:ad2:id20:abcdefghij")))
    add(ip4(s, d, 17, udp(40000, 40001, b"d1:A")))
    add(ip4(s, d, 17, udp(40000, 40001, b"d1:a")), 20 + 8 + 3)
    seq = 0xdeadbeef
    add(ip4(s, d, 6, tcp(61000, 22, 0x02, 1024, 5, seq),
            ident=(d ^ 22 ^ seq) & 0xffff))                         # masscan
    add(ip4(s, d, 6, tcp(61000, 22, 0x02, 1024, 5, seq),
            ident=(d ^ 22 ^ seq ^ 1) & 0xffff))
    add(ip4(s, d, 6, tcp(61000, 23, 0x02, 5840, 5, d)))             # mirai
    add(ip4(s, d, 6, tcp(61000, 23, 0x02, 5840, 5, d + 1)))
    add(ip4(s, d, 6, tcp(61000, 23, 0x12, 5840, 5, d)))
    add(ip4(s, d, 6, tcp(61000, 443, 0x02, 65535, 6), ident=54321))  # zmap
    add(ip4(s, d, 17, udp(61000, 53), ident=54321))
    add(ip4(s, d, 6, tcp(61000, 443, 0x02, 65535, 6), ident=54320))
    for flags in (0x12, 0x04, 0x14, 0x10, 0x02, 0x11):
        add(ip4(s, d, 6, tcp(80, 51000, flags)))
    for t in range(0, 20):
        add(ip4(s, d, 1, icmp(t, 1)))
    add(ip4(s, d, 17, udp(53, 33000, b"\x12\x34\x81\x80\x00\x01")))
    add(ip4(s, d, 17, udp(53, 33000, b"\x12\x34\x01\x00\x00\x01")))
    add(ip4(s, d, 17, udp(33000, 53, b"\x12\x34\x81\x80\x00\x01")))
    add(ip4(s, d, 17, udp(53, 33000, b"\x12\x34")))
    for flags in range(0, 64):
        add(ip4(s, d, 6, tcp(40000, 80, flags, doff=6)))
    for proto in (0, 2, 4, 41, 47, 50, 51, 89, 103, 132, 133, 253, 255):
        add(ip4(s, d, proto, b"\x00" * 8))
    add(ip4(s, d, 6, tcp(40000, 80, 0x10), frag=0x8000))
    add(ip4(s, d, 6, tcp(40000, 80, 0x10), frag=0x4000))
    for frag in (0x2000, 0x0001, 0x1fff, 0x2010):
        add(ip4(s, d, 17, udp(0, 137), frag=frag))
    for ttl in (199, 200, 255):
        add(ip4(s, d, 6, tcp(40000, 80, 0x10, doff=8), ttl=ttl))
    for doff in (5, 6, 4):
        add(ip4(s, d, 6, tcp(40000, 80, 0x02, doff=doff)))
    add(ip4(s, d, 6, tcp(40000, 80, 0x12, doff=5)))
    for win in (1023, 1024, 1025):
        add(ip4(s, d, 6, tcp(40000, 80, 0x10, win, doff=8)))
    add(ip4(s, d, 6, tcp(0, 80, 0x10, doff=8)))
    add(ip4(s, d, 6, tcp(40000, 0, 0x10, doff=8)))
    add(ip4(s, d, 17, udp(0, 9)))
    add(ip4(s, d, 17, udp(9, 0)))
    add(ip4(s, d, 17, udp(0, 0)), 20 + 7)                # cut: no ports
    add(ip4(s, d, 6, tcp(0, 0, 0x02, 1024)), 20 + 19)    # cut: no TCP
    return out


def random_packet(r):
    """One packet with every field drawn near the classes' edges."""
    src = r.choice(SRC_POOL) if r.random() < 0.8 else r.choice(BOGON_POOL)
    dst = r.choice(DSTS) | r.randrange(65536)
    if r.random() < 0.02:
        src = dst
    if r.random() < 0.05:
        src = (src & ~0xff) | r.choice((0, 255))
    ttl = r.choice((64, 128, 199, 200, 240, 255, r.randrange(256)))
    ident = r.choice((0x1234, 54321, r.randrange(65536)))
    frag = r.choice((0, 0, 0, 0x4000, 0x4000, 0x2000, 0x2001, 0x0004,
                     0x8000))
    proto = r.choice((6, 6, 6, 6, 17, 17, 17, 1, 1, 47, 2, 99, 255))
    cut = None
    if proto == 6:
        sport = r.choice((0, 80, 443, r.randrange(1024, 65536)))
        dport = r.choice((0, 23, 80, 445, 2323, r.randrange(65536)))
        flags = r.choice((0x02, 0x02, 0x12, 0x04, 0x14, 0x10, 0x18, 0x11,
                          0xc2, 0x29, 0x00, 0x03, r.randrange(256)))
        win = r.choice((1024, 1024, 1025, 65535, 29200, r.randrange(65536)))
        doff = r.choice((5, 5, 6, 8, 4))
        seq = r.choice((dst, r.randrange(1 << 32)))
        if r.random() < 0.1 and flags & 0x12 == 0x02:
            ident = (dst ^ dport ^ seq) & 0xffff
        l4 = tcp(sport, dport, flags, win, doff, seq)
    elif proto == 17:
        sport = r.choice((0, 53, 137, 1900, 6881, r.randrange(65536)))
        dport = r.choice((0, 53, 138, 5353, 6889, r.randrange(65536)))
        pay = r.choice((b"", b"\x12\x34\x81\x80\x00\x01",
                        b"\x12\x34\x01\x00\x00\x01", b"d1:rd2:id20:",
                        bytes(r.randrange(256) for _ in range(12))))
        l4 = udp(sport, dport, pay)
    elif proto == 1:
        l4 = icmp(r.choice((0, 3, 8, 11, 13, 14, r.randrange(256))),
                  r.randrange(16))
    else:
        l4 = bytes(r.randrange(256) for _ in range(r.randrange(0, 24)))
    if r.random() < 0.05:
        cut = r.randrange(20, 20 + len(l4) + 1)
    return ip4(src, dst, proto, l4, ttl, ident, frag), cut


def classes_capture(seed=5, n_random=6000, t0=1700000100):
    """The test capture: [(seconds, microseconds, interface, frame)] and
    the interfaces' link types.  Every IPv4 packet goes on one of three
    links (Ethernet, with 0, 1 or 2 VLAN tags; raw IP; Linux SLL); the
    first and last frames are ARP, so that every run covers the same
    interval whatever the rules drop."""
    r = random.Random(seed)
    ips = crafted() + [random_packet(r) for _ in range(n_random)]
    frames = [(0, ARP)]
    for i, (ip, cut) in enumerate(ips):
        if cut is not None:
            ip = ip[:cut]
        link = r.choice((0, 0, 0, 1, 2))
        if link == 0:
            tags = r.choice(((), (), (0x8100,), (0x88a8, 0x8100)))
            frames.append((0, eth(ip, tags=tags)))
        elif link == 1:
            frames.append((1, ip))
        else:
            frames.append((2, sll(ip)))
        if i % 97 == 0:
            frames.append((0, IPV6))
    frames.append((0, ARP))
    pkts = [(t0 + i // 1000, (i % 1000) * 1000, ifc, f)
            for i, (ifc, f) in enumerate(frames)]
    return pkts, [LINK_ETH, LINK_RAW, LINK_SLL]


def ip_view(ifc, frame):
    """The bytes from the IPv4 header on, as umbrad finds it (None: not
    IPv4)."""
    if ifc == 1:
        return frame if frame and frame[0] >> 4 == 4 else None
    if ifc == 2:
        return frame[16:] if struct.unpack(">H", frame[14:16])[0] == 0x0800 \
            else None
    off, etype = 12, struct.unpack(">H", frame[12:14])[0]
    while etype in (0x8100, 0x88a8):
        off += 4
        etype = struct.unpack(">H", frame[off:off + 2])[0]
    return frame[off + 2:] if etype == 0x0800 else None


def write_pcapng(path, pkts, links):
    def block(btype, body):
        body += b"\x00" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))]
    for lt in links:
        out.append(block(1, struct.pack("<HHI", lt, 0, 0)))
    for sec, usec, ifc, frame in pkts:
        units = sec * 1000000 + usec
        out.append(block(6, struct.pack("<IIIII", ifc, units >> 32,
                                        units & 0xFFFFFFFF, len(frame),
                                        len(frame)) + frame))
    with open(path, "wb") as f:
        f.write(b"".join(out))
