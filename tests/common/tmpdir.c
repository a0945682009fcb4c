/* tmpdir.c: see tmpdir.h. */
#include "tmpdir.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

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

const char *test_tmpdir_write(const char *name, const void *data, size_t n)
{
	const char *p = test_tmpdir_path(name);
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return p;
}

char *test_file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}
