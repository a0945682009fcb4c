/* notify.c: sd_notify: libsystemd's when umbrad was built with it,
 * otherwise a plain datagram socket (see notify.h). */
#include "notify.h"

#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static uint64_t watchdog_usec;

int notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wd_pid = getenv("WATCHDOG_PID");
	size_t len;

	if (wd && (!wd_pid || strtol(wd_pid, NULL, 10) == (long)getpid()))
		watchdog_usec = strtoull(wd, NULL, 10);
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof notify_addr.sun_path) {
		log_warn("NOTIFY_SOCKET=%s: not a socket path; systemd "
		         "notifications off",
		         path);
		return -EINVAL;
	}
	memset(&notify_addr, 0, sizeof notify_addr);
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0'; /* abstract namespace */
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0) {
		int rc = -errno;
		log_warn("NOTIFY_SOCKET: cannot create a socket: %s; systemd "
		         "notifications off",
		         strerror(-rc));
		return rc;
	}
	log_debug("systemd notifications to %s, watchdog %llu us", path,
	          (unsigned long long)watchdog_usec);
	return 0;
}

int notify_send(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
#ifdef HAVE_LIBSYSTEMD
	(void)n;
	n = sd_notify(0, msg);
	return n < 0 ? n : 0;
#endif
	if (sendto(notify_fd, msg, (size_t)n, MSG_NOSIGNAL,
	           (const struct sockaddr *)&notify_addr, notify_len) < 0)
		return -errno;
	return 0;
}

uint64_t notify_watchdog_usec(void)
{
	return watchdog_usec;
}
