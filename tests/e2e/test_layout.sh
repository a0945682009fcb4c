#!/bin/bash
# File layout (FLOWTUPLE4.md section 5): partitioned default names, one file
# per interval including empty ones across a gap, rotation every N intervals
# aligned on N*L, a custom template, codecs, and no temporary file left.
. "$(dirname "$0")/lib.sh"

"$UMBRA_GEN" -q -o "$TMP/a.pcap" -n 20000 -s 1700000100 -d 500 -S 1 || fail "umbra-gen a"
"$UMBRA_GEN" -q -o "$TMP/b.pcap" -n 20000 -s 1700003000 -d 400 -S 2 || fail "umbra-gen b"
printf 'stats_endpoint: ""\nlog_level: warn\n' > "$TMP/c.yaml"

# two inputs read as one stream; intervals 1700000100 .. 1700003100
"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/a.pcap" -r "$TMP/b.pcap" -o "$TMP/o1" -n tel 2> "$TMP/err" || fail "umbrad: $(tail -2 "$TMP/err")"
want=""
for ((s = 1700000100; s <= 1700003100; s += 300)); do
	d=$(date -u -d "@$s" +'year=%Y/month=%m/day=%d/hour=%H')
	want+="./datasource=tel/$d/tel_$s.ft4.avro"$'\n'
done
got=$(cd "$TMP/o1" && find . -type f | sort)
if [ "$got" = "$(printf '%s' "$want" | sort)" ]; then
	pass "one file per interval across the gap, default partitioned names ($(echo "$got" | wc -l) files)"
else
	fail "file set differs: $(diff <(echo "$got") <(printf '%s' "$want" | sort) | head -5)"
fi
# the empty intervals hold valid, empty Avro files
n=$("$PYTHON" - "$TMP/o1/datasource=tel/year=2023/month=11/day=14/hour=22/tel_1700001600.ft4.avro" <<'PY'
import sys, avro.datafile, avro.io
with open(sys.argv[1], 'rb') as f:
    print(sum(1 for _ in avro.datafile.DataFileReader(f, avro.io.DatumReader())))
PY
)
[ "$n" = 0 ] && pass "a gap interval has a valid empty file" || fail "gap file holds '$n'"
[ -z "$(find "$TMP/o1" -name '.*')" ] && pass "no temporary file left" || fail "temporary files left: $(find "$TMP/o1" -name '.*')"

# rotation: 3 intervals per file, aligned on 900 s, same records
printf 'stats_endpoint: ""\nlog_level: warn\nrotate_intervals: 3\noutput_template: "%%N/%%Y%%m%%d/%%N_%%s.avro"\n' > "$TMP/rot.yaml"
"$UMBRAD" -c "$TMP/rot.yaml" -r "$TMP/a.pcap" -r "$TMP/b.pcap" -o "$TMP/o2" -n tel 2> "$TMP/err" || fail "umbrad rot: $(tail -2 "$TMP/err")"
got=$(cd "$TMP/o2" && find . -type f | sort | tr '\n' ' ')
want="./tel/20231114/tel_1700000100.avro ./tel/20231114/tel_1700001000.avro ./tel/20231114/tel_1700001900.avro ./tel/20231114/tel_1700002800.avro "
[ "$got" = "$want" ] && pass "rotation every 3 intervals, template names aligned on 900 s" || fail "rotation files: $got"
a=$("$UMBRA_CAT" -f tsv $(avro_files "$TMP/o1") | sort | md5sum)
b=$("$UMBRA_CAT" -f tsv $(avro_files "$TMP/o2") | sort | md5sum)
[ "$a" = "$b" ] && pass "rotated files hold the same records" || fail "rotated files hold other records"

# codecs: null and snappy hold the same records; all readable by python
"$UMBRAD" -c "$TMP/c.yaml" -r "$TMP/a.pcap" -o "$TMP/o-def" -n tel 2> "$TMP/err" || fail "umbrad deflate"
d=$("$UMBRA_CAT" -f tsv $(avro_files "$TMP/o-def") | sort | md5sum)
for codec in null snappy; do
	printf 'stats_endpoint: ""\nlog_level: warn\ncodec: %s\n' $codec > "$TMP/$codec.yaml"
	"$UMBRAD" -c "$TMP/$codec.yaml" -r "$TMP/a.pcap" -o "$TMP/o-$codec" -n tel 2> "$TMP/err" || fail "umbrad $codec"
	c=$("$UMBRA_CAT" -f tsv $(avro_files "$TMP/o-$codec") | sort | md5sum)
	cnt=$("$PYTHON" -c '
import sys, avro.datafile, avro.io
n = 0
for p in sys.argv[2:]:
    with open(p, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        assert r.get_meta("avro.codec").decode() == sys.argv[1], r.get_meta("avro.codec")
        n += sum(1 for _ in r)
print(n)' $codec $(avro_files "$TMP/o-$codec"))
	if [ "$c" = "$d" ] && [ "$cnt" -gt 0 ]; then
		pass "codec $codec: same records as deflate, $cnt read by python3-avro"
	else
		fail "codec $codec: records differ or unreadable ($cnt)"
	fi
done
finish
