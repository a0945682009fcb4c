#!/usr/bin/python3
"""Compare a live capture's flowtuples with a file read of the same packets.

  compare_live.py LIVE_OUTDIR FILE_OUTDIR [--stats STATS.jsonl --sent N]

Live capture stamps packets with their arrival time, so the records are
compared without their `time` field: the records of every file under each
directory are put together (each side must hold every record once) and
compared field by field.  Both runs use one interval long enough to hold
the whole replay, so no key is split between intervals.

With --stats (the interval messages the live daemon published, one JSON
object a line) and --sent (packets put on the wire), every packet must be
accounted for: packets the daemon read + its backend drops == sent, and
the IPv4 packets it read - its queue drops == the packet_cnt sum of the
records.  With --allow-drops, a run whose stats count drops passes on that
accounting alone (the records then cannot equal the file's): for inputs
that lose packets by design under load (libtrace's int:, pcapint:).
Exit 0 when everything matches, 1 otherwise.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_ft4  # noqa: E402


def records(outdir):
    ft4, _other = read_ft4.scan_outdir(outdir)
    out = {}
    for rel in ft4:
        recs, _codec = read_ft4.read_file(os.path.join(outdir, rel))
        for r in recs:
            r = dict(r)
            r.pop("time", None)
            k = (r["src_ip"], r["dst_net"], r["dst_port"], r["protocol"])
            if k in out:
                raise SystemExit("%s: key %r twice (split between "
                                 "intervals?)" % (outdir, k))
            out[k] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("live")
    ap.add_argument("ref")
    ap.add_argument("--stats")
    ap.add_argument("--sent", type=int)
    ap.add_argument("--allow-drops", action="store_true")
    a = ap.parse_args()
    bad = 0
    got, want = records(a.live), records(a.ref)
    for k in sorted(set(want) | set(got), key=repr):
        if k not in got:
            bad += 1
            if bad <= 10:
                print("missing in live: %r" % (k,))
        elif k not in want:
            bad += 1
            if bad <= 10:
                print("extra in live: %r" % (k,))
        elif got[k] != want[k]:
            bad += 1
            if bad <= 10:
                diff = {f: (want[k][f], got[k].get(f)) for f in want[k]
                        if want[k][f] != got[k].get(f)}
                print("differs %r: %r" % (k, diff))
    print("%d records in the file read, %d live, %d differences" %
          (len(want), len(got), bad))
    drops = 0
    if a.stats:
        tot = {"total": 0, "ipv4": 0, "backend": 0, "queue": 0}
        with open(a.stats) as f:
            for line in f:
                m = json.loads(line)
                tot["total"] += m["packets"]["total"]
                tot["ipv4"] += m["packets"]["ipv4"]
                tot["backend"] += m["drops"]["backend"]
                tot["queue"] += m["drops"]["queue"]
        drops = tot["backend"] + tot["queue"]
        if a.allow_drops and drops and bad:
            print("%d drops counted: the records are not compared" % drops)
            bad = 0
        counted = sum(r["packet_cnt"] for r in got.values())
        print("stats: %(total)d read, %(ipv4)d IPv4, backend drops "
              "%(backend)d, queue drops %(queue)d" % tot +
              "; %d in flowtuples; %s sent" % (counted, a.sent))
        if a.sent is not None and tot["total"] + tot["backend"] != a.sent:
            print("not every packet sent is accounted for")
            bad += 1
        if tot["ipv4"] - tot["queue"] != counted:
            print("IPv4 packets read less queue drops != packets in "
                  "flowtuples")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
