/* notify.h: the systemd notification protocol.  libsystemd's sd_notify()
 * when configure found libsystemd (./configure --without-systemd: never);
 * otherwise, with no dependency, a datagram to the socket named in
 * NOTIFY_SOCKET ("/path" or "@abstract").  Either way NOTIFY_SOCKET is
 * checked at start, and without it every call does nothing,
 * so umbrad runs the same under systemd, another supervisor or a terminal.
 *
 * umbrad sends READY=1 once its threads run, STATUS=... after each interval,
 * WATCHDOG=1 from the merger while the pipeline moves (so a stuck pipeline is
 * restarted by WatchdogSec=), and STOPPING=1 when asked to stop.
 *
 * Thread use: notify_init() in main() before threads start; the others from
 * any thread (each is one sendto(2)); never on the per-packet path.
 */
#ifndef UMBRA_NOTIFY_H
#define UMBRA_NOTIFY_H

#include <stdint.h>

/* Read NOTIFY_SOCKET and WATCHDOG_USEC.  Returns 0, or a negative errno if
 * NOTIFY_SOCKET is set but unusable (logged; notifications are then off). */
int notify_init(void);

/* Send one notification ("READY=1", "STATUS=...", ...).  0 or -errno. */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asked for, in microseconds; 0 = none. */
uint64_t notify_watchdog_usec(void);

#endif
