/* capture_file.c: the file backend, over libumbra's own capture-file reader
 * (lib/capfile.c: pcap, pcapng, ERF, compressed through libwandio). */
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "capture.h"

static struct capture_src *file_open(const char *uri,
                                     const struct umbra_config *cfg,
                                     void *shared, uint32_t queue,
                                     uint32_t n_queues, struct umbra_err *err)
{
	enum capfile_format fmt = CAPFILE_AUTO;
	const char *path = uri;

	(void)cfg, (void)shared, (void)queue, (void)n_queues;
	if (strncmp(uri, "erf:", 4) == 0) {
		fmt = CAPFILE_ERF;
		path = uri + 4;
	} else if (strstr(uri, ".erf")) {
		fmt = CAPFILE_ERF;
	}
	return (struct capture_src *)capfile_open(path, fmt, err);
}

static int file_next(struct capture_src *src, struct umbra_frame *frame,
                     struct umbra_err *err)
{
	return capfile_next((struct capfile *)src, frame, err);
}

static void file_drops(struct capture_src *src, struct capture_drops *d)
{
	(void)src;
	*d = (struct capture_drops){0};
}

static void file_close(struct capture_src *src)
{
	capfile_close((struct capfile *)src);
}

const struct capture_ops capture_file_ops = {
    .name = "file",
    .open = file_open,
    .next = file_next,
    .drops = file_drops,
    .close = file_close,
};
