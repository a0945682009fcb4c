#!/usr/bin/python3
"""The packet classes and the rules, end to end (test_classes.sh).

    classes_check.py UMBRAD TMPDIR

1. A hand-made capture (classes_ref.classes_capture(): crafted packets at
   every class's edges and 6000 random ones, on Ethernet with 0-2 VLAN
   tags, raw IP and Linux SLL) goes through the real umbrad; the interval
   stats a pyzmq subscriber receives must count, per class, what
   classes_ref.py counts from the same bytes.
2. For each rule set: umbrad with the rules on the whole capture must
   write the same Avro records (read with the Apache Avro reader) as
   umbrad without rules on the capture this script filtered itself, and
   its stats must give the same dropped counts, per rule kind and class.
3. Refused configurations: an unknown class, a bad prefix, a prefix with
   host bits, a bad line in a prefix file, a missing file, filters
   libpcap refuses; each exits 1 with a message naming it.
"""

import ipaddress
import json
import os
import subprocess
import sys
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import classes_ref as R  # noqa: E402
import read_ft4  # noqa: E402

UMBRAD, TMP = sys.argv[1:3]
SOCK = "ipc://" + os.path.join(TMP, "stats.sock")
FAILS = 0


def check(cond, what):
    global FAILS
    print(("ok: " if cond else "FAIL: ") + what)
    FAILS += not cond
    return cond


def records_of(outdir):
    recs = []
    files, _ = read_ft4.scan_outdir(outdir)
    for rel in files:
        recs += read_ft4.read_file(os.path.join(outdir, rel),
                                   read_ft4.load_schema())[0]
    return recs


def conf(name, lines, stats):
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write('stats_endpoint: "%s"\nlog_level: warn\n' %
                (SOCK if stats else ""))
        f.write("".join(line + "\n" for line in lines))
    return path


def run_stats(name, lines, capture):
    """umbrad with the config lines on capture, fed on standard input once
    a subscriber listens: (exit status, stats message, records)."""
    out = os.path.join(TMP, "out-" + name)
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.connect(SOCK)
    sub.setsockopt(zmq.SUBSCRIBE, b"umbra.interval")
    sub.setsockopt(zmq.RCVTIMEO, 30000)
    p = subprocess.Popen([UMBRAD, "-c", conf(name, lines, True), "-r", "-",
                          "-o", out, "-n", "classes"], stdin=subprocess.PIPE)
    time.sleep(0.5)  # the daemon binds, the subscriber joins
    with open(capture, "rb") as f:
        p.stdin.write(f.read())
    p.stdin.close()
    msgs = []
    try:
        msgs.append(json.loads(sub.recv_multipart()[1]))
    except zmq.Again:
        pass
    rc = p.wait(timeout=60)
    while sub.poll(300):  # one message only: nothing more comes
        msgs.append(json.loads(sub.recv_multipart()[1]))
    sub.close()
    check(len(msgs) == 1, "%s: one interval message (%d)" % (name, len(msgs)))
    return rc, (msgs[0] if msgs else {}), records_of(out)


def run_plain(name, capture):
    out = os.path.join(TMP, "out-" + name)
    rc = subprocess.call([UMBRAD, "-c", conf(name, [], False), "-r", capture,
                          "-o", out, "-n", "classes"])
    return rc, records_of(out)


def class_counts(pkts):
    n = dict.fromkeys(R.CLASSES, 0)
    for p in pkts:
        for c in p.classes():
            n[c] += 1
    return n


# ---- the capture and what the reference makes of it --------------------

frames, links = R.classes_capture()
ALL = os.path.join(TMP, "all.pcapng")
R.write_pcapng(ALL, frames, links)
parsed = []  # (frame record, Pkt or None)
for fr in frames:
    view = R.ip_view(fr[2], fr[3])
    p = R.Pkt(view) if view is not None else None
    parsed.append((fr, p if p is not None and p.valid else None))
ipv4 = [p for _, p in parsed if p is not None]
base = class_counts(ipv4)
print("capture: %d frames, %d IPv4; classes %s" %
      (len(frames), len(ipv4), json.dumps(base)))
check(all(base[c] >= 20 for c in R.CLASSES),
      "the capture has at least 20 packets of every class")

# ---- 1. no rule: the per-class counts ------------------------------------

