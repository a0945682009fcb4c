/* errbuf.h: libumbra's one error convention.
 *
 *  - Functions return 0 (or a count >= 0) on success and a negative errno-style
 *    code on failure.
 *  - Constructors return NULL on failure and, when given a struct umbra_err,
 *    leave a human-readable message in it naming the file, offset, line or
 *    value at fault.  Callers print that message; libumbra never exits.
 *  - Fatal exits happen only in a program's main().
 */
#ifndef UMBRA_ERRBUF_H
#define UMBRA_ERRBUF_H

#include <stddef.h>

#define UMBRA_ERR_MAX 1024

struct umbra_err {
	char msg[UMBRA_ERR_MAX];
};

/* Write a message into err (if err is non-NULL).  Returns -code-as-given
 * unchanged so callers can write `return umbra_err_set(err, -EINVAL, ...)`. */
/* Write "expected ..., got ..."-style text into why[n] and return -EINVAL:
 * for checks that report into a caller's buffer. */
int umbra_say(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int umbra_err_set(struct umbra_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
