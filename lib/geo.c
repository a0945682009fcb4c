/* geo.c: MaxMind DB lookups of continent and country (see geo.h).
 *
 * What it owns: opening an .mmdb with libmaxminddb, the check of its IPv4
 * part at open, the flat table built from that same walk, and the
 * lookups.
 *
 * Why a flat table: libmaxminddb's lookup walks the search tree (32 steps
 * for an IPv4 address) and decodes two map paths in the record it reaches,
 * about 1,300 instructions, once per source per interval.  The open walks
 * the whole IPv4 tree anyway (to check it), in address order, so it also
 * writes down where the answer changes: a sorted array of range starts,
 * each with the index of its (continent, country) pair in a small table of
 * the distinct pairs (index 0: in no network).  Adjacent networks with the
 * same codes, and adjacent empty ones, make one range.  A range is 4 bytes
 * (the low 16 bits of its start, then its pair index), found through a
 * 65537-entry index of the first range starting in each /16; a lookup is
 * that index, then a binary search of the few ranges starting in the
 * address's /16 (usually one cache line).  Nothing is decoded at lookup.
 * A Country database (~860k IPv4 networks) gives at most as many ranges:
 * about 3.5 MB, plus 256 kB of index.  The file is closed after the open.
 *
 * A tree whose nodes are shared by several paths (the format allows it;
 * MaxMind's writers only share the IPv4 subtree with its IPv6 aliases,
 * outside the part walked) is expanded once per path, up to a budget of
 * twice the node count in leaves; past it, or past 65535 distinct pairs,
 * the db keeps the file open and looks up with libmaxminddb as before.
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

/* The IPv4 space flattened (see the top of the file): immutable once
 * built. */
struct geo_flat {
	uint32_t first[65537]; /* first range starting in each /16; [65536] n */
	uint32_t *range;       /* low 16 bits of the start << 16 | pair */
	struct geo_info *pair; /* [0]: in no network */
	size_t n, npairs;
};

struct geo_db {
	MMDB_s mmdb;           /* open only when flat is NULL */
	struct geo_flat *flat; /* NULL: lookups through libmaxminddb */
	char *database_type;   /* st.database_type once mmdb is closed */
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

/* A map of uint32 keys to uint32 values: open addressing, key + 1 stored
 * (0 = free).  Data record offsets to their pair index, and packed code
 * pairs to theirs. */
struct u32_map {
	uint32_t *key, *val;
	size_t cap, n;
};

static size_t map_slot(const struct u32_map *s, uint32_t key1)
{
	size_t h = (key1 * 0x9e3779b1u) & (s->cap - 1);

	while (s->key[h] && s->key[h] != key1)
		h = (h + 1) & (s->cap - 1);
	return h;
}

/* 1 with *val set when key is there, else 0 */
static int map_get(const struct u32_map *s, uint32_t key, uint32_t *val)
{
	size_t h;

	if (!s->cap)
		return 0;
	h = map_slot(s, key + 1);
	if (!s->key[h])
		return 0;
	*val = s->val[h];
	return 1;
}

/* key not there yet: 0 or -ENOMEM */
static int map_put(struct u32_map *s, uint32_t key, uint32_t val)
{
	if (2 * (s->n + 1) > s->cap) {
		struct u32_map t = {.cap = s->cap ? s->cap * 2 : 1024};

		t.key = calloc(t.cap, sizeof *t.key);
		t.val = malloc(t.cap * sizeof *t.val);
		if (!t.key || !t.val) {
			free(t.key);
			free(t.val);
			return -ENOMEM;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->key[i])
				continue;
			size_t h = map_slot(&t, s->key[i]);
			t.key[h] = s->key[i];
			t.val[h] = s->val[i];
		}
		t.n = s->n;
		free(s->key);
		free(s->val);
		*s = t;
	}
	size_t h = map_slot(s, key + 1);
	s->key[h] = key + 1;
	s->val[h] = val;
	s->n++;
	return 0;
}

static void map_free(struct u32_map *s)
{
	free(s->key);
	free(s->val);
}

