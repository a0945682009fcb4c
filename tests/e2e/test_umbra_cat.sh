#!/bin/bash
# test_umbra_cat.sh: end-to-end checks of umbra-cat, the flowtuple v4 reader.
#
# The Avro files are written here by an independent writer, Debian's
# /usr/bin/python3 with the Apache `avro` module, with the schema
# flowtuple4.avsc from $UMBRA_SPEC_DIR (default <repo>/../shared/spec), in
# the deflate and null codecs, from a few hand-chosen records.  Every
# expected output (TSV text, JSON values, filter results, summary numbers)
# is computed here in Python from those records, never by umbra-cat.
#
# The binary comes from $UMBRA_CAT (default build/tools/umbra-cat).
# Exit status: 0 pass, 1 fail, 77 skip.

set -u
# TMP (removed at exit), FAILS, pass, fail, finish
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CAT=${UMBRA_CAT:-./tools/umbra-cat}
SPEC_DIR=${UMBRA_SPEC_DIR:-$ROOT/../shared/spec}
SCHEMA=$SPEC_DIR/flowtuple4.avsc
PY=/usr/bin/python3

if [ ! -x "$CAT" ]; then
	echo "SKIP: $CAT not built (set UMBRA_CAT)"
	exit 77
fi
if [ ! -r "$SCHEMA" ]; then
	echo "SKIP: no $SCHEMA (set UMBRA_SPEC_DIR)"
	exit 77
fi
if ! "$PY" -c 'import avro.datafile, avro.io, avro.schema' 2>/dev/null; then
	echo "SKIP: $PY has no avro module (apt-get install python3-avro)"
	exit 77
fi
CAT=$(cd "$(dirname "$CAT")" && pwd)/$(basename "$CAT")


# ---------------------------------------------------------------------------
# The records, the files, and the expected outputs, all in Python.
cat >"$TMP/ft.py" <<'EOF'
import datetime, json, os, socket, struct, sys
import avro.datafile, avro.io, avro.schema

TMP = os.environ['TMP_DIR']
SCHEMA_JSON = open(os.environ['SCHEMA']).read()
FIELDS = [f['name'] for f in json.loads(SCHEMA_JSON)['fields']]
IPS = ('src_ip', 'dst_net')


def ip(s):
    return struct.unpack('!I', socket.inet_aton(s))[0]


def rec(t, src, dst, port, proto, cnt, sizes=(), ttls=(), sports=(),
        flags=(), geo=('EU', 'FR', 'EU', 'FR'), asn=0, syn=(0, 0)):
    r = dict(time=t, src_ip=ip(src), dst_net=ip(dst), dst_port=port,
             protocol=proto, packet_cnt=cnt, uniq_dst_ips=min(cnt, 3),
             uniq_pkt_sizes=len(sizes), uniq_ttls=len(ttls),
             uniq_src_ports=len(sports), uniq_tcp_flags=len(flags),
             first_syn_length=syn[0], first_tcp_rwin=syn[1])
    for name, freqs, vals in (('common_pkt_sizes', 'common_pktsize_freqs', sizes),
                              ('common_ttls', 'common_ttl_freqs', ttls),
                              ('common_srcports', 'common_srcport_freqs', sports),
                              ('common_tcpflags', 'common_tcpflag_freqs', flags)):
        r[name] = [v for v, _ in vals]
        r[freqs] = [c for _, c in vals]
    (r['maxmind_continent'], r['maxmind_country'], r['netacq_continent'],
     r['netacq_country']) = geo
    r['prefix2asn'] = asn
    return r


