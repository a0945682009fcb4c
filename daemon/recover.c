/* recover.c: leftover temporary files from an earlier run (recover.h). */
#include "recover.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int moved;
static long long stamp;

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t len = strlen(base);
	char to[4096];

	(void)st;
	if (type != FTW_F || base[0] != '.' || len < 6 ||
	    strcmp(base + len - 4, ".tmp") != 0)
		return 0;
	/* ".NAME.tmp" -> ".NAME.incomplete-STAMP" in the same directory */
	if (snprintf(to, sizeof to, "%.*s.incomplete-%lld",
	             (int)(strlen(path) - 4), path, stamp) >= (int)sizeof to)
		return 0;
	if (rename(path, to) != 0) {
		log_error(
		    "leftover temporary file %s: cannot move it aside: %s",
		    path, strerror(errno));
		return 0;
	}
	log_warn("leftover temporary file %s from an earlier run that did not "
	         "finish it: incomplete, moved aside as %s",
	         path, to);
	moved++;
	return 0;
}

int recover_leftovers(const char *dir)
{
	moved = 0;
	stamp = (long long)time(NULL);
	if (nftw(dir, visit, 32, FTW_PHYS) != 0) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	if (moved)
		log_warn("%d leftover temporary file(s) moved aside under %s",
		         moved, dir);
	return moved;
}