struct walk {
	struct geo_db *g;
	const char *path;
	struct umbra_err *err;
	struct u32_map seen;  /* data record offset -> pair index */
	struct u32_map pairs; /* packed codes -> pair index */
	uint8_t *depth_of;    /* per search node: 1 + its depth, 0 unseen */
	uint64_t coded;       /* records with a continent or country code */
	/* the flat table being built; flat NULL once given up */
	struct geo_flat *flat;
	size_t range_cap, pair_cap;
	uint32_t next_k;      /* next /16 whose first range is unknown */
	uint64_t leaves_left; /* leaf visits allowed (shared nodes) */
};

static void flat_free(struct geo_flat *f)
{
	if (!f)
		return;
	free(f->range);
	free(f->pair);
	free(f);
}

/* Stop building the flat table: lookups will go through libmaxminddb. */
static void give_up(struct walk *w)
{
	flat_free(w->flat);
	w->flat = NULL;
}

/* The index of a pair of codes in the table, added if new; -1 when the
 * table cannot take it (given up, or out of memory: not an error, the
 * lookups then go through libmaxminddb). */
static long pair_index(struct walk *w, const char cont[3],
                       const char country[3])
{
	uint32_t key = (uint32_t)(uint8_t)cont[0] << 24 |
	               (uint32_t)(uint8_t)cont[1] << 16 |
	               (uint32_t)(uint8_t)country[0] << 8 | (uint8_t)country[1];
	struct geo_flat *f = w->flat;
	uint32_t idx;

	if (!f)
		return -1;
	if (map_get(&w->pairs, key, &idx))
		return idx;
	if (f->npairs > 0xffff)
		return -1;
	if (f->npairs == w->pair_cap) {
		size_t cap = w->pair_cap * 2;
		struct geo_info *p = realloc(f->pair, cap * sizeof *p);

		if (!p)
			return -1;
		f->pair = p;
		w->pair_cap = cap;
	}
	if (map_put(&w->pairs, key, (uint32_t)f->npairs))
		return -1;
	memcpy(f->pair[f->npairs].continent, cont, 3);
	memcpy(f->pair[f->npairs].country, country, 3);
	return (long)f->npairs++;
}

/* The range starting at start has pair p (every address up to the next
 * range's start). */
static void add_range(struct walk *w, uint32_t start, uint32_t p)
{
	struct geo_flat *f = w->flat;

	if (!f || (f->n && (f->range[f->n - 1] & 0xffff) == p))
		return; /* given up, or the same as the range before */
	if (f->n == w->range_cap) {
		size_t cap = w->range_cap ? w->range_cap * 2 : 4096;
		uint32_t *r = realloc(f->range, cap * sizeof *r);

		if (!r) {
			give_up(w);
			return;
		}
		f->range = r;
		w->range_cap = cap;
	}
	while (w->next_k <= start >> 16)
		f->first[w->next_k++] = (uint32_t)f->n;
	f->range[f->n++] = start << 16 | p;
}

/* A record of the IPv4 tree that is not a search node, holding the
 * addresses from net on; first is false when it was reached before
 * through a shared node (checked and counted then). */
static int check_leaf(struct walk *w, uint64_t record, uint8_t type,
                      const MMDB_entry_s *entry, uint32_t node, uint32_t net,
                      bool first)
{
	uint32_t nodes = w->g->mmdb.metadata.node_count;
	char cont[3], country[3];
	uint32_t p;
	long pi;
	int a, b;

	if (w->flat && w->leaves_left-- == 0)
		give_up(w);
	if (type == MMDB_RECORD_TYPE_EMPTY) {
		add_range(w, net, 0);
		return 0;
	}
	if (type != MMDB_RECORD_TYPE_DATA ||
	    record - nodes < GEO_DATA_SEPARATOR)
		return umbra_err_set(w->err, -EBADMSG,
		                     "%s: corrupt MaxMind DB: search node %u "
		                     "holds an invalid record (%llu; %u nodes, "
		                     "data section of %u bytes)",
		                     w->path, node, (unsigned long long)record,
		                     nodes, w->g->mmdb.data_section_size);
	if (first)
		w->g->st.ipv4_networks++;
	if (map_get(&w->seen, entry->offset, &p)) {
		add_range(w, net, p);
		return 0;
	}
	a = read_code(entry, CONTINENT, cont);
	b = read_code(entry, COUNTRY, country);
	if (a < 0 || b < 0)
		return umbra_err_set(
		    w->err, -EBADMSG,
		    "%s: corrupt MaxMind DB: the data record at "
		    "offset %u (reached from search node %u) "
		    "cannot be decoded",
		    w->path, entry->offset, node);
	if (a > 0 || b > 0)
		w->coded++;
	pi = pair_index(w, cont, country);
	if (pi < 0)
		give_up(w);
	else
		add_range(w, net, (uint32_t)pi);
	/* 0: pairs are only read while the table is built */
	if (map_put(&w->seen, entry->offset, pi < 0 ? 0 : (uint32_t)pi))
		return umbra_err_set(w->err, -ENOMEM, "%s: out of memory",
		                     w->path);
	return 0;
}

