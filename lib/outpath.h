/* outpath.h: where an interval's file goes (FLOWTUPLE4.md section 5).
 *
 * The default layout, under the output directory, is
 *   datasource=%N/year=%Y/month=%m/day=%d/hour=%H/%N_%s.ft4.avro
 * with strftime fields in UTC, %N the monitor name and %s the file's start
 * (the interval start, or the rotation start when files hold several
 * intervals).  A configured template replaces it.  Pure functions.
 */
#ifndef UMBRA_OUTPATH_H
#define UMBRA_OUTPATH_H

#include <stddef.h>
#include <stdint.h>

#define OUTPATH_DEFAULT_TEMPLATE                                               \
	"datasource=%N/year=%Y/month=%m/day=%d/hour=%H/%N_%s.ft4.avro"

/* Write dir + "/" + expanded template into buf.  tmpl NULL or "" means the
 * default.  Returns 0, -ENAMETOOLONG, or -EINVAL (unknown %-field, or a
 * result that is empty or ends in "/"). */
int outpath_format(char *buf, size_t len, const char *dir, const char *tmpl,
                   const char *monitor, int64_t start);

/* Start of the file holding interval start: the multiple of
 * interval * rotate_intervals at or below it. */
int64_t outpath_file_start(int64_t start, uint32_t interval,
                           uint32_t rotate_intervals);

#endif
