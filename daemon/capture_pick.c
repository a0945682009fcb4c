/* capture_pick.c: which backend reads a URI (see capture.h). */
#include "capture.h"

#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

static const char *const file_prefixes[] = {
    "pcapfile:", "pcap:", "pcapng:", "file:", NULL};

const struct capture_ops *capture_pick(const char *uri, const char **rest)
{
	struct stat st;
	const char *colon = strchr(uri, ':');

	*rest = uri;
	if (strcmp(uri, "-") == 0 || !colon || stat(uri, &st) == 0)
		return &capture_file_ops;
	for (int i = 0; file_prefixes[i]; i++) {
		size_t l = strlen(file_prefixes[i]);
		if (strncmp(uri, file_prefixes[i], l) == 0) {
			*rest = uri + l;
			return &capture_file_ops;
		}
	}
	if (strncmp(uri, "erf:", 4) == 0) {
		*rest = uri; /* capture_file keeps "erf:" to know the format */
		return &capture_file_ops;
	}
	for (const char *p = uri; p < colon; p++)
		if (!isalnum((unsigned char)*p))
			return &capture_file_ops; /* a path with a colon */
	return &capture_libtrace_ops;
}