/* Every node and record under the IPv4 root, at most 32 levels down, in
 * address order (left before right). */
static int walk_ipv4(struct walk *w)
{
	const MMDB_s *m = &w->g->mmdb;
	uint32_t nodes = m->metadata.node_count;
	uint32_t root =
	    m->metadata.ip_version == 6 ? m->ipv4_start_node.node_value : 0;
	struct {
		uint64_t rec;       /* node number, or record */
		MMDB_entry_s entry; /* of a data record */
		uint32_t parent, net;
		uint8_t type;
		uint8_t depth; /* of the node, or of the record's parent */
		bool first;    /* parent reached for the first time */
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
		return check_leaf(w, root, type, &e, root, 0, true);
	}
	w->depth_of = calloc(nodes, 1);
	if (!w->depth_of)
		return umbra_err_set(w->err, -ENOMEM, "%s: out of memory",
		                     w->path);
	stack[sp].rec = root;
	stack[sp].type = MMDB_RECORD_TYPE_SEARCH_NODE;
	stack[sp].net = 0;
	stack[sp++].depth = 0;
	while (sp) {
		uint32_t node, net;
		unsigned depth;
		MMDB_search_node_s sn;
		bool first = true;
		int rc;

		sp--;
		if (stack[sp].type != MMDB_RECORD_TYPE_SEARCH_NODE) {
			rc = check_leaf(w, stack[sp].rec, stack[sp].type,
			                &stack[sp].entry, stack[sp].parent,
			                stack[sp].net, stack[sp].first);
			if (rc)
				return rc;
			continue;
		}
		node = (uint32_t)stack[sp].rec;
		net = stack[sp].net;
		depth = stack[sp].depth;
		/* a node shared by two paths must sit at one depth: a
		 * loop back up the tree would not.  A shared node is
		 * checked once, and walked again for the flat table. */
		if (w->depth_of[node] == depth + 1) {
			if (!w->flat)
				continue;
			first = false;
		} else if (w->depth_of[node]) {
			return umbra_err_set(w->err, -EBADMSG,
			                     "%s: corrupt MaxMind DB: search "
			                     "node %u is reached at depths %u "
			                     "and %u (a loop)",
			                     w->path, node,
			                     w->depth_of[node] - 1u, depth);
		}
		w->depth_of[node] = (uint8_t)(depth + 1);
		if (MMDB_read_node(m, node, &sn) != MMDB_SUCCESS)
			return umbra_err_set(w->err, -EBADMSG,
			                     "%s: corrupt MaxMind DB: search "
			                     "node %u unreadable",
			                     w->path, node);
		for (int side = 1; side >= 0; side--) { /* left on top */
			uint8_t type =
			    side ? sn.right_record_type : sn.left_record_type;

			if (type == MMDB_RECORD_TYPE_SEARCH_NODE &&
			    depth + 1 >= 32)
				return umbra_err_set(
				    w->err, -EBADMSG,
				    "%s: corrupt MaxMind DB: the IPv4 search "
				    "tree is deeper than 32 levels (node %u)",
				    w->path, node);
			stack[sp].rec = side ? sn.right_record : sn.left_record;
			stack[sp].entry =
			    side ? sn.right_record_entry : sn.left_record_entry;
			stack[sp].type = type;
			stack[sp].parent = node;
			stack[sp].net = net | (uint32_t)side << (31 - depth);
			stack[sp].first = first;
			stack[sp++].depth =
			    (uint8_t)(type == MMDB_RECORD_TYPE_SEARCH_NODE
			                  ? depth + 1
			                  : depth);
		}
	}
	return 0;
}

