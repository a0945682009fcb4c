/* tmpdir.h: one temporary directory per unit test program, removed with
 * everything in it at the end, and whole files in and out of it (cmocka
 * asserts on every I/O error). */
#ifndef UMBRA_TEST_TMPDIR_H
#define UMBRA_TEST_TMPDIR_H

#include <stddef.h>

/* Make /tmp/PREFIX.XXXXXX.  0 or -1. */
int test_tmpdir_make(const char *prefix);

/* Remove it and everything below.  0 or -1. */
int test_tmpdir_remove(void);

/* Its path. */
const char *test_tmpdir(void);

/* DIR/name, in one of four rotating static buffers (so a few can be used
 * in one expression). */
const char *test_tmpdir_path(const char *name);

/* Write n bytes of data to DIR/name; returns its path (test_tmpdir_path). */
const char *test_tmpdir_write(const char *name, const void *data, size_t n);

/* The whole file at path, malloc'ed; its size in *len. */
char *test_file_read(const char *path, size_t *len);

#endif