T0 = 1600000200  # 2020-09-13T12:30:00Z
FILES = {
    # deflate: two intervals, TCP, UDP, ICMP, GRE, odd strings
    'f1.avro': ('deflate', [
        rec(T0, '1.2.3.4', '44.1.0.0', 23, 6, 10, sizes=[(40, 6), (44, 4)],
            ttls=[(50, 10)], flags=[(2, 10)], asn=3215, syn=(20, 1024)),
        rec(T0, '1.2.3.4', '44.2.0.0', 53, 17, 3, sizes=[(60, 3)],
            ttls=[(240, 2), (241, 1)], sports=[(5353, 3)]),
        rec(T0, '10.0.0.1', '44.1.0.0', 2048, 1, 1, sizes=[(28, 1)],
            ttls=[(234, 1)], geo=('??', '??', '??', '??')),
        rec(T0 + 300, '192.0.2.77', '44.1.0.0', 23, 6, 100,
            sizes=[(40, 100)], ttls=[(64, 60), (128, 40)],
            sports=[(1024, 50), (2048, 50)], flags=[(2, 99), (18, 1)],
            geo=('NA', 'US', 'a\tb\\c', 'Éé'), asn=64500),
        rec(T0 + 300, '255.255.255.255', '44.3.0.0', 0, 47, 2,
            sizes=[(100, 2)], ttls=[(1, 2)], asn=4294967295),
    ]),
    # null codec: a third interval, a source seen before
    'f2.avro': ('null', [
        rec(T0 + 600, '1.2.3.5', '44.1.0.0', 80, 6, 7, sizes=[(40, 7)]),
        rec(T0 + 600, '198.51.100.1', '44.1.0.0', 53, 17, 20,
            sizes=[(70, 20)]),
        rec(T0 + 600, '1.2.3.4', '44.1.0.0', 23, 6, 5, sizes=[(40, 5)]),
    ]),
    'empty.avro': ('deflate', []),
    # one record per block; the last block is cut short below
    'cut.avro': ('null', [
        rec(T0 + 900, '203.0.113.%d' % i, '44.9.0.0', 443, 6, i)
        for i in range(1, 6)]),
}
CUT_KEEP = 4  # records of cut.avro before the damage


def write_all():
    schema = avro.schema.parse(SCHEMA_JSON)
    for name, (codec, recs) in FILES.items():
        path = os.path.join(TMP, name)
        w = avro.datafile.DataFileWriter(open(path, 'wb'),
                                         avro.io.DatumWriter(), schema,
                                         codec=codec)
        for r in recs:
            w.append(r)
            if name == 'cut.avro':
                w.flush()
        w.close()
    # cut into the data of the last block (past its 16-byte sync marker)
    path = os.path.join(TMP, 'cut.avro')
    size = os.path.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(size - 16 - 5)
    # the same records under a schema that reorders the fields, adds two,
    # and stores packet_cnt as int: umbra-cat must read by name
    ext = json.loads(SCHEMA_JSON)
    fields = list(reversed(ext['fields']))
    fields.insert(2, {'name': 'extra_note', 'type': 'string'})
    fields.append({'name': 'extra_list', 'type': {'type': 'array',
                                                  'items': 'string'}})
    for f in fields:
        if f['name'] == 'packet_cnt':
            f['type'] = 'int'
    ext['fields'] = fields
    w = avro.datafile.DataFileWriter(
        open(os.path.join(TMP, 'ext.avro'), 'wb'), avro.io.DatumWriter(),
        avro.schema.parse(json.dumps(ext)), codec='deflate')
    for r in FILES['f1.avro'][1]:
        w.append(dict(r, extra_note='x', extra_list=['y', 'z']))
    w.close()


def records(names):
    out = []
    for n in names:
        recs = FILES[n][1]
        out += recs[:CUT_KEEP] if n == 'cut.avro' else recs
    return out


def dotted(n):
    return socket.inet_ntoa(struct.pack('!I', n))


def tsv_str(s):
    return (s.replace('\\', '\\\\').replace('\t', '\\t')
            .replace('\n', '\\n').replace('\r', '\\r'))


def tsv(recs, numeric, header):
    lines = ['\t'.join(FIELDS)] if header else []
    for r in recs:
        cols = []
        for f in FIELDS:
            v = r[f]
            if isinstance(v, list):
                cols.append(','.join(str(x) for x in v))
            elif isinstance(v, str):
                cols.append(tsv_str(v))
            elif f in IPS and not numeric:
                cols.append(dotted(v))
            else:
                cols.append(str(v))
        lines.append('\t'.join(cols))
    return ''.join(l + '\n' for l in lines)


