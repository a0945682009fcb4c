#!/bin/bash
# The man pages against the programs they describe:
#   - for umbrad, umbra-cat, umbra-gen and umbra-tail, every flag their --help prints is
#     documented in the OPTIONS section of their page (a short flag and its
#     long form in the same entry), and every flag that OPTIONS mentions is
#     one --help prints; for umbrad, each flag's entry also names the key and
#     the default that --help gives it;
#   - every key of `umbrad --print-config` has an entry in umbra.yaml(5)
#     with the same default and the same type, bounds and flag line, and the
#     page has no entry for any other key;
#   - every page renders without a warning (man --warnings, groff -ww).
# Nothing is hard-coded: the flags and keys come from the binaries.
. "$(dirname "$0")/lib.sh"
MAN="$UMBRA_SRCDIR/man"

for b in "$UMBRAD" "$UMBRA_CAT" "$UMBRA_GEN" "$UMBRA_TAIL"; do
	[ -x "$b" ] || skip "$b is not built"
done

# roff_text PAGE: the page as text, one line per source line.  Requests
# become "=NAME ARGS" lines (=SH OPTIONS, =TP, ...), except the font macros
# (B, I, BR, IR, ...), whose arguments become text; escapes are resolved.
roff_text() {
	awk '
	function unesc(s) {
		gsub(/\\e/, "\001", s)
		gsub(/\\\(dq/, "\"", s); gsub(/\\\(aq/, "\047", s)
		gsub(/\\\(mu/, "x", s)
		gsub(/\\\(../, "~", s); gsub(/\\\[[^]]*\]/, "~", s)
		gsub(/\\f\[[^]]*\]/, "", s); gsub(/\\f\(../, "", s); gsub(/\\f./, "", s)
		gsub(/\\-/, "-", s)
		gsub(/\\[&%:|^c]/, "", s); gsub(/\\[ ~0]/, " ", s)
		gsub(/\001/, "\\", s)
		return s
	}
	function split_args(s,    i, c, cur, inq, started, n) {
		n = 0; cur = ""; inq = 0; started = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") {
				cur = cur c substr(s, i + 1, 1); i++; started = 1
			} else if (inq) {
				if (c != "\"") cur = cur c
				else if (substr(s, i + 1, 1) == "\"") { cur = cur c; i++ }
				else inq = 0
			} else if (c == " " || c == "\t") {
				if (started) { A[++n] = cur; cur = ""; started = 0 }
			} else if (c == "\"" && !started) {
				inq = 1; started = 1
			} else {
				cur = cur c; started = 1
			}
		}
		if (started) A[++n] = cur
		return n
	}
	/^[.\047][ \t]*\\"/ { next }
	/^[.\047]/ {
		line = substr($0, 2); sub(/^[ \t]+/, "", line)
		name = line; sub(/[ \t].*/, "", name)
		n = split_args(substr(line, length(name) + 1))
		t = ""
		if (name ~ /^(B|I|SM|SB)$/) {
			for (i = 1; i <= n; i++) t = t (i > 1 ? " " : "") A[i]
			if (n) print unesc(t)
		} else if (name ~ /^(BR|BI|IB|IR|RB|RI)$/) {
			for (i = 1; i <= n; i++) t = t A[i]
			print unesc(t)
		} else {
			for (i = 1; i <= n; i++) t = t " " A[i]
			print "=" name unesc(t)
		}
		next
	}
	{ print unesc($0) }' "$1"
}

# section NAME: the lines of one section of roff_text output (stdin).
section() {
	awk -v want="=SH $1" '/^=SH/ { on = ($0 == want); next } on'
}

# entries: the .TP entries of a section (stdin), one per line: the tag, a
# tab, then the entry's text on one line.  An entry ends at the next .TP,
# section or subsection, or at a paragraph outside .RS.
entries() {
	awk '
	function flush() {
		if (have) { gsub(/[ \t]+/, " ", body); sub(/^ /, "", body); sub(/ $/, "", body); print tag "\t" body }
		have = 0; tag = ""; body = ""; wanttag = 0
	}
	/^=TP/ { flush(); have = 1; wanttag = 1; depth = 0; next }
	/^=(SH|SS)/ { flush(); next }
	/^=RS/ { depth++; next }
	/^=RE/ { if (depth) depth--; next }
	/^=(PP|P|LP)( |$)/ { if (!depth) flush(); next }
	/^=/ { next }
	have && wanttag { tag = $0; wanttag = 0; next }
	have { body = body " " $0 }
	END { flush() }'
}

# flags_in: the flags (-x, --long-name) in the text on stdin, one a line.
flags_in() {
	grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//; s/-+$//'
}

# help_options PROGRAM: one line per option of PROGRAM --help: its flags,
# space-separated, a tab, then its description on one line.  An option
# line is indented by 1 to 6 spaces and starts with "-".
help_options() {
	"$1" --help 2> /dev/null | awk '
	function flush() { if (flags != "") { gsub(/[ \t]+/, " ", desc); print flags "\t" desc } flags = ""; desc = "" }
	{ match($0, /^ */); ind = RLENGTH }
	ind >= 1 && ind <= 6 && substr($0, ind + 1, 1) == "-" {
		flush()
		rest = substr($0, ind + 1)
		while (match(rest, /^-[^ ,]*,? */)) {
			f = substr(rest, 1, RLENGTH); sub(/[=[, ].*/, "", f)
			flags = flags (flags == "" ? "" : " ") f
			rest = substr(rest, RLENGTH + 1)
		}
		desc = rest
		next
	}
	/^[^ ]/ || /^$/ { flush(); next }
	flags != "" { desc = desc " " $0 }
	END { flush() }'
}

# has_word TEXT WORDS: does TEXT hold WORDS, followed by the end or by a
# character that cannot continue a value?
has_word() {
	HW_T=$1 HW_W=$2 awk 'BEGIN {
		t = ENVIRON["HW_T"]; w = ENVIRON["HW_W"]
		while ((i = index(t, w)) > 0) {
			c = substr(t, i + length(w), 1)
			if (c == "" || c ~ /[ ;.,:)]/) exit 0
			t = substr(t, i + 1)
		}
		exit 1 }'
}

