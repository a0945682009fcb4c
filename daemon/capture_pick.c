/* capture_pick.c: which backend reads a URI (see capture.h). */
#include "capture.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "autoconfig.h"

static const char *const file_prefixes[] = {
    "pcapfile:", "pcap:", "pcapng:", "file:", NULL};

/* libtrace formats that capture from an interface or a card */
static const char *const libtrace_live[] = {"int", "ring", "pcapint",
                                            "dag", "bpf",  NULL};

static int has_prefix(const char *uri, const char *prefix)
{
	return strncmp(uri, prefix, strlen(prefix)) == 0;
}

const struct capture_ops *capture_pick(const char *uri, const char **rest,
                                       struct umbra_err *err)
{
	struct stat st;
	const char *colon = strchr(uri, ':');

	*rest = uri;
	if (strcmp(uri, "-") == 0 || !colon || stat(uri, &st) == 0)
		return &capture_file_ops;
	for (int i = 0; file_prefixes[i]; i++) {
		if (has_prefix(uri, file_prefixes[i])) {
			*rest = uri + strlen(file_prefixes[i]);
			return &capture_file_ops;
		}
	}
	if (has_prefix(uri, "erf:"))
		return &capture_file_ops; /* capture_file keeps "erf:" */
	for (const char *p = uri; p < colon; p++)
		if (!isalnum((unsigned char)*p))
			return &capture_file_ops; /* a path with a colon */
	if (has_prefix(uri, "afpacket:")) {
		*rest = colon + 1;
		if (!**rest)
			goto no_name;
		return &capture_afpacket_ops;
	}
	if (has_prefix(uri, "dpdk:")) {
		*rest = colon + 1;
		if (!**rest)
			goto no_name;
#ifdef HAVE_DPDK
		return &capture_dpdk_ops;
#else
		umbra_err_set(err, -ENOTSUP,
		              "%s: this umbrad was built without DPDK "
		              "(./configure --without-dpdk, or libdpdk-dev "
		              "missing)",
		              uri);
		return NULL;
#endif
	}
	for (int i = 0; libtrace_live[i]; i++) {
		size_t l = strlen(libtrace_live[i]);
		if ((size_t)(colon - uri) == l &&
		    strncmp(uri, libtrace_live[i], l) == 0)
			return &capture_libtrace_live_ops;
	}
	return &capture_libtrace_ops;
no_name:
	umbra_err_set(err, -EINVAL,
	              "%s: expected an interface or port after "
	              "'%.*s'",
	              uri, (int)(colon - uri + 1), uri);
	return NULL;
}
