#!/bin/bash
# umbrad's command line and configuration errors, as an operator meets them.
. "$(dirname "$0")/lib.sh"
trace="$UMBRA_TRACES/real/ndpi_synscan.pcap"
conf=$(quiet_conf)

expect() { # expect STATUS PATTERN DESCRIPTION -- command...
	local want=$1 pat=$2 what=$3
	shift 4
	"$@" > "$TMP/out" 2> "$TMP/err"
	local st=$?
	if [ $st -eq "$want" ] && grep -qE -- "$pat" "$TMP/out" "$TMP/err"; then
		pass "$what"
	else
		fail "$what: exit $st (want $want), output: $(head -c 300 "$TMP/err")"
	fi
}

expect 0 'Usage: umbrad' "--help prints usage, exit 0" -- "$UMBRAD" --help
for flag in --config --input --output-dir --threads --monitor --interval --log-level --print-config --version; do
	grep -q -- "$flag" "$TMP/out" || fail "--help does not mention $flag"
done
expect 0 '^umbrad [0-9]' "--version" -- "$UMBRAD" --version
expect 2 'unknown option' "unknown flag: exit 2" -- "$UMBRAD" --bogus
expect 2 'Usage' "unknown flag prints usage" -- "$UMBRAD" -x
expect 2 'needs a value' "flag without value: exit 2" -- "$UMBRAD" -r
expect 2 "threads.*abc" "bad number: exit 2 naming the flag and value" -- "$UMBRAD" -r "$trace" -T abc
expect 2 "interval.*0" "out of range interval: exit 2" -- "$UMBRAD" -r "$trace" -i 0
expect 2 "monitor" "bad monitor name: exit 2" -- "$UMBRAD" -r "$trace" -n 'bad/name'
expect 2 "no input" "no input: exit 2" -- "$UMBRAD" -c "$conf"
expect 2 "unexpected argument" "stray argument: exit 2" -- "$UMBRAD" "$trace"

printf 'monitor: ok\nthreads: 2\nbogus_key: 1\n' > "$TMP/unknown.yaml"
expect 1 "unknown.yaml:3:1: .*bogus_key" "unknown key: file:line:col, exit 1" -- "$UMBRAD" -c "$TMP/unknown.yaml" -r "$trace"
printf 'monitor: ok\ninterval: five\n' > "$TMP/type.yaml"
expect 1 "type.yaml:2:11: .*interval" "wrong type: file:line:col" -- "$UMBRAD" -c "$TMP/type.yaml" -r "$trace"
printf 'codec: lzma\n' > "$TMP/codec.yaml"
expect 1 "codec.yaml:1:8: .*deflate" "lzma refused, choices listed" -- "$UMBRAD" -c "$TMP/codec.yaml" -r "$trace"
printf 'monitor: [a\n' > "$TMP/syntax.yaml"
expect 1 "syntax.yaml:[0-9]+:[0-9]+" "YAML syntax error located" -- "$UMBRAD" -c "$TMP/syntax.yaml" -r "$trace"
expect 1 "missing.yaml" "missing config file named" -- "$UMBRAD" -c "$TMP/missing.yaml" -r "$trace"

# --print-config: flags over the file, and it loads back
printf 'monitor: fromfile\nthreads: 3\n' > "$TMP/base.yaml"
"$UMBRAD" -c "$TMP/base.yaml" -n fromflag -i 60 --print-config > "$TMP/eff.yaml" 2> "$TMP/err"
if grep -q '^monitor: "\?fromflag' "$TMP/eff.yaml" && grep -q '^threads: 3' "$TMP/eff.yaml" &&
	grep -q '^interval: 60' "$TMP/eff.yaml"; then
	pass "--print-config shows flags over the file"
else
	fail "--print-config: $(cat "$TMP/eff.yaml" "$TMP/err" | head -20)"
fi
"$UMBRAD" -c "$TMP/eff.yaml" --print-config > "$TMP/eff2.yaml" 2>&1
cmp -s "$TMP/eff.yaml" "$TMP/eff2.yaml" && pass "--print-config output loads back unchanged" ||
	fail "--print-config round trip differs"
# the embedded defaults equal the documented sample configuration
"$UMBRAD" --print-config > "$TMP/def.yaml"
"$UMBRAD" -c "$UMBRA_SRCDIR/conf/umbra.yaml" --print-config > "$TMP/sample.yaml"
cmp -s "$TMP/def.yaml" "$TMP/sample.yaml" && pass "conf/umbra.yaml holds exactly the defaults" ||
	fail "conf/umbra.yaml differs from the embedded defaults: $(diff "$TMP/def.yaml" "$TMP/sample.yaml" | head)"

# output directory that cannot be created
printf 'x' > "$TMP/afile"
"$UMBRAD" -c "$conf" -r "$trace" -o "$TMP/afile/sub" 2> "$TMP/err"
st=$?
[ $st -eq 1 ] && grep -q "afile/sub" "$TMP/err" && pass "unwritable output dir: error names the path, exit 1" ||
	fail "unwritable output dir: exit $st: $(tail -2 "$TMP/err")"
finish