rc, msg, plain = run_stats("none", [], ALL)
check(rc == 0, "no rules: exit status %d" % rc)
check(msg.get("packets", {}).get("ipv4") == len(ipv4),
      "no rules: %s IPv4 packets, expected %d" %
      (msg.get("packets", {}).get("ipv4"), len(ipv4)))
check(msg.get("classes") == base, "no rules: classes %s" %
      json.dumps(msg.get("classes")))
dbr = msg.get("dropped_by_rule", {})
check(dbr.get("packets") == 0 and
      all(dbr.get(k, {}).get("packets") == 0 and
          not any(dbr.get(k, {}).get("classes", {"x": 1}).values())
          for k in R.RULES),
      "no rules: nothing dropped, every rule kind listed")
check(len(plain) == msg.get("flowtuples") and len(plain) > 1000,
      "no rules: %d flowtuples written" % len(plain))

# ---- 2. rules -------------------------------------------------------------

FILE1 = os.path.join(TMP, "drop.txt")
with open(FILE1, "w") as f:
    f.write("# sources to drop\n23.0.0.0/8      # all of 23/8\r\n"
            "45.67.0.0/16 ; a comment\n\n   \n\t8.8.8.8\n")
FILE2 = os.path.join(TMP, "keep.txt")
with open(FILE2, "w") as f:
    f.write("45.0.0.0/8\n23.200.0.0/16\n8.8.8.8/32\n")
N = ipaddress.ip_network


def udp_dport_137(p):
    return p.udp_dst_port() == 137


def icmp_or_137(p):
    return p.proto == 1 or udp_dport_137(p)


def low_ttl_or_syn(p):
    f = p.tcp_flags()
    return p.ttl < 200 or (f is not None and f & 0x02 != 0)


def udp_sport_6881(p):
    if p.proto != 17 or p.offset or p.ihl + 2 > len(p.ip):
        return False
    return p.ip[p.ihl] << 8 | p.ip[p.ihl + 1] == 6881


CASES = [
    ("drop_classes", ["drop_classes: [spoofed, backscatter, fragment]"],
     {"drop_classes": {"spoofed", "backscatter", "fragment"}}),
    ("keep_classes", ["keep_classes: [masscan, mirai, zmap, syn_noopt]"],
     {"keep_classes": {"masscan", "mirai", "zmap", "syn_noopt"}}),
    ("drop_filter", ['drop_filter: "icmp or udp dst port 137"'],
     {"drop_filter": icmp_or_137}),
    ("keep_filter",
     ['keep_filter: "ip[8] < 200 or tcp[tcpflags] & tcp-syn != 0"'],
     {"keep_filter": low_ttl_or_syn}),
    ("drop_sources_cidr",
     ['drop_sources: ["23.0.0.0/8", "45.67.0.0/16", 10.0.0.0/8]'],
     {"drop_sources": [N("23.0.0.0/8"), N("45.67.0.0/16"),
                       N("10.0.0.0/8")]}),
    ("drop_sources_file", ['drop_sources: ["%s", 1.2.3.4/32]' % FILE1],
     {"drop_sources": [N("23.0.0.0/8"), N("45.67.0.0/16"), N("8.8.8.8/32"),
                       N("1.2.3.4/32")]}),
    ("keep_sources", ['keep_sources: ["%s", 81.2.69.0/24]' % FILE2],
     {"keep_sources": [N("45.0.0.0/8"), N("23.200.0.0/16"),
                       N("8.8.8.8/32"), N("81.2.69.0/24")]}),
    ("combined",
     ["drop_classes: [backscatter]",
      "keep_classes: [syn_noopt, zmap, erratic, spoofed, abnormal]",
      "drop_sources: [10.0.0.0/8, 45.67.0.0/16]",
      'keep_sources: ["0.0.0.0/1", "%s"]' % FILE2,
      'drop_filter: "udp src port 6881"',
      'keep_filter: "ip[8] != 128"'],
     {"drop_classes": {"backscatter"},
      "keep_classes": {"syn_noopt", "zmap", "erratic", "spoofed",
                       "abnormal"},
      "drop_sources": [N("10.0.0.0/8"), N("45.67.0.0/16")],
      "keep_sources": [N("0.0.0.0/1"), N("45.0.0.0/8"), N("23.200.0.0/16"),
                       N("8.8.8.8/32")],
      "drop_filter": udp_sport_6881,
      "keep_filter": lambda p: p.ttl != 128}),
]