# ---- flags: --help against OPTIONS -------------------------------------

check_flags() { # PROGRAM PAGE
	local prog=$1 page=$2 name
	name=$(basename "$prog")
	if [ ! -f "$page" ]; then
		fail "$name: no man page $page"
		return
	fi
	help_options "$prog" > "$TMP/help.$name"
	roff_text "$page" | section OPTIONS > "$TMP/opts.$name"
	entries < "$TMP/opts.$name" > "$TMP/ent.$name"
	if [ ! -s "$TMP/help.$name" ]; then
		fail "$name: no option found in --help"
		return
	fi
	if [ ! -s "$TMP/ent.$name" ]; then
		fail "$name: $(basename "$page") has no OPTIONS entries"
		return
	fi

	local bad=0 flags desc tag body tagflags f allin found entry all_help="" k d
	while IFS=$'\t' read -r flags desc; do
		all_help="$all_help $flags"
		# the entry whose tag holds every flag of this option
		found=0 entry=""
		while IFS=$'\t' read -r tag body; do
			tagflags=" $(printf '%s\n' "$tag" | flags_in | tr '\n' ' ')"
			allin=1
			for f in $flags; do
				[[ $tagflags == *" $f "* ]] || allin=0
			done
			if [ $allin = 1 ]; then
				found=1 entry=$body
				break
			fi
		done < "$TMP/ent.$name"
		if [ $found = 0 ]; then
			fail "$name: --help option '${flags// /, }' has no OPTIONS entry in $(basename "$page")"
			bad=1
			continue
		fi
		# umbrad: "[key K, default D]" in --help -> the entry names both
		if [[ $desc =~ \[key\ ([a-z_]+),\ default\ ([^]]*)\] ]]; then
			k=${BASH_REMATCH[1]} d=${BASH_REMATCH[2]}
			if ! has_word "$entry" "key $k"; then
				fail "$name: the entry of ${flags// /, } does not name its key '$k'"
				bad=1
			fi
			if ! has_word "$entry" "default $d"; then
				fail "$name: the entry of ${flags// /, } does not give its default '$d'"
				bad=1
			fi
		fi
	done < "$TMP/help.$name"
	[ $bad = 0 ] && pass "$name: every --help flag is in $(basename "$page") OPTIONS ($(wc -l < "$TMP/help.$name") options)"

	bad=0
	for f in $(flags_in < "$TMP/opts.$name" | sort -u); do
		if [[ " $all_help " != *" $f "* ]]; then
			fail "$name: $(basename "$page") OPTIONS mentions $f, which --help does not print"
			bad=1
		fi
	done
	[ $bad = 0 ] && pass "$name: every flag in $(basename "$page") OPTIONS is in --help"
}

