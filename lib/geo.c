/* geo.c: MaxMind DB lookups of continent and country (see geo.h).
 *
 * What it owns: opening an .mmdb with libmaxminddb, the check of its IPv4
 * part at open, and the lookups.  A lookup is libmaxminddb's walk of the
 * search tree (32 steps for an IPv4 address) and the decode of two map
 * paths in the record it reaches.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The data section starts this far past the search tree (MaxMind DB
 * format 2.0, "Data Section Separator"). */
#define GEO_DATA_SEPARATOR 16

static const char *const CONTINENT[] = {"continent", "code", NULL};
static const char *const COUNTRY[] = {"country", "iso_code", NULL};

struct geo_db {
	MMDB_s mmdb; /* entries point at it: never moved */
	struct geo_stats st;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One code of a record into out ("??" unless two letters or digits).
 * 1 when a code was found, 0 when not, -EIO for damaged data. */
static int read_code(const MMDB_entry_s *entry, const char *const *path,
                     char out[3])
{
	MMDB_entry_s e = *entry;
	MMDB_entry_data_s d;
	int rc = MMDB_aget_value(&e, &d, path);
	char c[2];

	memcpy(out, "??", 3);
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return 0; /* e.g. "country" is not a map */
	if (rc != MMDB_SUCCESS)
		return -EIO;
	if (!d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    d.data_size != 2)
		return 0;
	for (int i = 0; i < 2; i++) {
		c[i] = d.utf8_string[i];
		if (c[i] >= 'a' && c[i] <= 'z')
			c[i] = (char)(c[i] - 'a' + 'A');
		else if (!((c[i] >= 'A' && c[i] <= 'Z') ||
		           (c[i] >= '0' && c[i] <= '9')))
			return 0;
	}
	out[0] = c[0];
	out[1] = c[1];
	return 1;
}

/* Offsets of the data records already checked: open addressing, offset
 * + 1 stored (0 = free). */
struct offset_set {
	uint32_t *slot;
	size_t cap, n;
};

/* 1 if added, 0 if already there, -ENOMEM */
static int set_add(struct offset_set *s, uint32_t off)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint32_t *slot = calloc(cap, sizeof *slot);

		if (!slot)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			size_t h;

			if (!s->slot[i])
				continue;
			h = (s->slot[i] * 0x9e3779b1u) & (cap - 1);
			while (slot[h])
				h = (h + 1) & (cap - 1);
			slot[h] = s->slot[i];
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	size_t h = ((off + 1) * 0x9e3779b1u) & (s->cap - 1);
	while (s->slot[h]) {
		if (s->slot[h] == off + 1)
			return 0;
		h = (h + 1) & (s->cap - 1);
	}
	s->slot[h] = off + 1;
	s->n++;
	return 1;
}

struct walk {
	struct geo_db *g;
	const char *path;
	struct umbra_err *err;
	struct offset_set seen;
	uint8_t *depth_of; /* per search node: 1 + its depth, 0 unseen */
	uint64_t coded;    /* records with a continent or country code */
};

/* A record of the IPv4 tree that is not a search node. */
static int check_leaf(struct walk *w, uint64_t record, uint8_t type,
                      const MMDB_entry_s *entry, uint32_t node)
{
	uint32_t nodes = w->g->mmdb.metadata.node_count;
	char code[3];
	int a, b, rc;

	if (type == MMDB_RECORD_TYPE_EMPTY)
		return 0;
	if (type != MMDB_RECORD_TYPE_DATA ||
	    record - nodes < GEO_DATA_SEPARATOR)
		return umbra_err_set(w->err, -EBADMSG,
		                     "%s: corrupt MaxMind DB: search node %u "
		                     "holds an invalid record (%llu; %u nodes, "
		                     "data section of %u bytes)",
		                     w->path, node, (unsigned long long)record,
		                     nodes, w->g->mmdb.data_section_size);
	w->g->st.ipv4_networks++;
	rc = set_add(&w->seen, entry->offset);
	if (rc <= 0)
		return rc == 0 ? 0
		               : umbra_err_set(w->err, rc, "%s: out of memory",
		                               w->path);
	a = read_code(entry, CONTINENT, code);
	b = read_code(entry, COUNTRY, code);
	if (a < 0 || b < 0)
		return umbra_err_set(
		    w->err, -EBADMSG,
		    "%s: corrupt MaxMind DB: the data record at "
		    "offset %u (reached from search node %u) "
		    "cannot be decoded",
		    w->path, entry->offset, node);
	if (a > 0 || b > 0)
		w->coded++;
	return 0;
}