for name, lines, rules in CASES:
    want = {k: {"packets": 0, "classes": dict.fromkeys(R.CLASSES, 0)}
            for k in R.RULES}
    kept = []
    for fr, p in parsed:
        kind = R.refusing_rule(p, rules) if p is not None else None
        if kind is None:
            kept.append(fr)
            continue
        want[kind]["packets"] += 1
        for c in p.classes():
            want[kind]["classes"][c] += 1
    n_drop = sum(w["packets"] for w in want.values())
    pre = os.path.join(TMP, "pre-%s.pcapng" % name)
    R.write_pcapng(pre, kept, links)
    rc_pre, ref = run_plain("pre-" + name, pre)
    rc, msg, got = run_stats(name, lines, ALL)
    check(rc == 0 and rc_pre == 0,
          "%s: exit status %d (pre-filtered: %d)" % (name, rc, rc_pre))
    check(0 < n_drop < len(ipv4),
          "%s: the rules drop some packets but not all (%d of %d)" %
          (name, n_drop, len(ipv4)))
    for k in rules:
        check(want[k]["packets"] > 0, "%s: %s refuses %d packets" %
              (name, k, want[k]["packets"]))
    check(got == ref and len(got) > 0,
          "%s: %d records, the same as umbrad's on the capture "
          "filtered here (%d)" % (name, len(got), len(ref)))
    d = msg.get("dropped_by_rule", {})
    check(d.get("packets") == n_drop, "%s: %s packets dropped by rule, "
          "expected %d" % (name, d.get("packets"), n_drop))
    for k in R.RULES:
        if not check(d.get(k) == want[k],
                     "%s: %s dropped %s" % (name, k, json.dumps(want[k]))):
            print("    got %s" % json.dumps(d.get(k)))
    check(msg.get("classes") == base,
          "%s: the classes are counted before the rules" % name)
    check(msg.get("packets", {}).get("ipv4") == len(ipv4) and
          msg.get("flowtuples") == len(got),
          "%s: IPv4 packets still all counted, flowtuples as written" %
          name)

# ---- 3. refused configurations --------------------------------------------

BADFILE = os.path.join(TMP, "bad.txt")
with open(BADFILE, "w") as f:
    f.write("# ok so far\n10.0.0.0/8\n10.0.0.0/33\n")
REFUSED = [
    ("class", ["drop_classes: [spoofed, bogus]"],
     ["bad-class.yaml:3:", "key 'drop_classes': expected a packet class "
      "(spoofed, erratic, masscan, mirai, zmap, backscatter, abnormal, "
      "fragment, high_ttl, syn_noopt, win1024, port0), got 'bogus'"]),
    ("keep-class", ["keep_classes: SPOOFED"], ["got 'SPOOFED'"]),
    ("cidr", ['drop_sources: ["10.0.0.0/33"]'],
     ["bad-cidr.yaml:3:", "expected an IPv4 prefix a.b.c.d/len",
      "got '10.0.0.0/33'"]),
    ("hostbits", ["keep_sources: [10.1.0.0/8]"],
     ["the /8 holding it is 10.0.0.0/8"]),
    ("fileline", ['drop_sources: ["%s"]' % BADFILE],
     ["drop_sources: %s:3: expected an IPv4 prefix" % BADFILE,
      "got '10.0.0.0/33'"]),
    ("nofile", ['keep_sources: ["%s/none.txt"]' % TMP],
     ["keep_sources: cannot read %s/none.txt: No such file" % TMP]),
    ("filter", ['drop_filter: "tcp port"'],
     ["key 'drop_filter': expected a pcap filter", "libpcap says: "]),
    ("linkfilter", ['keep_filter: "ether src 02:00:00:00:00:01"'],
     ["key 'keep_filter'", "libpcap says: "]),
]
for name, lines, wants in REFUSED:
    out = os.path.join(TMP, "out-bad-" + name)
    p = subprocess.run([UMBRAD, "-c", conf("bad-" + name, lines, False),
                        "-r", ALL, "-o", out], capture_output=True, text=True)
    missing = [w for w in wants if w not in p.stderr]
    check(p.returncode == 1 and not missing and not os.path.exists(out),
          "refused %s: exit status %d, nothing written, the message names "
          "it" % (name, p.returncode))
    if missing:
        print("    expected %s in: %s" % (missing, p.stderr.strip()))

sys.exit(1 if FAILS else 0)