def want_json(r, numeric):
    d = dict(r)
    if not numeric:
        for f in IPS:
            d[f + '_str'] = dotted(r[f])
    return d


def summary(recs):
    def top(pairs):
        acc = {}
        for key, pk in pairs:
            a = acc.setdefault(key, [0, 0])
            a[0] += pk
            a[1] += 1
        return sorted(acc.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    protos = sorted(top((r['protocol'], r['packet_cnt']) for r in recs))
    names = {1: 'icmp', 6: 'tcp', 17: 'udp'}
    times = [r['time'] for r in recs]
    s = dict(records=len(recs), packets=sum(r['packet_cnt'] for r in recs),
             intervals=len(set(times)),
             first_interval=min(times) if times else None,
             last_interval=max(times) if times else None,
             distinct_sources=len(set(r['src_ip'] for r in recs)))
    s['protocols'] = []
    for p, (pk, n) in protos:
        d = dict(protocol=p, packets=pk, records=n)
        if p in names:
            d['name'] = names[p]
        s['protocols'].append(d)
    s['top_sources'] = [dict(src_ip=k, src_ip_str=dotted(k), packets=pk,
                             records=n) for k, (pk, n) in
                        top((r['src_ip'], r['packet_cnt']) for r in recs)[:10]]
    for key, proto in (('top_tcp_ports', 6), ('top_udp_ports', 17)):
        s[key] = [dict(port=k, packets=pk, records=n) for k, (pk, n) in
                  top((r['dst_port'], r['packet_cnt']) for r in recs
                      if r['protocol'] == proto)[:10]]
    return s


def diff(what, got, want):
    if got == want:
        return 0
    print('  %s differs' % what)
    print('  got:  %r' % (got,))
    print('  want: %r' % (want,))
    return 1


def main():
    cmd = sys.argv[1]
    if cmd == 'write':
        write_all()
        return 0
    if cmd == 'iso':
        t = int(sys.argv[2])
        print(datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
              .strftime('%Y-%m-%dT%H:%M:%S') + sys.argv[3])
        return 0
    if cmd == 'ip':
        print(ip(sys.argv[2]))
        return 0
    # check MODE OUTFILE PREDICATE FILE... [--numeric] [--no-header]
    mode, outfile, pred = sys.argv[1:4]
    args = sys.argv[4:]
    numeric = '--numeric' in args
    header = '--no-header' not in args
    names = [a for a in args if not a.startswith('--')]
    keep = eval('lambda r: ' + pred, {'ip': ip})
    recs = [r for r in records(names) if keep(r)]
    out = open(outfile, encoding='utf-8').read()
    if mode == 'tsv':
        return diff('TSV', out, tsv(recs, numeric, header))
    if mode == 'json':
        got = [json.loads(l) for l in out.splitlines()]
        bad = diff('record count', len(got), len(recs))
        for i, (g, r) in enumerate(zip(got, recs)):
            w = want_json(r, numeric)
            bad |= diff('record %d keys' % i, sorted(g), sorted(w))
            for k in w:
                bad |= diff('record %d %s' % (i, k), g.get(k), w[k])
                bad |= diff('record %d %s type' % (i, k),
                            type(g.get(k)).__name__, type(w[k]).__name__)
            bad |= diff('record %d field order' % i,
                        [k for k in g if k in FIELDS], FIELDS)
        return bad
    if mode == 'summary':
        got = json.loads(out)
        want = summary(recs)
        want['files'] = int(os.environ['WANT_FILES'])
        want['files_failed'] = int(os.environ['WANT_FAILED'])
        bad = diff('summary keys', sorted(got), sorted(want))
        for k in want:
            bad |= diff('summary ' + k, got.get(k), want[k])
        return bad
    if mode == 'summary-text':
        want = summary(recs)
        lines = out.splitlines()
        bad = 0
        for key, label in (('records', 'records'), ('packets', 'packets'),
                           ('intervals', 'intervals'),
                           ('distinct_sources', 'distinct sources')):
            row = [l for l in lines if l.startswith(label + ' ')]
            bad |= diff('text "%s" line' % label,
                        row[0].split()[-1] if row else None, str(want[key]))
        i = lines.index('top sources by packets')
        bad |= diff('text first top source', lines[i + 2].split()[:2],
                    [want['top_sources'][0]['src_ip_str'],
                     str(want['top_sources'][0]['packets'])])
        return bad
    raise SystemExit('unknown command ' + cmd)


sys.exit(main())
EOF

export TMP_DIR=$TMP SCHEMA
ft() { "$PY" "$TMP/ft.py" "$@"; }

if ! ft write; then
	echo "FAIL - could not write the test files with $PY avro"
	exit 1
fi
cd "$TMP" || exit 1
printf 'this is not an Avro file\n' >notavro.avro
echo "wrote f1.avro (deflate), f2.avro (null), empty.avro, cut.avro," \
	"ext.avro, notavro.avro with $PY avro"

# run ARGS...: umbra-cat's stdout in $TMP/out, stderr in $TMP/err, status $ST
run() {
	"$CAT" "$@" >"$TMP/out" 2>"$TMP/err"
	ST=$?
}

# check MODE DESCRIPTION PREDICATE FILES-AND-FLAGS -- UMBRA-CAT ARGS...
# Runs umbra-cat, wants exit 0, an empty stderr and the output Python
# computes for the records of FILES that satisfy PREDICATE.
check() {
	local mode=$1 what=$2 pred=$3
	shift 3
	local files=()
	while [ "$1" != "--" ]; do
		files+=("$1")
		shift
	done
	shift
	run "$@"
	if [ "$ST" -ne 0 ] || [ -s "$TMP/err" ]; then
		fail "$what: exit $ST, stderr: $(head -c 300 "$TMP/err")"
	elif ft "$mode" "$TMP/out" "$pred" "${files[@]}"; then
		pass "$what"
	else
		fail "$what"
	fi
}

ALL='True'

# --- output formats ---------------------------------------------------------
check tsv "TSV: header in schema order, every field of 5 deflate records" \
	"$ALL" f1.avro -- f1.avro
check tsv "TSV --numeric: addresses as numbers" \
	"$ALL" f1.avro --numeric -- --numeric f1.avro
check tsv "TSV -H: no header" "$ALL" f1.avro --no-header -- -H f1.avro
check tsv "TSV of a null-codec file" "$ALL" f2.avro -- f2.avro
check json "JSON: every field, values and types, plus src_ip_str/dst_net_str" \
	"$ALL" f1.avro f2.avro -- --format json f1.avro f2.avro
check json "JSON --numeric: exactly the schema's fields" \
	"$ALL" f1.avro --numeric -- -f json --numeric f1.avro
check json "schema with reordered and added fields, int packet_cnt: read by name" \
	"$ALL" f1.avro -- -f json ext.avro
check tsv "several files read in order" \
	"$ALL" f2.avro f1.avro f2.avro -- f2.avro f1.avro f2.avro
check tsv "empty file (no records): header only" "$ALL" empty.avro -- empty.avro
"$CAT" -f json - <f1.avro >"$TMP/out" 2>"$TMP/err"
ST=$?
if [ "$ST" -eq 0 ] && [ ! -s "$TMP/err" ] && ft json "$TMP/out" "$ALL" f1.avro; then
	pass "FILE - reads standard input"
else
	fail "FILE -: exit $ST, stderr: $(head -c 300 "$TMP/err")"
fi

# --- filters ----------------------------------------------------------------
check tsv "--src prefix 1.2.3.0/24" \
	"r['src_ip'] >> 8 == ip('1.2.3.0') >> 8" f1.avro f2.avro -- \
	-s 1.2.3.0/24 f1.avro f2.avro
check tsv "--src single address, repeated (OR)" \
	"r['src_ip'] in (ip('1.2.3.4'), ip('198.51.100.1'))" f1.avro f2.avro -- \
	--src 1.2.3.4 --src 198.51.100.1 f1.avro f2.avro
check tsv "--src with host bits set (192.0.2.200/24)" \
	"r['src_ip'] >> 8 == ip('192.0.2.0') >> 8" f1.avro f2.avro -- \
	-s 192.0.2.200/24 f1.avro f2.avro
check tsv "--src 0.0.0.0/0 keeps everything" "$ALL" f1.avro f2.avro -- \
	-s 0.0.0.0/0 f1.avro f2.avro
check tsv "--proto tcp" "r['protocol'] == 6" f1.avro f2.avro -- \
	-p tcp f1.avro f2.avro
check tsv "--proto 17 and --proto ICMP (OR)" "r['protocol'] in (1, 17)" \
	f1.avro f2.avro -- --proto 17 --proto ICMP f1.avro f2.avro
check tsv "--proto 47 (by number only)" "r['protocol'] == 47" \
	f1.avro f2.avro -- -p 47 f1.avro f2.avro
check tsv "--port 23" "r['dst_port'] == 23" f1.avro f2.avro -- \
	-P 23 f1.avro f2.avro
check tsv "--port 53 and 2048 (ICMP echo request) (OR)" \
	"r['dst_port'] in (53, 2048)" f1.avro f2.avro -- \
	-P 53 --port 2048 f1.avro f2.avro
t1=$((1600000200 + 300))
t2=$((1600000200 + 600))
iso1=$(ft iso $t1 Z)
iso2=$(ft iso $t2 '')
check tsv "--since $t1 (inclusive)" "r['time'] >= $t1" f1.avro f2.avro -- \
	--since $t1 f1.avro f2.avro
check tsv "--until $iso2 (ISO, no Z; exclusive)" "r['time'] < $t2" \
	f1.avro f2.avro -- --until "$iso2" f1.avro f2.avro
check tsv "--since $iso1 --until $t2: one interval" \
	"$t1 <= r['time'] < $t2" f1.avro f2.avro -- \
	--since "$iso1" --until $t2 f1.avro f2.avro
check tsv "--since ${iso1%%T*} (date only)" "r['time'] >= $(
	"$PY" -c "print($t1 - $t1 % 86400)")" f1.avro f2.avro -- \
	--since "${iso1%%T*}" f1.avro f2.avro
