#!/usr/bin/python3
"""Read flowtuple v4 Avro files with Apache Avro's Python reader.

usage: check_avro_python.py [--schema AVSC] [--sample N] FILE...

For every FILE: read it with avro.datafile.DataFileReader, check that the
writer schema in its header is flowtuple4.avsc (same JSON), and print its
records as JSON lines on stdout.  The schema comes from --schema, else from
$UMBRA_SPEC_DIR/flowtuple4.avsc.

With --sample N, also check that the file holds exactly the records 0..N-1
that tests/e2e/write_ft4_sample.c writes (sample() below is the same
function as its sample_record()).

Run it with Debian's /usr/bin/python3 (python3-avro, python3-snappy).
Exit status: 0 all good, 1 a check failed, 2 usage or environment error.
"""
import argparse
import json
import os
import sys

try:
    from avro.datafile import DataFileReader
    from avro.io import DatumReader
except ImportError as e:
    print(f"check_avro_python: cannot import avro: {e}", file=sys.stderr)
    sys.exit(2)

M64 = (1 << 64) - 1
CODES = ["??", "EU", "NA", "AS", "DE", ""]


class Mix:
    """SplitMix64, as in write_ft4_sample.c."""

    def __init__(self, seed):
        self.s = seed & M64

    def __call__(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def sample_common(mix):
    n = mix() % 6
    values, freqs, v = [], [], 0
    for _ in range(n):
        v = (v + mix() % 70000) & 0xFFFFFFFF
        values.append(v)
        a = mix()
        b = mix()
        freqs.append(a >> (1 + b % 63))
    return values, freqs


def sample(i):
    """Record i, field for field as sample_record() in C draws it."""
    mix = Mix(i)
    r = {}
    r["time"] = 1700000100 + 300 * (mix() % 4)
    r["src_ip"] = 0xFFFFFFFF if i % 7 == 3 else mix() & 0xFFFFFFFF
    r["dst_net"] = mix() & 0xFFFF0000
    r["dst_port"] = mix() & 0xFFFF
    r["protocol"] = mix() & 0xFF
    r["packet_cnt"] = mix() >> 1 if i % 97 == 5 else 1 + mix() % 1000
    r["uniq_dst_ips"] = mix() % 65537
    r["uniq_pkt_sizes"] = mix() % 1500
    r["uniq_ttls"] = mix() % 256
    r["uniq_src_ports"] = mix() % 65537
    r["uniq_tcp_flags"] = mix() % 256
    r["first_syn_length"] = mix() % 61
    r["first_tcp_rwin"] = mix() % 65536
    for vname, fname in (("common_pkt_sizes", "common_pktsize_freqs"),
                         ("common_ttls", "common_ttl_freqs"),
                         ("common_srcports", "common_srcport_freqs"),
                         ("common_tcpflags", "common_tcpflag_freqs")):
        r[vname], r[fname] = sample_common(mix)
    for name in ("maxmind_continent", "maxmind_country",
                 "netacq_continent", "netacq_country"):
        r[name] = CODES[mix() % 6]
    r["prefix2asn"] = mix() & 0xFFFFFFFF
    return r


def schema_path(arg):
    if arg:
        return arg
    d = os.environ.get("UMBRA_SPEC_DIR")
    if not d:
        print("check_avro_python: give --schema or set UMBRA_SPEC_DIR",
              file=sys.stderr)
        sys.exit(2)
    return os.path.join(d, "flowtuple4.avsc")


def check_file(path, want_schema, n_sample, out):
    """Returns a list of problems (empty when the file is good)."""
    problems = []
    with open(path, "rb") as f, DataFileReader(f, DatumReader()) as rd:
        header = json.loads(rd.get_meta("avro.schema").decode("utf-8"))
        if header != want_schema:
            problems.append(f"{path}: writer schema differs from "
                            "flowtuple4.avsc")
        count = 0
        for rec in rd:
            out.write(json.dumps(rec, sort_keys=False) + "\n")
            if n_sample is not None:
                if count >= n_sample:
                    problems.append(f"{path}: more than {n_sample} "
                                    "records")
                    break
                want = sample(count)
                if rec != want or list(rec) != list(want):
                    diff = [k for k in want if rec.get(k) != want[k]]
                    problems.append(f"{path}: record {count} differs in "
                                    f"{diff or 'field order'}: got {rec}, "
                                    f"want {want}")
                    if len(problems) > 5:
                        break
            count += 1
        if n_sample is not None and count != n_sample:
            problems.append(f"{path}: {count} records, want {n_sample}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", help="flowtuple4.avsc to compare with")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="expect records 0..N-1 of write_ft4_sample")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    with open(schema_path(args.schema), encoding="utf-8") as f:
        want_schema = json.load(f)
    problems = []
    for path in args.files:
        try:
            problems += check_file(path, want_schema, args.sample,
                                   sys.stdout)
        except Exception as e:  # a reader failure is a failed check
            problems.append(f"{path}: {type(e).__name__}: {e}")
    for p in problems:
        print(f"check_avro_python: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