check_flags "$UMBRAD" "$MAN/umbrad.8"
check_flags "$UMBRA_CAT" "$MAN/umbra-cat.1"
check_flags "$UMBRA_GEN" "$MAN/umbra-gen.1"
check_flags "$UMBRA_TAIL" "$MAN/umbra-tail.1"

# ---- keys: --print-config against umbra.yaml(5) ------------------------

page="$MAN/umbra.yaml.5"
if ! "$UMBRAD" --print-config > "$TMP/cfg" 2> "$TMP/cfg.err"; then
	fail "umbrad --print-config failed: $(head -3 "$TMP/cfg.err")"
elif [ ! -f "$page" ]; then
	fail "no man page $page"
else
	# key <tab> default as printed <tab> the type line of its comment
	awk '
	/^# / {
		c = substr($0, 3)
		if (c ~ /^(String;|List of strings|An integer |One of |True, false)/) meta = c
		else if (meta != "") meta = meta " " c
		next
	}
	/^[a-z_][a-z0-9_]*:/ {
		k = $0; sub(/:.*/, "", k)
		v = $0; sub(/^[^:]*: */, "", v)
		print k "\t" v "\t" meta
		meta = ""
		next
	}
	/^$/ { meta = "" }' "$TMP/cfg" > "$TMP/keys"
	roff_text "$page" | section KEYS | entries > "$TMP/manent"
	nkeys=$(wc -l < "$TMP/keys")
	if [ "$nkeys" -lt 1 ]; then
		fail "no key found in umbrad --print-config"
	elif [ ! -s "$TMP/manent" ]; then
		fail "umbra.yaml.5 has no KEYS entries"
	else
		bad=0
		while IFS=$'\t' read -r key val meta; do
			body=$(awk -F'\t' -v k="$key" '$1 == k { print $2; exit }' "$TMP/manent")
			if ! awk -F'\t' -v k="$key" '$1 == k { f = 1 } END { exit !f }' "$TMP/manent"; then
				fail "umbra.yaml.5: no entry for key '$key'"
				bad=1
				continue
			fi
			if [ -z "$meta" ]; then
				fail "cannot find the type line of '$key' in --print-config"
				bad=1
			elif [[ $body != *"$meta"* ]]; then
				fail "umbra.yaml.5: '$key' does not say '$meta' (it says: ${body:0:120})"
				bad=1
			fi
			if [ -n "$val" ] && ! has_word "$body" "default $val"; then
				fail "umbra.yaml.5: '$key' does not give the default $val"
				bad=1
			fi
		done < "$TMP/keys"
		[ $bad = 0 ] && pass "umbra.yaml.5 documents all $nkeys keys of --print-config with their defaults, types and bounds"

		bad=0
		while IFS=$'\t' read -r tag _; do
			if ! awk -F'\t' -v k="$tag" '$1 == k { f = 1 } END { exit !f }' "$TMP/keys"; then
				fail "umbra.yaml.5 documents '$tag', which is not a key of --print-config"
				bad=1
			fi
		done < "$TMP/manent"
		dup=$(cut -f1 "$TMP/manent" | sort | uniq -d | tr '\n' ' ')
		if [ -n "$dup" ]; then
			fail "umbra.yaml.5 documents more than once: $dup"
			bad=1
		fi
		[ $bad = 0 ] && pass "umbra.yaml.5 documents no unknown key"
	fi
fi

# ---- rendering ---------------------------------------------------------

pages=("$MAN"/*.[1-8])
if command -v man > /dev/null; then
	for p in "${pages[@]}"; do
		if w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 > /dev/null) &&
			[ -z "$w" ]; then
			pass "man --warnings renders $(basename "$p") cleanly"
		else
			fail "man --warnings $(basename "$p"): $(head -5 <<< "$w")"
		fi
	done
else
	echo "SKIP: man is not installed: pages not rendered with man --warnings"
fi
if command -v groff > /dev/null; then
	for p in "${pages[@]}"; do
		if w=$(groff -ww -man -Tutf8 -z "$p" 2>&1) && [ -z "$w" ]; then
			pass "groff -ww renders $(basename "$p") cleanly"
		else
			fail "groff -ww $(basename "$p"): $(head -5 <<< "$w")"
		fi
	done
else
	echo "SKIP: groff is not installed: pages not rendered with groff -ww"
fi

finish