/* Every node and record under the IPv4 root, at most 32 levels down. */
static int walk_ipv4(struct walk *w)
{
	const MMDB_s *m = &w->g->mmdb;
	uint32_t nodes = m->metadata.node_count;
	uint32_t root =
	    m->metadata.ip_version == 6 ? m->ipv4_start_node.node_value : 0;
	struct {
		uint32_t node;
		unsigned depth;
	} stack[2 * 33];
	unsigned sp = 0;

	if (root >= nodes) { /* the whole IPv4 space is one record */
		MMDB_entry_s e = {.mmdb = m, .offset = 0};
		uint8_t type = root == nodes ? MMDB_RECORD_TYPE_EMPTY
		               : root - nodes < m->data_section_size
		                   ? MMDB_RECORD_TYPE_DATA
		                   : MMDB_RECORD_TYPE_INVALID;

		if (type == MMDB_RECORD_TYPE_DATA)
			e.offset = root - nodes - GEO_DATA_SEPARATOR;
		return check_leaf(w, root, type, &e, root);
	}
	w->depth_of = calloc(nodes, 1);
	if (!w->depth_of)
		return umbra_err_set(w->err, -ENOMEM, "%s: out of memory",
		                     w->path);
	stack[sp].node = root;
	stack[sp++].depth = 0;
	while (sp) {
		uint32_t node = stack[--sp].node;
		unsigned depth = stack[sp].depth;
		MMDB_search_node_s sn;
		int rc;

		/* a node shared by two paths must sit at one depth: a
		 * loop back up the tree would not */
		if (w->depth_of[node] == depth + 1)
			continue;
		if (w->depth_of[node])
			return umbra_err_set(w->err, -EBADMSG,
			                     "%s: corrupt MaxMind DB: search "
			                     "node %u is reached at depths %u "
			                     "and %u (a loop)",
			                     w->path, node,
			                     w->depth_of[node] - 1u, depth);
		w->depth_of[node] = (uint8_t)(depth + 1);
		if (MMDB_read_node(m, node, &sn) != MMDB_SUCCESS)
			return umbra_err_set(w->err, -EBADMSG,
			                     "%s: corrupt MaxMind DB: search "
			                     "node %u unreadable",
			                     w->path, node);
		for (int side = 0; side < 2; side++) {
			uint64_t rec = side ? sn.right_record : sn.left_record;
			uint8_t type =
			    side ? sn.right_record_type : sn.left_record_type;

			if (type != MMDB_RECORD_TYPE_SEARCH_NODE) {
				rc = check_leaf(w, rec, type,
				                side ? &sn.right_record_entry
				                     : &sn.left_record_entry,
				                node);
				if (rc)
					return rc;
				continue;
			}
			if (depth + 1 >= 32)
				return umbra_err_set(
				    w->err, -EBADMSG,
				    "%s: corrupt MaxMind DB: the IPv4 search "
				    "tree is deeper than 32 levels (node %u)",
				    w->path, node);
			stack[sp].node = (uint32_t)rec;
			stack[sp++].depth = depth + 1;
		}
	}
	return 0;
}

static int check_ipv4(struct geo_db *g, const char *path, struct umbra_err *err)
{
	struct walk w = {.g = g, .path = path, .err = err};
	int rc = walk_ipv4(&w);

	g->st.records = w.seen.n;
	free(w.seen.slot);
	free(w.depth_of);
	if (rc)
		return rc;
	if (g->st.ipv4_networks == 0)
		return umbra_err_set(err, -ENODATA,
		                     "%s: the MaxMind DB holds no IPv4 network",
		                     path);
	if (w.coded == 0)
		return umbra_err_set(err, -ENODATA,
		                     "%s: no record of the MaxMind DB (type "
		                     "\"%s\") has a continent.code or "
		                     "country.iso_code: not a Country or City "
		                     "database?",
		                     path, g->st.database_type);
	return 0;
}