check tsv "filters combined (AND): tcp, port 23, 1.2.3.0/24" \
	"r['protocol'] == 6 and r['dst_port'] == 23 and r['src_ip'] >> 8 == ip('1.2.3.0') >> 8" \
	f1.avro f2.avro -- -p tcp -P 23 -s 1.2.3.0/24 f1.avro f2.avro
check json "JSON output filtered (-f json -p udp)" "r['protocol'] == 17" \
	f1.avro f2.avro -- -f json -p udp f1.avro f2.avro

run -n 3 -H f1.avro f2.avro
if [ "$ST" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 3 ]; then
	pass "--limit 3 prints 3 records across files"
else
	fail "--limit 3: exit $ST, $(wc -l <"$TMP/out") lines"
fi

# --- summary ----------------------------------------------------------------
export WANT_FILES=2 WANT_FAILED=0
check summary "--summary -f json: every number over two files" \
	"$ALL" f1.avro f2.avro -- --summary -f json f1.avro f2.avro
check summary "--summary with a filter (-p tcp)" "r['protocol'] == 6" \
	f1.avro f2.avro -- --summary -f json -p tcp f1.avro f2.avro
export WANT_FILES=1
check summary "--summary of an empty file: zeros and nulls" \
	"$ALL" empty.avro -- --summary --format json empty.avro
