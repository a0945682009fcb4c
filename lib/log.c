/* log.c: the logger (see log.h).  One write(2) per line keeps lines whole
 * when several threads log at once. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum umbra_log_level umbra_log_threshold = UMBRA_LOG_INFO;

static char log_prog[32] = "umbra";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void umbra_log_init(const char *progname, enum umbra_log_level level)
{
	snprintf(log_prog, sizeof log_prog, "%s", progname);
	umbra_log_threshold = level;
}

void umbra_log_set_level(enum umbra_log_level level)
{
	umbra_log_threshold = level;
}

enum umbra_log_level umbra_log_get_level(void)
{
	return umbra_log_threshold;
}

int umbra_log_level_parse(const char *name, enum umbra_log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0];
	     i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum umbra_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *umbra_log_level_name(enum umbra_log_level level)
{
	if ((unsigned)level < sizeof level_names / sizeof level_names[0])
		return level_names[level];
	return "?";
}

void umbra_log(enum umbra_log_level level, const char *fmt, ...)
{
	char line[1024];
	struct timespec now;
	struct tm tm;
	size_t off;
	va_list ap;
	int n;

	if (level > umbra_log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	off = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + off, sizeof line - off,
	             ".%03ldZ %s[%d] %s: ", now.tv_nsec / 1000000L, log_prog,
	             (int)getpid(), umbra_log_level_name(level));
	if (n > 0)
		off += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof line - off - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		off += (size_t)n < sizeof line - off - 1
		           ? (size_t)n
		           : sizeof line - off - 2;
	line[off++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, off);
	(void)w;
}
