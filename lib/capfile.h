/* capfile.h: libumbra's own reader for capture files.
 *
 * Reads classic pcap (microsecond and nanosecond resolution, either byte
 * order), pcapng (every section and byte order, every interface's link type,
 * if_tsresol and if_tsoffset; EPB, SPB and the obsolete packet block) and ERF,
 * each plain or compressed (gzip through zlib, with concatenated members;
 * bzip2 and xz through libwandio).  The
 * container is recognised from its magic bytes, never from its name; ERF has
 * no magic and is chosen by the caller (an "erf:" URI or a ".erf" name).
 *
 * Why our own reader: libtrace 3.0.22 has no pcapng reader and asserts (aborts
 * the whole process) on a pcap record whose wire length is >= 65536 and on a
 * link-type word with reserved bits set.  This reader checks every length
 * before it trusts it and reports damage as an error naming the file and the
 * byte offset; every complete record before the damage has been returned.
 *
 * Nothing is printed: every problem comes back as a code and a message.
 *
 * Thread use: a capfile belongs to the one thread that opened it.
 */
#ifndef UMBRA_CAPFILE_H
#define UMBRA_CAPFILE_H

#include <stdint.h>

#include "errbuf.h"
#include "frame.h"

struct capfile;

enum capfile_format {
	CAPFILE_AUTO = 0, /* detect pcap / pcapng from the magic bytes */
	CAPFILE_ERF,      /* the caller says it is ERF */
};

/* Largest caplen accepted; a record claiming more is damage. */
#define CAPFILE_MAX_CAPLEN (256u * 1024u)

/* Open path ("-" is standard input: plain or gzip).  Returns NULL and a
 * message in *err ("FILE: not a pcap or pcapng file (first bytes 12 34 56
 * 78)", "FILE: empty file", "FILE: No such file or directory", ...) on
 * failure. */
struct capfile *capfile_open(const char *path, enum capfile_format fmt,
                             struct umbra_err *err);

/* Read the next frame.  Returns 1 with *frame filled (data valid until the
 * next call), 0 at a clean end of file, or a negative errno-style code with a
 * message in *err naming the file and byte offset:
 *   -ENODATA  the input ends inside a record ("FILE: record at offset 4416
 *             cut short (needs 1490 bytes, 584 left)"), or a compressed
 *             stream ends without its end marker ("FILE: record at offset
 *             17064 cut short (needs 80 bytes, 71 left): gzip stream ends
 *             after 17135 bytes without its end marker (compressed file cut
 *             short)"): a truncated capture, worth a warning;
 *   -EBADMSG  a damaged record or block ("FILE: pcap record at offset 24:
 *             caplen 4294967295 larger than 262144");
 *   -EIO      corrupt compressed data ("FILE: gzip data corrupt at offset
 *             8192 (compressed offset 2301): invalid block type"; for bzip2
 *             and xz, "... decompression failed after offset N ..."), or
 *             another negative errno from read(2).
 * Every complete record before the damage has been returned.  After an
 * error or the end the capfile is finished: further calls return the same
 * code and message. */
int capfile_next(struct capfile *cf, struct umbra_frame *frame,
                 struct umbra_err *err);

/* Short name of the container: "pcap", "pcap-ns", "pcapng", "erf". */
const char *capfile_format_name(const struct capfile *cf);

/* Bytes of (decompressed) input consumed so far. */
uint64_t capfile_offset(const struct capfile *cf);

void capfile_close(struct capfile *cf);

/* A stop flag for reads that block (a pipe, a fifo, a terminal): when a
 * read(2) is interrupted by a signal (EINTR) while *flag is set, it is not
 * retried and capfile_next() returns -EINTR ("interrupted").  Set once,
 * before any read; NULL (the default) retries every EINTR.  bzip2 and xz
 * input (read by libwandio) is not interrupted. */
void capfile_set_interrupt(const _Atomic int *flag);

#endif
