#!/bin/bash
# Every shared capture (real and malformed) and some garbage of our own:
# umbrad never crashes (in the ASan/UBSan build a sanitizer report is a
# crash), a file it cannot read gets an error naming it and exit status 1,
# and the packets before the damage are written.
. "$(dirname "$0")/lib.sh"
conf=$(quiet_conf)
[ -d "$UMBRA_TRACES/malformed" ] || skip "no traces at $UMBRA_TRACES"

# garbage of our own
head -c 5000 /dev/urandom > "$TMP/random.bin"
: > "$TMP/empty.pcap"
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00' > "$TMP/short-header.pcap"
# a pcap header then one record claiming 4 GiB
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff' > "$TMP/huge-caplen.pcap"
gzip -c "$UMBRA_TRACES/real/ndpi_synscan.pcap" | head -c 3000 > "$TMP/cut.pcap.gz"

checked=0
for f in "$UMBRA_TRACES"/malformed/*/* "$UMBRA_TRACES"/real/* "$TMP"/*.bin "$TMP"/*.pcap "$TMP"/*.gz; do
	[ -f "$f" ] || continue
	uri=$f
	case "$f" in *.erf*) uri="erf:$f" ;; esac
	out="$TMP/out"
	rm -rf "$out"
	timeout 60 "$UMBRAD" -c "$conf" -r "$uri" -o "$out" -T 2 > /dev/null 2> "$TMP/err"
	st=$?
	checked=$((checked + 1))
	name=${f##*/}
	if [ $st -eq 124 ]; then
		fail "$name: umbrad hung"
	elif crashed $st || grep -qE 'Sanitizer|runtime error|Assertion' "$TMP/err"; then
		fail "$name: crashed (status $st): $(grep -m3 -E 'ERROR|runtime error|Assertion' "$TMP/err")"
	elif [ $st -ne 0 ] && [ $st -ne 1 ]; then
		fail "$name: exit status $st"
	elif [ $st -eq 1 ] && ! grep -q "error: .*$name" "$TMP/err"; then
		fail "$name: exit 1 without an error naming the file: $(tail -2 "$TMP/err")"
	fi
done
[ $checked -gt 60 ] && pass "$checked files: no crash, no hang; failures named the file" || fail "only $checked files checked"

# A pcap cut mid-record: a warning with the offset, exit 0, and every
# complete record before the cut is counted.
cut="$UMBRA_TRACES/malformed/container/derived_nmap_80_all.truncated-mid-record.pcap"
if [ -f "$cut" ]; then
	rm -rf "$TMP/cut"
	"$UMBRAD" -c "$conf" -r "$cut" -o "$TMP/cut" -T 2 2> "$TMP/err"
	st=$?
	want=$("$PYTHON" - "$cut" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, n = 24, 0
while off + 16 <= len(d):
    cl = struct.unpack('<I', d[off+8:off+12])[0]
    if off + 16 + cl > len(d):
        break
    n += 1
    off += 16 + cl
print(n)
PY
)
	got=$("$UMBRA_CAT" --summary --format json $(avro_files "$TMP/cut") 2>/dev/null |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
	if [ $st -eq 0 ] && grep -q "warn:.*offset" "$TMP/err" && [ "$got" = "$want" ]; then
		pass "truncated pcap: warning with offset, $got complete packets kept"
	else
		fail "truncated pcap: exit $st, packets $got (want $want): $(tail -2 "$TMP/err")"
	fi
fi

# Damage after good records: the good records are written, exit 1.
{ cat "$UMBRA_TRACES/real/ndpi_synscan.pcap"; printf '\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f\x10\x00\x00\x00'; } > "$TMP/damaged.pcap"
rm -rf "$TMP/dmg"
"$UMBRAD" -c "$conf" -r "$TMP/damaged.pcap" -o "$TMP/dmg" -T 2 2> "$TMP/err"
st=$?
got=$("$UMBRA_CAT" --summary --format json $(avro_files "$TMP/dmg") 2>/dev/null |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
if [ $st -eq 1 ] && [ "$got" = 2011 ] && grep -q "error: .*damaged.pcap" "$TMP/err"; then
	pass "damaged pcap: error naming the file, the 2011 packets before it written"
else
	fail "damaged pcap: exit $st, $got packets: $(tail -2 "$TMP/err")"
fi

# A missing file and an unreadable input are errors naming them; the other
# inputs are still read.
rm -rf "$TMP/miss"
"$UMBRAD" -c "$conf" -r "$TMP/nope.pcap" -r "$UMBRA_TRACES/real/ndpi_synscan.pcap" -o "$TMP/miss" 2> "$TMP/err"
st=$?
if [ $st -eq 1 ] && grep -q "nope.pcap" "$TMP/err" && [ -n "$(avro_files "$TMP/miss")" ]; then
	pass "missing input: named, exit 1, the next input still written"
else
	fail "missing input: exit $st: $(tail -2 "$TMP/err")"
fi
finish
