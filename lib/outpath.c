/* outpath.c: output file names (see outpath.h). */
#include "outpath.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "interval.h"

int64_t outpath_file_start(int64_t start, uint32_t interval,
                           uint32_t rotate_intervals)
{
	int64_t span =
	    (int64_t)interval * (rotate_intervals ? rotate_intervals : 1);
	return interval_start(start, span);
}

int outpath_format(char *buf, size_t len, const char *dir, const char *tmpl,
                   const char *monitor, int64_t start)
{
	char fmt[1024];
	size_t o = 0;
	time_t t = (time_t)start;
	struct tm tm;

	if (!tmpl || !*tmpl)
		tmpl = OUTPATH_DEFAULT_TEMPLATE;
	/* substitute %N and %s ourselves, leave the rest to strftime */
	for (const char *p = tmpl; *p; p++) {
		char piece[96];
		const char *add = piece;
		if (p[0] == '%' && p[1] == 'N') {
			add = monitor;
			p++;
		} else if (p[0] == '%' && p[1] == 's') {
			snprintf(piece, sizeof piece, "%" PRId64, start);
			p++;
		} else if (p[0] == '%' && p[1]) {
			if (!strchr("YmdHMSjyCeGgVuwaAbBhpz%", p[1]))
				return -EINVAL;
			piece[0] = '%';
			piece[1] = p[1];
			piece[2] = 0;
			p++;
		} else if (p[0] == '%') {
			return -EINVAL;
		} else {
			piece[0] = *p;
			piece[1] = 0;
		}
		size_t l = strlen(add);
		if (o + l >= sizeof fmt)
			return -ENAMETOOLONG;
		memcpy(fmt + o, add, l);
		o += l;
	}
	fmt[o] = 0;
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	int n = snprintf(buf, len, "%s/", dir);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	size_t w = strftime(buf + n, len - (size_t)n, fmt, &tm);
	if (w == 0 || buf[n + w - 1] == '/')
		return w == 0 && len - (size_t)n > o * 4 ? -EINVAL
		                                         : -ENAMETOOLONG;
	return 0;
}
