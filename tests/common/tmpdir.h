/* tmpdir.h: one temporary directory per unit test program, removed with
 * everything in it at the end. */
#ifndef UMBRA_TEST_TMPDIR_H
#define UMBRA_TEST_TMPDIR_H

/* Make /tmp/PREFIX.XXXXXX.  0 or -1. */
int test_tmpdir_make(const char *prefix);

/* Remove it and everything below.  0 or -1. */
int test_tmpdir_remove(void);

/* Its path. */
const char *test_tmpdir(void);

/* DIR/name, in one of four rotating static buffers (so a few can be used
 * in one expression). */
const char *test_tmpdir_path(const char *name);

#endif
