/* fuzz_capfile.c: libFuzzer target for lib/capfile*.c.
 *
 * Each input is written to one memfd, which is opened by its /proc path,
 * so it goes through the real capfile_open(): magic and compression
 * detection, zlib for gzip and libwandio for bzip2/xz inputs, the
 * end-marker checks.
 * Every frame is read twice over, as pcap/pcapng (CAPFILE_AUTO) and as ERF;
 * every data byte is touched so that ASan sees an overrun, and the frame
 * and error invariants of capfile.h are checked.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *        -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_capfile.c lib/capfile*.c \
 *        lib/errbuf.c -lwandio -lz
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capfile.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* libwandio's reader thread only slows the fuzzer down. */
	setenv("LIBTRACEIO", "nothreads", 1);
	memfd = memfd_create("fuzz_capfile", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	return 0;
}

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void read_all(enum capfile_format fmt)
{
	struct umbra_err err = {{0}}, again = {{0}};
	struct umbra_frame f;
	struct capfile *cf;
	uint64_t last = 0;
	int rc;

	cf = capfile_open(path, fmt, &err);
	if (!cf) {
		check(strncmp(err.msg, path, strlen(path)) == 0);
		return;
	}
	while ((rc = capfile_next(cf, &f, &err)) == 1) {
		volatile uint8_t sink = 0;

		for (uint32_t i = 0; i < f.caplen; i++)
			sink ^= f.data[i];
		(void)sink;
		check(f.caplen <= CAPFILE_MAX_CAPLEN);
		check(f.ts_nsec < 1000000000u);
		check(f.link < UMBRA_LINK__COUNT);
		check(f.has_ts <= 1);
		check(capfile_offset(cf) > last);
		last = capfile_offset(cf);
	}
	check(rc <= 0);
	if (rc < 0)
		check(strncmp(err.msg, path, strlen(path)) == 0);
	/* A finished reader repeats its answer and its message. */
	check(capfile_next(cf, &f, &again) == rc);
	if (rc < 0)
		check(strcmp(err.msg, again.msg) == 0);
	capfile_close(cf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(memfd, 0) != 0 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	read_all(CAPFILE_AUTO);
	read_all(CAPFILE_ERF);
	return 0;
}
