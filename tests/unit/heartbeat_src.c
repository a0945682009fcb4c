/* heartbeat_src.c: daemon/heartbeat.c compiled into the unit test (a
 * daemon source listed directly would make automake write its .dirstamp
 * rule twice). */
#include "heartbeat.c"
