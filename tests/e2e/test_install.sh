#!/bin/bash
# `make install DESTDIR=...` puts every piece where an operator and a
# developer expect it, and a program builds against the installed library
# through its pkg-config file.
. "$(dirname "$0")/lib.sh"
[ -n "${UMBRA_BUILDDIR:-}" ] && [ -f "$UMBRA_BUILDDIR/Makefile" ] || skip "no configured build directory"
root="$TMP/root"
make -s -C "$UMBRA_BUILDDIR" install DESTDIR="$root" > "$TMP/install.log" 2>&1 ||
	{ fail "make install: $(tail -5 "$TMP/install.log")"; finish; }
prefix=$(sed -n 's/^prefix=//p' "$UMBRA_BUILDDIR/lib/libumbra.pc")
sysconf=$(sed -n 's/^sysconfdir = //p' "$UMBRA_BUILDDIR/Makefile" | sed "s|\${prefix}|$prefix|")
p="$root$prefix"
for f in sbin/umbrad bin/umbra-cat bin/umbra-gen bin/umbra-tail; do
	[ -x "$p/$f" ] && pass "$f installed, executable" || fail "$f missing"
done
for f in lib/pkgconfig/libumbra.pc include/umbra/ft4.h include/umbra/decode.h \
	include/umbra/capfile.h include/umbra/config.h share/umbra/flowtuple4.avsc \
	share/umbra/stats.schema.json share/umbra/heartbeat.schema.json share/man/man8/umbrad.8 share/man/man5/umbra.yaml.5 \
	share/man/man1/umbra-cat.1 share/man/man1/umbra-gen.1 share/man/man1/umbra-tail.1 \
	lib/systemd/system/umbrad.service lib/sysusers.d/umbra.conf; do
	[ -f "$p/$f" ] && pass "$f" || fail "$f missing"
done
ls "$p"/lib/libumbra.so* > /dev/null 2>&1 && pass "lib/libumbra.so" || fail "libumbra.so missing"
cmp -s "$root$sysconf/umbra/umbra.yaml" "$UMBRA_SRCDIR/conf/umbra.yaml" &&
	pass "$sysconf/umbra/umbra.yaml is conf/umbra.yaml" || fail "no $sysconf/umbra/umbra.yaml"
grep -q "^ExecStart=$prefix/sbin/umbrad -c $sysconf/umbra/umbra.yaml\$" "$p/lib/systemd/system/umbrad.service" &&
	pass "the unit runs the installed umbrad with the installed config" ||
	fail "unit ExecStart: $(grep ExecStart "$p/lib/systemd/system/umbrad.service")"
for f in "$p"/include/umbra/*_int.h; do
	[ -e "$f" ] && fail "private header installed: $f"
done
# a program against the installed library, found through pkg-config
cat > "$TMP/use.c" <<'C'
#include <stdio.h>
#include <umbra/config.h>
#include <umbra/ft4.h>
int main(void)
{
	struct umbra_config c;
	uint32_t v[2] = {60, 64};
	uint64_t n[2] = {1, 1};
	struct ft4_common out;
	if (umbra_config_defaults(&c) != 0)
		return 1;
	ft4_common_values(v, n, 2, 2, &out);
	printf("%u %u %zu\n", c.interval, (unsigned)out.n, ft4_encode(&(struct ft4_record){0}, (uint8_t[FT4_MAX_ENCODED]){0}) > 0 ? (size_t)1 : (size_t)0);
	umbra_config_free(&c);
	return 0;
}
C
flags=$(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --define-variable=prefix="$p" --cflags --libs libumbra)
# the build's compiler and sanitizer flags: a sanitized libumbra needs them
cc=$(sed -n 's/^CC = //p' "$UMBRA_BUILDDIR/Makefile")
san=$(sed -n 's/^SAN_CFLAGS = //p' "$UMBRA_BUILDDIR/Makefile")
if ${cc:-cc} -std=c11 $san "$TMP/use.c" $flags -o "$TMP/use" 2> "$TMP/cc.log" &&
	[ "$(LD_LIBRARY_PATH="$p/lib" "$TMP/use")" = "300 0 1" ]; then
	pass "a program builds and runs against the installed libumbra ($flags)"
else
	fail "building against the installed libumbra: $(cat "$TMP/cc.log")"
fi
finish
