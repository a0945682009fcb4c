/* errbuf.c: see errbuf.h for the error convention. */
#include "errbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int umbra_err_set(struct umbra_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int umbra_say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
