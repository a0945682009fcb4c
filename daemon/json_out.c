/* json_out.c: see json_out.h. */
#include "json_out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

void json_printf(struct json_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->overflow = 1;
	else
		o->off += (size_t)n;
}

void json_string(struct json_out *o, const char *s)
{
	json_printf(o, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			json_printf(o, "\\%c", c);
		else if (c < 0x20)
			json_printf(o, "\\u%04x", c);
		else
			json_printf(o, "%c", c);
	}
	json_printf(o, "\"");
}

int json_out_end(const struct json_out *o)
{
	return o->overflow ? -ENOSPC : (int)o->off;
}
