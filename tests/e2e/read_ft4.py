#!/usr/bin/python3
"""Read umbrad's flowtuple v4 Avro files with the Apache Avro reader.

An independent reader: avro.datafile.DataFileReader, nothing of umbrad's.
Every file's writer schema (the JSON in its header, parsed) must equal
flowtuple4.avsc, found in $UMBRA_SPEC_DIR (default <repo>/../shared/spec).

CLI:  read_ft4.py [--no-schema-check] [--codec C] [--with-file] PATH...
PATH is an .ft4.avro file or a directory searched for them (sorted by path).
Records are printed as JSON lines; exit 1 on any error.
"""

import argparse
import json
import os
import signal
import sys

import avro.datafile
import avro.io

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SUFFIX = ".ft4.avro"


class Ft4Error(Exception):
    pass


def spec_dir():
    return os.environ.get("UMBRA_SPEC_DIR") or os.path.join(
        REPO, "..", "shared", "spec")


def load_schema(path=None):
    path = path or os.path.join(spec_dir(), "flowtuple4.avsc")
    with open(path) as f:
        return json.load(f)


def _schema_diff(want, got):
    """A short description of how two parsed schemas differ."""
    if not isinstance(want, dict) or not isinstance(got, dict):
        return "schema is not a JSON object"
    msgs = []
    for k in sorted(set(want) | set(got)):
        if k == "fields":
            continue
        if want.get(k) != got.get(k):
            msgs.append("%s: expected %r, got %r" % (k, want.get(k),
                                                      got.get(k)))
    wf, gf = want.get("fields", []), got.get("fields", [])
    for i in range(max(len(wf), len(gf))):
        a = wf[i] if i < len(wf) else None
        b = gf[i] if i < len(gf) else None
        if a != b:
            msgs.append("field #%d: expected %s, got %s" %
                        (i, json.dumps(a), json.dumps(b)))
    return "; ".join(msgs[:5]) or "schemas differ"


def read_file(path, schema=None, codec=None):
    """Return (records, codec) of one file; raise Ft4Error on problems.
    schema: the parsed expected schema, or None to skip the check."""
    try:
        with open(path, "rb") as f:
            reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
            try:
                raw = reader.get_meta("avro.schema")
                got_codec = (reader.get_meta("avro.codec") or b"null").decode()
                if schema is not None:
                    got = json.loads(raw.decode("utf-8"))
                    if got != schema:
                        raise Ft4Error("%s: writer schema differs from "
                                       "flowtuple4.avsc: %s" %
                                       (path, _schema_diff(schema, got)))
                if codec is not None and got_codec != codec:
                    raise Ft4Error("%s: codec %r, expected %r" %
                                   (path, got_codec, codec))
                records = list(reader)
            finally:
                reader.close()
    except Ft4Error:
        raise
    except Exception as exc:  # any reader failure is a test failure
        raise Ft4Error("%s: cannot read as Avro: %s: %s" %
                       (path, type(exc).__name__, exc))
    return records, got_codec


def scan_outdir(outdir):
    """Return (ft4 files, other files) under outdir, relative, sorted."""
    ft4, other = [], []
    for root, _dirs, files in os.walk(outdir):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), outdir)
            if name.endswith(SUFFIX) and not name.startswith("."):
                ft4.append(rel)
            else:
                other.append(rel)
    return sorted(ft4), sorted(other)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-schema-check", action="store_true")
    ap.add_argument("--codec", help="require this codec (null, deflate...)")
    ap.add_argument("--with-file", action="store_true",
                    help="add a \"_file\" key to every printed record")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    a = ap.parse_args(argv)
    schema = None if a.no_schema_check else load_schema()
    files = []
    for p in a.paths:
        if os.path.isdir(p):
            files += [os.path.join(p, r) for r in scan_outdir(p)[0]]
        else:
            files.append(p)
    status = 0
    for path in files:
        try:
            records, _codec = read_file(path, schema, a.codec)
        except Ft4Error as exc:
            print("read_ft4: " + str(exc), file=sys.stderr)
            status = 1
            continue
        for r in records:
            if a.with_file:
                r = dict(r, _file=path)
            sys.stdout.write(json.dumps(r) + "\n")
    return status


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
