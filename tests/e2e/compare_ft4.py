#!/usr/bin/python3
"""Compare umbrad's flowtuple output with the reference (ft4ref.py).

Subcommands (exit 0 when everything matches, 1 on any mismatch, 2 on usage):

  output  [--conf YAML] [ref/layout options] OUTDIR FILE...
      The reference for FILE... (one stream) against the Avro files under
      OUTDIR: the same files (one per interval, or per N intervals with
      rotation, named by aligned start, in the Spark layout), nothing else
      in OUTDIR, each file's writer schema equal to flowtuple4.avsc, and the
      same records in the same order, field by field.
  same    [--monitor M] OUTDIR_A OUTDIR_B
      Two outputs hold the same files and records (cross-format checks).
  literal [--conf YAML] [ref options] [--outdir OUTDIR] EXPECT.json NAME FILE...
      Hand-written expectations EXPECT.json[NAME] against the reference for
      FILE..., or against OUTDIR when --outdir is given (stats are then
      skipped: they are not in the Avro files).

--conf reads interval, dst_prefix_len, max_time_jump, rotate_intervals,
codec and monitor from the YAML file given to umbrad, so both see the same
parameters; explicit options override it.
"""

import argparse
import json
import os
import socket
import struct
import signal
import sys
import time

sys.dont_write_bytecode = True   # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ft4ref  # noqa: E402
import read_ft4  # noqa: E402

MAX_MSGS = 20


# ---------------------------------------------------------------- helpers


def ip(n):
    return socket.inet_ntoa(struct.pack(">I", n & 0xFFFFFFFF))


def key_of(r):
    return tuple(r.get(k) for k in ft4ref.KEY_FIELDS)


def key_str(r):
    try:
        return "time=%d src=%s dst_net=%s proto=%d dst_port=%d" % (
            r["time"], ip(r["src_ip"]), ip(r["dst_net"]), r["protocol"],
            r["dst_port"])
    except (KeyError, TypeError):
        return repr(key_of(r))


def layout_path(monitor, start):
    t = time.gmtime(start)
    return "datasource=%s/year=%04d/month=%02d/day=%02d/hour=%02d/%s_%d%s" % (
        monitor, t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, monitor, start,
        read_ft4.SUFFIX)


class Diff:
    """Collects mismatch messages, printing at most MAX_MSGS."""

    def __init__(self, label):
        self.label, self.count = label, 0

    def __call__(self, msg):
        self.count += 1
        if self.count <= MAX_MSGS:
            print("%s: %s" % (self.label, msg))
        elif self.count == MAX_MSGS + 1:
            print("%s: ... further mismatches not shown" % self.label)

    def finish(self):
        if self.count:
            print("%s: %d mismatch(es)" % (self.label, self.count))
        return 1 if self.count else 0


def diff_records(where, exp, got, diff):
    """Compare two record lists field by field, then their order."""
    if exp == got:
        return
    emap, gmap = {}, {}
    for r in exp:
        emap[key_of(r)] = r
    for i, r in enumerate(got):
        k = key_of(r)
        if k in gmap:
            diff("%s: duplicate record #%d %s" % (where, i, key_str(r)))
        gmap[k] = r
    for k, r in emap.items():
        if k not in gmap:
            diff("%s: missing record %s (packet_cnt %s)" %
                 (where, key_str(r), r.get("packet_cnt")))
    for k, r in gmap.items():
        if k not in emap:
            diff("%s: unexpected record %s (packet_cnt %s)" %
                 (where, key_str(r), r.get("packet_cnt")))
    for k, e in emap.items():
        g = gmap.get(k)
        if g is None:
            continue
        for f in ft4ref.FIELDS:
            if e.get(f) != g.get(f):
                diff("%s: %s: %s expected %s got %s" %
                     (where, key_str(e), f, json.dumps(e.get(f)),
                      json.dumps(g.get(f))))
        extra = sorted(set(g) - set(ft4ref.FIELDS))
        if extra:
            diff("%s: %s: unexpected fields %s" % (where, key_str(e), extra))
    if set(emap) == set(gmap) and len(exp) == len(got):
        for i, (e, g) in enumerate(zip(exp, got)):
            if key_of(e) != key_of(g):
                diff("%s: order differs at record #%d: expected %s, got %s" %
                     (where, i, key_str(e), key_str(g)))
                break