export WANT_FILES=3 WANT_FAILED=1
run --summary -f json f1.avro cut.avro f2.avro
if [ "$ST" -eq 1 ] && ft summary "$TMP/out" "$ALL" f1.avro cut.avro f2.avro; then
	pass "--summary counts a damaged file's good records, exit 1"
else
	fail "--summary with a damaged file: exit $ST"
fi
export WANT_FILES=2 WANT_FAILED=0
check summary-text "--summary text: totals and the top source" \
	"$ALL" f1.avro f2.avro -- --summary f1.avro f2.avro

# --- damaged and wrong files ------------------------------------------------
run f1.avro cut.avro f2.avro
if [ "$ST" -eq 1 ] && grep -q 'cut\.avro' "$TMP/err" &&
	ft tsv "$TMP/out" "$ALL" f1.avro cut.avro f2.avro; then
	pass "truncated file: exit 1, named on stderr, its first 4 and the" \
		"other files' records printed"
else
	fail "truncated file: exit $ST, stderr: $(head -c 300 "$TMP/err")"
fi
echo "     ($(head -1 "$TMP/err"))"
run f1.avro notavro.avro missing.avro f2.avro
if [ "$ST" -eq 1 ] && grep -q 'notavro\.avro' "$TMP/err" &&
	grep -q 'missing\.avro' "$TMP/err" &&
	ft tsv "$TMP/out" "$ALL" f1.avro f2.avro; then
	pass "non-Avro and missing files: exit 1, both named, good files printed"
