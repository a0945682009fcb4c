/* afpacket_backend.c: daemon/capture_afpacket.c, compiled into
 * afpacket_probe as it is into umbrad.
 *
 * Included rather than listed in the probe's sources: automake gives each
 * program of tests/ with an object under daemon/ (unit/test_heartbeat is
 * one, inside `if HAVE_CMOCKA`) its own copy of the daemon/.dirstamp rule,
 * and make warns about the duplicate on every build. */
#include "capture_afpacket.c"