def read_outdir(outdir, monitor, diff, schema, codec=None):
    """Return {file start: records} from OUTDIR, reporting layout faults."""
    ft4, other = read_ft4.scan_outdir(outdir)
    for rel in other:
        diff("unexpected file in output directory: %s" % rel)
    out = {}
    prefix = monitor + "_"
    for rel in ft4:
        name = os.path.basename(rel)
        num = name[len(prefix):-len(read_ft4.SUFFIX)]
        if not name.startswith(prefix) or not num.isdigit():
            diff("file name not <monitor>_<start>.ft4.avro: %s" % rel)
            continue
        start = int(num)
        if rel != layout_path(monitor, start):
            diff("file %s should be at %s" % (rel, layout_path(monitor,
                                                                start)))
        try:
            out[start], _ = read_ft4.read_file(os.path.join(outdir, rel),
                                               schema, codec)
        except read_ft4.Ft4Error as exc:
            diff(str(exc))
            out[start] = None
    return out


def ref_files(ivs, L, rotate):
    """{file start: records} the reference implies (rotation aware)."""
    span = L * max(1, rotate)
    files = {}
    for iv in ivs:
        files.setdefault(iv.start - iv.start % span, []).extend(iv.records)
    return files


def compare_file_maps(exp, got, diff):
    for s in sorted(set(exp) - set(got)):
        diff("missing file for interval %d (%s), %d records expected" %
             (s, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s)),
              len(exp[s])))
    for s in sorted(set(got) - set(exp)):
        diff("unexpected file for interval %d (%s)" %
             (s, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s))))
    nrec = 0
    for s in sorted(set(exp) & set(got)):
        if got[s] is None:
            continue
        nrec += len(got[s])
        if len(exp[s]) != len(got[s]):
            diff("interval %d: %d records expected, %d found" %
                 (s, len(exp[s]), len(got[s])))
        diff_records("interval %d" % s, exp[s], got[s], diff)
    return nrec


# ---------------------------------------------------------------- options


def load_conf(path):
    if not path:
        return {}
    import yaml
    with open(path) as f:
        return yaml.safe_load(f) or {}


def add_common(ap):
    ap.add_argument("--conf", help="umbrad YAML config to take parameters "
                                   "from")
    ap.add_argument("--interval", type=int)
    ap.add_argument("--prefix-len", type=int)
    ap.add_argument("--max-time-jump", type=int)
    ap.add_argument("--rotate-intervals", type=int)
    ap.add_argument("--monitor")
    ap.add_argument("--codec")
    ap.add_argument("--erf", action="store_true", default=None)


def params(a):
    c = load_conf(a.conf)

    def pick(opt, key, default):
        v = getattr(a, opt)
        if v is not None:
            return v
        return c.get(key, default) if c.get(key) is not None else default

    return dict(
        interval=int(pick("interval", "interval", 300)),
        prefix_len=int(pick("prefix_len", "dst_prefix_len", 16)),
        max_time_jump=int(pick("max_time_jump", "max_time_jump", 86400)),
        rotate=int(pick("rotate_intervals", "rotate_intervals", 1)),
        monitor=str(pick("monitor", "monitor", "test")),
        codec=pick("codec", "codec", "deflate"),
    )


def reference(p, files, erf):
    ref = ft4ref.run(files, p["interval"], p["prefix_len"],
                     p["max_time_jump"], erf)
    return ref.intervals()


# ---------------------------------------------------------------- commands


def cmd_output(a):
    p = params(a)
    diff = Diff("compare %s" % " ".join(os.path.basename(f)
                                        for f in a.files))
    ivs = reference(p, a.files, a.erf)
    exp = ref_files(ivs, p["interval"], p["rotate"])
    got = read_outdir(a.outdir, p["monitor"], diff, read_ft4.load_schema(),
                      p["codec"])
    nrec = compare_file_maps(exp, got, diff)
    if a.expect_intervals is not None and len(ivs) != a.expect_intervals:
        diff("pinned count: %d intervals expected, reference has %d" %
             (a.expect_intervals, len(ivs)))
    nref = sum(len(iv.records) for iv in ivs)
    if a.expect_records is not None and nref != a.expect_records:
        diff("pinned count: %d records expected, reference has %d" %
             (a.expect_records, nref))
    if not diff.count:
        print("ok: %d file(s), %d interval(s), %d record(s)" %
              (len(exp), len(ivs), nrec))
    return diff.finish()