/* The flat table's last touches, or NULL if it was given up. */
static struct geo_flat *flat_finish(struct walk *w)
{
	struct geo_flat *f = w->flat;
	uint32_t *r;

	if (!f)
		return NULL;
	while (w->next_k <= 65536)
		f->first[w->next_k++] = (uint32_t)f->n;
	r = realloc(f->range, (f->n ? f->n : 1) * sizeof *r);
	if (r)
		f->range = r;
	w->flat = NULL;
	return f;
}

static int check_ipv4(struct geo_db *g, const char *path, struct umbra_err *err)
{
	struct walk w = {.g = g, .path = path, .err = err};
	int rc = 0;

	/* pair 0: in no network */
	w.flat = calloc(1, sizeof *w.flat);
	w.pair_cap = 256;
	if (w.flat) {
		w.flat->pair = malloc(w.pair_cap * sizeof *w.flat->pair);
		if (!w.flat->pair)
			give_up(&w);
	}
	if (w.flat) {
		memcpy(w.flat->pair[0].continent, "??", 3);
		memcpy(w.flat->pair[0].country, "??", 3);
		w.flat->npairs = 1;
		w.leaves_left = 2 * (uint64_t)g->mmdb.metadata.node_count + 64;
	}
	rc = walk_ipv4(&w);
	g->st.records = w.seen.n;
	map_free(&w.seen);
	map_free(&w.pairs);
	free(w.depth_of);
	if (!rc && g->st.ipv4_networks == 0)
		rc = umbra_err_set(err, -ENODATA,
		                   "%s: the MaxMind DB holds no IPv4 network",
		                   path);
	if (!rc && w.coded == 0)
		rc = umbra_err_set(err, -ENODATA,
		                   "%s: no record of the MaxMind DB (type "
		                   "\"%s\") has a continent.code or "
		                   "country.iso_code: not a Country or City "
		                   "database?",
		                   path, g->st.database_type);
	if (rc)
		give_up(&w);
	g->flat = flat_finish(&w);
	return rc;
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
	if (g->flat) { /* the file is no longer needed */
		g->database_type = strdup(g->st.database_type);
		if (g->database_type) {
			g->st.database_type = g->database_type;
			MMDB_close(&g->mmdb);
		} else {
			flat_free(g->flat);
			g->flat = NULL;
		}
	}
	g->st.open_seconds = now_seconds() - t0;
	return g;
}

void geo_close(struct geo_db *g)
{
	if (!g)
		return;
	if (g->flat)
		flat_free(g->flat);
	else
		MMDB_close(&g->mmdb);
	free(g->database_type);
	free(g);
}

/* Through libmaxminddb, when the open could not flatten the tree. */
static int lookup_mmdb(const struct geo_db *g, uint32_t addr,
                       struct geo_info *out)
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

int geo_lookup(const struct geo_db *g, uint32_t addr, struct geo_info *out)
{
	const struct geo_flat *f = g->flat;
	uint32_t lo, n, p, key = addr << 16 | 0xffff;
	const uint32_t *r;

	if (__builtin_expect(!f, 0))
		return lookup_mmdb(g, addr, out);
	/* the last range starting at or before addr: among those starting
	 * in its /16 (sorted by their low 16 bits), else the one before */
	lo = f->first[addr >> 16];
	n = f->first[(addr >> 16) + 1] - lo;
	r = f->range + lo;
	if (n) {
		while (n > 1) {
			uint32_t half = n / 2;

			r = r[half] <= key ? r + half : r;
			n -= half;
		}
		r -= *r > key;
	} else {
		r--;
	}
	p = *r & 0xffff;
	*out = f->pair[p];
	return p != 0;
}

const struct geo_stats *geo_get_stats(const struct geo_db *g)
{
	return &g->st;
}
