/* tmpdir.c: see tmpdir.h. */
#include "tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[256];

static int rm_one(const char *p, const struct stat *sb, int type,
                  struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(p);
}

int test_tmpdir_make(const char *prefix)
{
	snprintf(dir, sizeof dir, "/tmp/%s.XXXXXX", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

int test_tmpdir_remove(void)
{
	return dir[0] ? nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) : 0;
}

const char *test_tmpdir(void)
{
	return dir;
}

const char *test_tmpdir_path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}