else
	fail "non-Avro/missing: exit $ST, stderr: $(head -c 300 "$TMP/err")"
fi
run "$TMP"
if [ "$ST" -eq 1 ] && grep -q "$TMP" "$TMP/err"; then
	pass "a directory: exit 1, named"
else
	fail "a directory: exit $ST"
fi

# --- usage ------------------------------------------------------------------
usage_err() { # DESCRIPTION ARGS...
	local what=$1
	shift
	run "$@"
	if [ "$ST" -eq 2 ] && grep -q 'Usage:' "$TMP/err" && [ ! -s "$TMP/out" ]; then
		pass "$what: exit 2, usage on stderr"
	else
		fail "$what: exit $ST (want 2), stderr: $(head -c 200 "$TMP/err")"
	fi
}
usage_err "unknown flag --bogus" --bogus f1.avro
usage_err "unknown flag -x" -x f1.avro
usage_err "no FILE" -p tcp
usage_err "--format xml" --format xml f1.avro
usage_err "--proto bogus" -p bogus f1.avro
usage_err "--proto 256" -p 256 f1.avro
usage_err "--port 65536" -P 65536 f1.avro
usage_err "--port -1" -P -1 f1.avro
usage_err "--src 1.2.3/8" -s 1.2.3/8 f1.avro
usage_err "--src 1.2.3.4/33" -s 1.2.3.4/33 f1.avro
usage_err "--since 2020-02-30" --since 2020-02-30 f1.avro
usage_err "--until yesterday" --until yesterday f1.avro
usage_err "--limit -1" -n -1 f1.avro
usage_err "--limit without value" f1.avro --limit
run --help
if [ "$ST" -eq 0 ] && grep -q 'Usage: umbra-cat' "$TMP/out"; then
	pass "--help: usage on stdout, exit 0"
else
	fail "--help: exit $ST"
fi
run -V
if [ "$ST" -eq 0 ] && grep -q '^umbra-cat ' "$TMP/out"; then
	pass "--version"
else
	fail "--version: exit $ST"
fi

# --- a reader that goes away ------------------------------------------------
many=()
for _ in $(seq 400); do many+=(f1.avro); done
"$CAT" "${many[@]}" 2>"$TMP/err" | head -n 1 >/dev/null
st=${PIPESTATUS[0]}
if { [ "$st" -eq 0 ] || [ "$st" -eq 141 ]; } && [ ! -s "$TMP/err" ]; then
	pass "closed pipe (umbra-cat ... | head -1): exit $st, nothing on stderr"
else
	fail "closed pipe: exit $st, stderr: $(head -c 200 "$TMP/err")"
fi

finish