/* The file itself, for an error naming the system's reason. */
static int check_file(const char *path, struct umbra_err *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return umbra_err_set(err, -errno, "%s: %s", path,
		                     strerror(errno));
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return umbra_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	close(fd);
	if (S_ISDIR(sb.st_mode))
		return umbra_err_set(err, -EISDIR, "%s: %s", path,
		                     strerror(EISDIR));
	if (S_ISREG(sb.st_mode) && sb.st_size == 0)
		return umbra_err_set(err, -EBADMSG,
		                     "%s: empty file, not a MaxMind DB", path);
	return 0;
}

static int open_error(const char *path, int status, struct umbra_err *err)
{
	int e = errno;

	switch (status) {
	case MMDB_FILE_OPEN_ERROR:
	case MMDB_IO_ERROR:
		return umbra_err_set(err, -(e ? e : EIO), "%s: %s: %s", path,
		                     MMDB_strerror(status),
		                     strerror(e ? e : EIO));
	case MMDB_OUT_OF_MEMORY_ERROR:
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
	case MMDB_INVALID_METADATA_ERROR:
		return umbra_err_set(err, -EBADMSG,
		                     "%s: not a MaxMind DB, or cut short: no "
		                     "valid metadata at its end (%s)",
		                     path, MMDB_strerror(status));
	case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR:
		return umbra_err_set(err, -ENOTSUP,
		                     "%s: unsupported MaxMind DB format: %s",
		                     path, MMDB_strerror(status));
	default:
		return umbra_err_set(err, -EBADMSG,
		                     "%s: corrupt MaxMind DB, or cut short: %s",
		                     path, MMDB_strerror(status));
	}
}

struct geo_db *geo_open(const char *path, struct umbra_err *err)
{
	double t0 = now_seconds();
	struct geo_db *g;
	int status;

	if (check_file(path, err))
		return NULL;
	g = calloc(1, sizeof *g);
	if (!g) {
		umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	errno = 0;
	status = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb);
	if (status != MMDB_SUCCESS) {
		open_error(path, status, err); /* MMDB_open cleaned up */
		free(g);
		return NULL;
	}
	g->st.database_type = g->mmdb.metadata.database_type;
	g->st.build_epoch = g->mmdb.metadata.build_epoch;
	g->st.ip_version = g->mmdb.metadata.ip_version;
	g->st.node_count = g->mmdb.metadata.node_count;
	if (g->st.ip_version != 4 && g->st.ip_version != 6) {
		umbra_err_set(err, -EBADMSG,
		              "%s: corrupt MaxMind DB: ip_version %u", path,
		              g->st.ip_version);
		geo_close(g);
		return NULL;
	}
	if (check_ipv4(g, path, err)) {
		geo_close(g);
		return NULL;
	}
	g->st.open_seconds = now_seconds() - t0;
	return g;
}

void geo_close(struct geo_db *g)
{
	if (!g)
		return;
	MMDB_close(&g->mmdb);
	free(g);
}

int geo_lookup(const struct geo_db *g, uint32_t addr, struct geo_info *out)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	MMDB_lookup_result_s r;
	int status, a, b;

	sin.sin_addr.s_addr = htonl(addr);
	r = MMDB_lookup_sockaddr(&g->mmdb, (const struct sockaddr *)&sin,
	                         &status);
	memcpy(out->continent, "??", 3);
	memcpy(out->country, "??", 3);
	if (status != MMDB_SUCCESS)
		return -EIO;
	if (!r.found_entry)
		return 0;
	a = read_code(&r.entry, CONTINENT, out->continent);
	b = read_code(&r.entry, COUNTRY, out->country);
	if (a < 0 || b < 0) {
		memcpy(out->continent, "??", 3);
		memcpy(out->country, "??", 3);
		return -EIO;
	}
	return 1;
}

const struct geo_stats *geo_get_stats(const struct geo_db *g)
{
	return &g->st;
}
