/* heartbeat_src.c: daemon/heartbeat.c and the JSON writer it uses,
 * compiled into the unit test (a daemon source listed directly would make
 * automake write its .dirstamp rule twice). */
#include "heartbeat.c"
#include "json_out.c"