def cmd_same(a):
    diff = Diff("same %s %s" % (a.outdir_a, a.outdir_b))
    schema = read_ft4.load_schema()
    ga = read_outdir(a.outdir_a, a.monitor, diff, schema)
    gb = read_outdir(a.outdir_b, a.monitor, diff, schema)
    ga = {k: v or [] for k, v in ga.items()}
    gb = {k: v or [] for k, v in gb.items()}
    compare_file_maps(ga, gb, diff)
    if not diff.count:
        print("ok: identical (%d file(s), %d record(s))" %
              (len(ga), sum(len(v) for v in ga.values())))
    return diff.finish()


def _matches(rec, where):
    return all(rec.get(k) == v for k, v in where.items())


def check_literal(exp, intervals, diff, with_stats):
    """exp: one entry of EXPECT.json; intervals: {start: (records, stats)}."""
    starts = sorted(intervals)
    if "intervals" in exp and starts != exp["intervals"]:
        diff("intervals expected %s, got %s" % (exp["intervals"], starts))
    for s, n in exp.get("nrecords", {}).items():
        got = len(intervals.get(int(s), ([], None))[0])
        if got != n:
            diff("interval %s: %d records expected, %d found" % (s, n, got))
    for s, keys in exp.get("order", {}).items():
        got = [[r["src_ip"], r["dst_net"], r["protocol"], r["dst_port"]]
               for r in intervals.get(int(s), ([], None))[0]]
        if got != keys:
            i = next((i for i, (a, b) in enumerate(zip(keys, got)) if a != b),
                     min(len(keys), len(got)))
            diff("interval %s: record order differs first at #%d: expected "
                 "%s, got %s" % (s, i, keys[i:i + 1], got[i:i + 1]))
    allrecs = [r for s in starts for r in intervals[s][0]]
    for item in exp.get("records", []):
        hits = [r for r in allrecs if _matches(r, item["where"])]
        if len(hits) != 1:
            diff("%s: %d records match %s (expected exactly 1)%s" %
                 (item.get("why", ""), len(hits), item["where"],
                  "".join("\n    got: " + key_str(h) for h in hits[:3])))
            continue
        for f, v in item["expect"].items():
            if hits[0].get(f) != v:
                diff("%s: %s: %s expected %s got %s" %
                     (item.get("why", ""), key_str(hits[0]), f,
                      json.dumps(v), json.dumps(hits[0].get(f))))
    for item in exp.get("absent", []):
        hits = [r for r in allrecs if _matches(r, item["where"])]
        if hits:
            diff("%s: expected no record matching %s, got %s" %
                 (item.get("why", ""), item["where"], key_str(hits[0])))
    if with_stats:
        for item in exp.get("stats", []):
            st = intervals.get(item["interval"], (None, None))[1]
            if st is None:
                diff("stats: no interval %d" % item["interval"])
                continue
            for f, v in item["expect"].items():
                if st.get(f) != v:
                    diff("stats interval %d: %s expected %s got %s" %
                         (item["interval"], f, v, st.get(f)))


def cmd_literal(a):
    with open(a.expect) as f:
        exp = json.load(f)[a.name]
    p = params(a)
    src = "umbrad" if a.outdir else "ft4ref"
    diff = Diff("literal %s (%s)" % (a.name, src))
    if a.outdir:
        got = read_outdir(a.outdir, p["monitor"], diff,
                          read_ft4.load_schema())
        intervals = {s: (r or [], None) for s, r in got.items()}
    else:
        intervals = {iv.start: (iv.records, iv.stats)
                     for iv in reference(p, a.files, a.erf)}
    check_literal(exp, intervals, diff, with_stats=not a.outdir)
    return diff.finish()


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("output")
    add_common(o)
    o.add_argument("--expect-intervals", type=int,
                   help="pinned number of intervals (checks the reference)")
    o.add_argument("--expect-records", type=int,
                   help="pinned number of records (checks the reference)")
    o.add_argument("outdir")
    o.add_argument("files", nargs="+")
    s = sub.add_parser("same")
    s.add_argument("--monitor", default="test")
    s.add_argument("outdir_a")
    s.add_argument("outdir_b")
    li = sub.add_parser("literal")
    add_common(li)
    li.add_argument("--outdir")
    li.add_argument("expect")
    li.add_argument("name")
    li.add_argument("files", nargs="*")
    a = ap.parse_args(argv)
    if a.cmd == "literal" and not a.outdir and not a.files:
        ap.error("literal needs FILE... or --outdir")
    return {"output": cmd_output, "same": cmd_same,
            "literal": cmd_literal}[a.cmd](a)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
