/* test_avro_writer.c: the Avro container writer, checked against avro-c's
 * own reader and against an independent parse of the container layout
 * (header, block partition, codecs, sync markers).  Also checks that
 * ft4_encode() writes exactly what avro-c writes for the same record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <avro.h>
#include <libdeflate.h>
#include <snappy-c.h>
#include <zlib.h>

#include "avro_writer.h"
#include "block_pool.h"
#include "ft4.h"
#include "sample_ft4.h"

/* ---- scratch directory ------------------------------------------------- */

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/umbra-avro-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	umask(022);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	chmod(tmpdir, 0700);
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_in(const char *rel)
{
	static char buf[16][512];
	static int k;

	k = (k + 1) % 16;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, rel);
	return buf[k];
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* ---- writing ----------------------------------------------------------- */

static const uint8_t fixed_sync[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2,  3,  4,
                                       5,    6,    7,    8,    9, 10, 11, 12};

/* When set, write_file() compresses on these workers. */
static struct block_pool *write_pool;

/* Writes records [0, n) to path; returns the size commit reports. */
static uint64_t write_file(const char *path, enum avro_codec codec, int level,
                           size_t block_bytes, const uint8_t *sync, uint64_t n)
{
	struct avro_writer_opts o = {.codec = codec,
	                             .deflate_level = level,
	                             .block_bytes = block_bytes,
	                             .sync = sync,
	                             .pool = write_pool};
	struct umbra_err err = {""};
	struct avro_writer *w =
	    avro_writer_open(path, ft4_schema_json, &o, &err);
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record r;
	uint64_t bytes = 0;

	if (!w)
		fail_msg("open %s: %s", path, err.msg);
	for (uint64_t i = 0; i < n; i++) {
		sample_ft4_record(i, &r);
		assert_int_equal(
		    avro_writer_append(w, buf, ft4_encode(&r, buf)), 0);
	}
	assert_int_equal(avro_writer_count(w), n);
	if (avro_writer_commit(w, &bytes, &err) != 0)
		fail_msg("commit %s: %s", path, err.msg);
	return bytes;
}

/* ---- reading with avro-c ----------------------------------------------- */

static int64_t field_long(avro_value_t *rec, const char *name)
{
	avro_value_t f;
	int64_t v = 0;

	assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
	assert_int_equal(avro_value_get_type(&f), AVRO_INT64);
	assert_int_equal(avro_value_get_long(&f, &v), 0);
	return v;
}

static int32_t field_int(avro_value_t *rec, const char *name)
{
	avro_value_t f;
	int32_t v = 0;

	assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
	assert_int_equal(avro_value_get_type(&f), AVRO_INT32);
	assert_int_equal(avro_value_get_int(&f, &v), 0);
	return v;
}

static void field_string(avro_value_t *rec, const char *name, const char *want)
{
	avro_value_t f;
	const char *s = NULL;
	size_t size = 0;

	assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
	assert_int_equal(avro_value_get_string(&f, &s, &size), 0);
	assert_int_equal(size, strlen(want) + 1);
	assert_string_equal(s, want);
}

static void field_common(avro_value_t *rec, const char *vname,
                         const char *fname, const struct ft4_common *want)
{
	avro_value_t a, e;
	size_t n = 0;
	int64_t v = 0;

	assert_int_equal(avro_value_get_by_name(rec, vname, &a, NULL), 0);
	assert_int_equal(avro_value_get_size(&a, &n), 0);
	assert_int_equal(n, want->n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(avro_value_get_by_index(&a, i, &e, NULL), 0);
		assert_int_equal(avro_value_get_long(&e, &v), 0);
		assert_int_equal(v, want->value[i]);
	}
	assert_int_equal(avro_value_get_by_name(rec, fname, &a, NULL), 0);
	assert_int_equal(avro_value_get_size(&a, &n), 0);
	assert_int_equal(n, want->n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(avro_value_get_by_index(&a, i, &e, NULL), 0);
		assert_int_equal(avro_value_get_long(&e, &v), 0);
		assert_int_equal((uint64_t)v, want->freq[i]);
	}
}

static void check_avro_value(avro_value_t *v, const struct ft4_record *r)
{
	assert_int_equal(field_long(v, "time"), r->time);
	assert_int_equal(field_long(v, "src_ip"), r->src_ip);
	assert_int_equal(field_long(v, "dst_net"), r->dst_net);
	assert_int_equal(field_int(v, "dst_port"), r->dst_port);
	assert_int_equal(field_int(v, "protocol"), r->protocol);
	assert_int_equal((uint64_t)field_long(v, "packet_cnt"), r->packet_cnt);
	assert_int_equal(field_int(v, "uniq_dst_ips"), r->uniq_dst_ips);
	assert_int_equal(field_int(v, "uniq_pkt_sizes"), r->uniq_pkt_sizes);
	assert_int_equal(field_int(v, "uniq_ttls"), r->uniq_ttls);
	assert_int_equal(field_int(v, "uniq_src_ports"), r->uniq_src_ports);
	assert_int_equal(field_int(v, "uniq_tcp_flags"), r->uniq_tcp_flags);
	assert_int_equal(field_int(v, "first_syn_length"), r->first_syn_length);
	assert_int_equal(field_int(v, "first_tcp_rwin"), r->first_tcp_rwin);
	field_common(v, "common_pkt_sizes", "common_pktsize_freqs",
	             &r->pkt_sizes);
	field_common(v, "common_ttls", "common_ttl_freqs", &r->ttls);
	field_common(v, "common_srcports", "common_srcport_freqs",
	             &r->src_ports);
	field_common(v, "common_tcpflags", "common_tcpflag_freqs",
	             &r->tcp_flags);
	field_string(v, "maxmind_continent", r->maxmind_continent);
	field_string(v, "maxmind_country", r->maxmind_country);
	field_string(v, "netacq_continent", r->netacq_continent);
	field_string(v, "netacq_country", r->netacq_country);
	assert_int_equal(field_long(v, "prefix2asn"), r->prefix2asn);
}

/* Reads path with avro-c and compares every record with sample_ft4_record(). */
static void read_with_avro_c(const char *path, uint64_t n)
{
	avro_file_reader_t rd;
	avro_schema_t ours;
	struct ft4_record r;
	uint64_t i = 0;
	int rc;

	if (avro_file_reader(path, &rd) != 0)
		fail_msg("avro-c cannot open %s: %s", path, avro_strerror());
	avro_schema_t ws = avro_file_reader_get_writer_schema(rd);
	assert_int_equal(avro_schema_from_json_length(
	                     ft4_schema_json, strlen(ft4_schema_json), &ours),
	                 0);
	assert_true(avro_schema_equal(ws, ours));
	avro_value_iface_t *iface = avro_generic_class_from_schema(ws);
	avro_value_t v;
	assert_int_equal(avro_generic_value_new(iface, &v), 0);
	while ((rc = avro_file_reader_read_value(rd, &v)) == 0) {
		assert_true(i < n);
		sample_ft4_record(i, &r);
		check_avro_value(&v, &r);
		i++;
	}
	if (rc != EOF)
		fail_msg("avro-c read of %s stopped at record %llu: %s", path,
		         (unsigned long long)i, avro_strerror());
	assert_int_equal(i, n);
	avro_value_decref(&v);
	avro_value_iface_decref(iface);
	avro_schema_decref(ws);
	avro_schema_decref(ours);
	avro_file_reader_close(rd);
}

/* ---- an independent parse of the container ----------------------------- */

struct file {
	uint8_t *b;
	size_t len, pos;
};

static void slurp(const char *path, struct file *f)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	f->len = (size_t)st.st_size;
	f->pos = 0;
	f->b = malloc(f->len + 1);
	assert_non_null(f->b);
	assert_int_equal(read(fd, f->b, f->len), (ssize_t)f->len);
	close(fd);
}

static int64_t rd_long(struct file *f)
{
	uint64_t z = 0;

	for (unsigned shift = 0;; shift += 7) {
		assert_true(f->pos < f->len && shift < 64);
		uint8_t b = f->b[f->pos++];
		z |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

static const uint8_t *rd_bytes(struct file *f, size_t n)
{
	assert_true(n <= f->len - f->pos);
	f->pos += n;
	return f->b + f->pos - n;
}

struct layout {
	char codec[16];
	uint8_t sync[16];
	size_t header_len;
	uint64_t blocks;
};

/* Checks the header (magic, metadata, schema) and every block (sync, codec,
 * CRC, partition into blocks by the block_bytes rule, records). */
static void check_layout(const char *path, const char *codec,
                         size_t block_bytes, uint64_t n, struct layout *out)
{
	struct file f;
	bool saw_codec = false, saw_schema = false;

	slurp(path, &f);
	assert_memory_equal(rd_bytes(&f, 4), "Obj\x01", 4);
	for (;;) {
		int64_t count = rd_long(&f);
		if (count == 0)
			break;
		assert_true(count > 0);
		for (int64_t k = 0; k < count; k++) {
			int64_t kl = rd_long(&f);
			const char *key =
			    (const char *)rd_bytes(&f, (size_t)kl);
			int64_t vl = rd_long(&f);
			const char *val =
			    (const char *)rd_bytes(&f, (size_t)vl);
			if (kl == 10 && memcmp(key, "avro.codec", 10) == 0) {
				assert_int_equal(vl, strlen(codec));
				assert_memory_equal(val, codec, strlen(codec));
				saw_codec = true;
			} else if (kl == 11 &&
			           memcmp(key, "avro.schema", 11) == 0) {
				assert_int_equal(vl, strlen(ft4_schema_json));
				assert_memory_equal(val, ft4_schema_json,
				                    (size_t)vl);
				saw_schema = true;
			}
		}
	}
	assert_true(saw_codec && saw_schema);
	memcpy(out->sync, rd_bytes(&f, 16), 16);
	snprintf(out->codec, sizeof out->codec, "%s", codec);
	out->header_len = f.pos;
	out->blocks = 0;

	/* the expected partition: close a block when the next datum does
	 * not fit; a datum larger than a block goes alone */
	struct libdeflate_decompressor *dd = libdeflate_alloc_decompressor();
	uint8_t enc[FT4_MAX_ENCODED];
	struct ft4_record r, got;
	uint64_t i = 0;
	size_t cap = block_bytes + FT4_MAX_ENCODED;
	uint8_t *plain = malloc(cap);
	assert_non_null(plain);
	while (f.pos < f.len) {
		int64_t count = rd_long(&f), size = rd_long(&f);
		const uint8_t *data = rd_bytes(&f, (size_t)size);
		assert_memory_equal(rd_bytes(&f, 16), out->sync, 16);
		assert_true(count > 0 && size > 0);
		out->blocks++;

		/* which records the rule puts in this block */
		uint64_t first = i, want_count = 0;
		size_t want_size = 0;
		while (i < n) {
			sample_ft4_record(i, &r);
			size_t len = ft4_encode(&r, enc);
			if (want_count > 0 && want_size + len > block_bytes)
				break;
			want_size += len;
			want_count++;
			i++;
			if (len > block_bytes)
				break;
		}
		assert_int_equal(count, want_count);

		size_t plain_len;
		if (strcmp(codec, "null") == 0) {
			assert_true((size_t)size <= cap);
			memcpy(plain, data, (size_t)size);
			plain_len = (size_t)size;
		} else if (strcmp(codec, "deflate") == 0) {
			assert_int_equal(
			    libdeflate_deflate_decompress(
			        dd, data, (size_t)size, plain, cap, &plain_len),
			    LIBDEFLATE_SUCCESS);
		} else {
			assert_true(size > 4);
			size_t zl = (size_t)size - 4;
			assert_int_equal(
			    snappy_uncompressed_length((const char *)data, zl,
			                               &plain_len),
			    SNAPPY_OK);
			assert_true(plain_len <= cap);
			assert_int_equal(snappy_uncompress((const char *)data,
			                                   zl, (char *)plain,
			                                   &plain_len),
			                 SNAPPY_OK);
			uint32_t crc = (uint32_t)crc32(0, plain, plain_len);
			const uint8_t *c = data + zl;
			assert_int_equal(crc, (uint32_t)c[0] << 24 |
			                          (uint32_t)c[1] << 16 |
			                          (uint32_t)c[2] << 8 | c[3]);
		}
		assert_int_equal(plain_len, want_size);

		/* the records themselves, through our own decoder */
		size_t off = 0;
		for (uint64_t k = first; k < i; k++) {
			sample_ft4_record(k, &r);
			int used =
			    ft4_decode(plain + off, plain_len - off, &got);
			assert_true(used > 0);
			assert_memory_equal(&got, &r, sizeof r);
			off += (size_t)used;
		}
		assert_int_equal(off, plain_len);
	}
	assert_int_equal(i, n);
	libdeflate_free_decompressor(dd);
	free(plain);
	free(f.b);
}

/* ---- tests ------------------------------------------------------------- */

static void round_trip(const char *name, enum avro_codec codec, int level,
                       size_t block_bytes, uint64_t n)
{
	const char *path = path_in(name);
	struct layout lay;
	struct stat st;

	uint64_t bytes =
	    write_file(path, codec, level, block_bytes, fixed_sync, n);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, bytes);
	read_with_avro_c(path, n);
	check_layout(path, avro_codec_name(codec), block_bytes, n, &lay);
	assert_memory_equal(lay.sync, fixed_sync, 16);
	if (block_bytes == 1)
		assert_int_equal(lay.blocks, n);
	if (n > 0 && block_bytes >= 1000 * FT4_MAX_ENCODED)
		assert_int_equal(lay.blocks, 1);
	assert_int_equal(unlink(path), 0);
}

static void test_codecs_and_block_sizes(void **state)
{
	static const size_t sizes[] = {1, 40, 64, 300, 4096, 65536, 1 << 20};
	static const struct {
		enum avro_codec codec;
		int level;
	} codecs[] = {
	    {AVRO_CODEC_NULL, 0},    {AVRO_CODEC_DEFLATE, 1},
	    {AVRO_CODEC_DEFLATE, 6}, {AVRO_CODEC_DEFLATE, 12},
	    {AVRO_CODEC_SNAPPY, 0},
	};

	(void)state;
	for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
			round_trip("dir/f.avro", codecs[c].codec,
			           codecs[c].level, sizes[s], 3000);
}

/* Enough records to go through the output buffer several times. */
static void test_large_file(void **state)
{
	(void)state;
	round_trip("big.avro", AVRO_CODEC_NULL, 0, 65536, 60000);
	round_trip("big.avro", AVRO_CODEC_DEFLATE, 6, 65536, 60000);
	round_trip("big.avro", AVRO_CODEC_SNAPPY, 0, 16384, 60000);
}

/* Blocks compressed on a worker pool: the same bytes as inline, for every
 * codec, block sizes below and above a record, and an abort with blocks
 * still in flight. */
static void test_pool_same_bytes(void **state)
{
	static const size_t sizes[] = {40, 300, 4096, 65536};
	static const struct {
		enum avro_codec codec;
		int level;
	} codecs[] = {{AVRO_CODEC_DEFLATE, 1},
	              {AVRO_CODEC_DEFLATE, 6},
	              {AVRO_CODEC_SNAPPY, 0}};
	struct umbra_err err;

	(void)state;
	for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
		struct block_pool *pool =
		    block_pool_new(3, codecs[c].codec, codecs[c].level, &err);
		assert_non_null(pool);
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			struct file a, b;
			char pa[512], pb[512];
			snprintf(pa, sizeof pa, "%s", path_in("inline.avro"));
			snprintf(pb, sizeof pb, "%s", path_in("pooled.avro"));
			write_pool = NULL;
			write_file(pa, codecs[c].codec, codecs[c].level,
			           sizes[s], fixed_sync, 20000);
			write_pool = pool;
			write_file(pb, codecs[c].codec, codecs[c].level,
			           sizes[s], fixed_sync, 20000);
			write_pool = NULL;
			slurp(pa, &a);
			slurp(pb, &b);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.b, b.b, a.len);
			free(a.b);
			free(b.b);
			read_with_avro_c(pb, 20000);
			unlink(pa);
			unlink(pb);
		}
		/* abort while workers may hold blocks */
		struct avro_writer_opts o = {.codec = codecs[c].codec,
		                             .deflate_level = codecs[c].level,
		                             .block_bytes = 300,
		                             .pool = pool};
		struct avro_writer *w = avro_writer_open(
		    path_in("pab/aborted.avro"), ft4_schema_json, &o, &err);
		uint8_t buf[FT4_MAX_ENCODED];
		struct ft4_record r;
		assert_non_null(w);
		for (uint64_t i = 0; i < 5000; i++) {
			sample_ft4_record(i, &r);
			assert_int_equal(
			    avro_writer_append(w, buf, ft4_encode(&r, buf)), 0);
		}
		avro_writer_abort(w);
		assert_int_equal(count_entries(path_in("pab")), 0);
		/* a pool for another codec or level is refused */
		o.codec = codecs[c].codec == AVRO_CODEC_SNAPPY
		              ? AVRO_CODEC_DEFLATE
		              : AVRO_CODEC_SNAPPY;
		o.deflate_level = 3;
		assert_null(avro_writer_open(path_in("x.avro"), ft4_schema_json,
		                             &o, &err));
		block_pool_free(pool);
	}
}

static void test_empty_file(void **state)
{
	static const enum avro_codec cs[] = {
	    AVRO_CODEC_NULL, AVRO_CODEC_DEFLATE, AVRO_CODEC_SNAPPY};

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		const char *path = path_in("empty.avro");
		struct layout lay;

		uint64_t bytes = write_file(path, cs[c], 6, 65536, NULL, 0);
		read_with_avro_c(path, 0);
		check_layout(path, avro_codec_name(cs[c]), 65536, 0, &lay);
		assert_int_equal(lay.blocks, 0);
		assert_int_equal(bytes, lay.header_len);
		assert_int_equal(unlink(path), 0);
	}
}

static void test_random_sync(void **state)
{
	static const uint8_t zero[16];
	struct layout a, b;

	(void)state;
	write_file(path_in("a.avro"), AVRO_CODEC_NULL, 0, 4096, NULL, 100);
	write_file(path_in("b.avro"), AVRO_CODEC_NULL, 0, 4096, NULL, 100);
	check_layout(path_in("a.avro"), "null", 4096, 100, &a);
	check_layout(path_in("b.avro"), "null", 4096, 100, &b);
	assert_memory_not_equal(a.sync, b.sync, 16);
	assert_memory_not_equal(a.sync, zero, 16);
	read_with_avro_c(path_in("a.avro"), 100);
}

static void test_tmp_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(avro_writer_tmp_path("a/b/c.avro", buf, sizeof buf),
	                 0);
	assert_string_equal(buf, "a/b/.c.avro.tmp");
	assert_int_equal(avro_writer_tmp_path("c.avro", buf, sizeof buf), 0);
	assert_string_equal(buf, ".c.avro.tmp");
	assert_int_equal(avro_writer_tmp_path("/x", buf, sizeof buf), 0);
	assert_string_equal(buf, "/.x.tmp");
	assert_int_equal(avro_writer_tmp_path(".x.tmp", buf, sizeof buf), 0);
	assert_string_equal(buf, "..x.tmp.tmp");
	assert_int_equal(avro_writer_tmp_path("dir/", buf, sizeof buf),
	                 -EINVAL);
	assert_int_equal(avro_writer_tmp_path("", buf, sizeof buf), -EINVAL);
	assert_int_equal(avro_writer_tmp_path("a/b/c.avro", buf, 15),
	                 -ENAMETOOLONG);
	assert_int_equal(avro_writer_tmp_path("a/b/c.avro", buf, 16), 0);
}

/* The file exists only under its temporary name until commit. */
static void test_tmp_then_rename(void **state)
{
	struct avro_writer_opts o = {.codec = AVRO_CODEC_DEFLATE,
	                             .deflate_level = 6,
	                             .block_bytes = 4096};
	struct umbra_err err = {""};
	const char *final = path_in("x/y/z/f.ft4.avro");
	char tmp[600];
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record r;
	struct stat st;

	(void)state;
	assert_int_equal(avro_writer_tmp_path(final, tmp, sizeof tmp), 0);
	assert_string_not_equal(tmp, final);
	assert_string_equal(strrchr(tmp, '/'), "/.f.ft4.avro.tmp");
	assert_memory_equal(tmp, final, strrchr(final, '/') - final);

	mode_t old_mask = umask(0);
	struct avro_writer *w =
	    avro_writer_open(final, ft4_schema_json, &o, &err);
	umask(old_mask);
	assert_non_null(w);
	/* missing directories made with mode 0755 (umask 0 shows it) */
	assert_int_equal(stat(path_in("x/y"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(path_in("x/y/z"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);

	for (uint64_t i = 0; i < 50000; i++) {
		sample_ft4_record(i, &r);
		assert_int_equal(
		    avro_writer_append(w, buf, ft4_encode(&r, buf)), 0);
		if (i % 10000 == 0) {
			assert_true(exists(tmp));
			assert_false(exists(final));
		}
	}
	/* by now more than the output buffer has reached the file */
	assert_int_equal(stat(tmp, &st), 0);
	assert_true(st.st_size > 0);
	assert_false(exists(final));

	uint64_t bytes = 0;
	assert_int_equal(avro_writer_commit(w, &bytes, &err), 0);
	assert_false(exists(tmp));
	assert_int_equal(stat(final, &st), 0);
	assert_int_equal((uint64_t)st.st_size, bytes);
	read_with_avro_c(final, 50000);

	/* a second commit onto the same name replaces the file whole, and a
	 * stale temporary file (a crash) is overwritten, not appended to */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	static uint8_t junk[200000];
	memset(junk, 0x5a, sizeof junk);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	write_file(final, AVRO_CODEC_SNAPPY, 0, 4096, NULL, 7);
	read_with_avro_c(final, 7);
	struct layout lay;
	check_layout(final, "snappy", 4096, 7, &lay);
	assert_false(exists(tmp));
}

static void test_abort(void **state)
{
	struct avro_writer_opts o = {
	    .codec = AVRO_CODEC_NULL, .deflate_level = 0, .block_bytes = 65536};
	struct umbra_err err = {""};
	const char *final = path_in("ab/f.avro");
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record r;
	char tmp[600];

	(void)state;
	assert_int_equal(avro_writer_tmp_path(final, tmp, sizeof tmp), 0);
	struct avro_writer *w =
	    avro_writer_open(final, ft4_schema_json, &o, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 40000; i++) {
		sample_ft4_record(i, &r);
		assert_int_equal(
		    avro_writer_append(w, buf, ft4_encode(&r, buf)), 0);
	}
	assert_true(exists(tmp));
	avro_writer_abort(w);
	assert_false(exists(tmp));
	assert_false(exists(final));
	assert_int_equal(count_entries(path_in("ab")), 0);
	avro_writer_abort(NULL);
}

static void test_not_a_directory(void **state)
{
	struct avro_writer_opts o = {
	    .codec = AVRO_CODEC_NULL, .deflate_level = 0, .block_bytes = 65536};
	struct umbra_err err = {""};
	const char *file = path_in("plain");

	(void)state;
	int fd = open(file, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* a regular file where a directory should be */
	const char *final = path_in("plain/sub/f.avro");
	assert_null(avro_writer_open(final, ft4_schema_json, &o, &err));
	assert_non_null(strstr(err.msg, path_in("plain/sub")));
	assert_non_null(strstr(err.msg, strerror(ENOTDIR)));
	final = path_in("plain/f.avro");
	assert_null(avro_writer_open(final, ft4_schema_json, &o, &err));
	assert_non_null(strstr(err.msg, path_in("plain/.f.avro.tmp")));
	assert_non_null(strstr(err.msg, strerror(ENOTDIR)));
}

/* Opens final in a child process that cannot write there (dropping root to
 * nobody first, since root writes anywhere); returns the error message. */
static void open_as_nobody(const char *final, char *msg, size_t len)
{
	int pfd[2];

	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct avro_writer_opts o = {.codec = AVRO_CODEC_NULL,
		                             .deflate_level = 0,
		                             .block_bytes = 65536};
		struct umbra_err err = {"(no message)"};

		close(pfd[0]);
		if (geteuid() == 0 &&
		    (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		struct avro_writer *w =
		    avro_writer_open(final, ft4_schema_json, &o, &err);
		if (w) {
			avro_writer_abort(w);
			_exit(3);
		}
		if (write(pfd[1], err.msg, strlen(err.msg)) < 0)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], msg, len - 1);
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(n > 0);
	msg[n] = '\0';
}

static void test_unwritable_directory(void **state)
{
	char msg[UMBRA_ERR_MAX + 1];

	(void)state;
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(mkdir(path_in("ro"), 0555), 0);

	/* the file itself cannot be created */
	open_as_nobody(path_in("ro/f.avro"), msg, sizeof msg);
	assert_non_null(strstr(msg, path_in("ro/.f.avro.tmp")));
	assert_non_null(strstr(msg, strerror(EACCES)));

	/* a directory under it cannot be made */
	open_as_nobody(path_in("ro/sub/f.avro"), msg, sizeof msg);
	assert_non_null(strstr(msg, path_in("ro/sub")));
	assert_non_null(strstr(msg, strerror(EACCES)));
	assert_false(exists(path_in("ro/sub")));
	assert_int_equal(chmod(tmpdir, 0700), 0);
}

/* A write error (the file size limit) sticks, and commit reports it with
 * the path, removes the temporary file and publishes nothing. */
static void test_write_error(void **state)
{
	struct avro_writer_opts o = {
	    .codec = AVRO_CODEC_NULL, .deflate_level = 0, .block_bytes = 65536};
	struct umbra_err err = {""};
	const char *final = path_in("big/f.avro");
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record r;
	struct rlimit old, lim;
	char tmp[600];
	int rc = 0;

	(void)state;
	assert_int_equal(avro_writer_tmp_path(final, tmp, sizeof tmp), 0);
	struct avro_writer *w =
	    avro_writer_open(final, ft4_schema_json, &o, &err);
	assert_non_null(w);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	uint64_t i;
	for (i = 0; i < 100000 && rc == 0; i++) {
		sample_ft4_record(i, &r);
		rc = avro_writer_append(w, buf, ft4_encode(&r, buf));
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, -EFBIG);
	assert_true(i < 100000);
	/* sticky */
	assert_int_equal(avro_writer_append(w, buf, ft4_encode(&r, buf)),
	                 -EFBIG);
	assert_int_equal(avro_writer_commit(w, NULL, &err), -EFBIG);
	assert_non_null(strstr(err.msg, tmp));
	assert_non_null(strstr(err.msg, strerror(EFBIG)));
	assert_false(exists(tmp));
	assert_false(exists(final));
	signal(SIGXFSZ, SIG_DFL);
}

static void test_bad_options(void **state)
{
	struct umbra_err err = {""};
	const char *final = path_in("opt/f.avro");
	struct avro_writer_opts bad[] = {
	    {AVRO_CODEC_DEFLATE, 0, 65536, NULL, NULL},
	    {AVRO_CODEC_DEFLATE, 13, 65536, NULL, NULL},
	    {AVRO_CODEC_NULL, 0, 0, NULL, NULL},
	    {(enum avro_codec)7, 0, 65536, NULL, NULL},
	};

	(void)state;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		err.msg[0] = '\0';
		assert_null(
		    avro_writer_open(final, ft4_schema_json, &bad[k], &err));
		assert_non_null(strstr(err.msg, final));
	}
	assert_null(avro_writer_open(
	    path_in("opt/"), ft4_schema_json,
	    &(struct avro_writer_opts){AVRO_CODEC_NULL, 0, 65536, NULL, NULL},
	    &err));
	assert_false(exists(path_in("opt")));
}

static void test_codec_names(void **state)
{
	enum avro_codec c;

	(void)state;
	assert_int_equal(avro_codec_parse("null", &c), 0);
	assert_int_equal(c, AVRO_CODEC_NULL);
	assert_int_equal(avro_codec_parse("deflate", &c), 0);
	assert_int_equal(c, AVRO_CODEC_DEFLATE);
	assert_int_equal(avro_codec_parse("snappy", &c), 0);
	assert_int_equal(c, AVRO_CODEC_SNAPPY);
	assert_int_equal(avro_codec_parse("lzma", &c), -EINVAL);
	assert_int_equal(avro_codec_parse("xz", &c), -EINVAL);
	assert_int_equal(avro_codec_parse("Deflate", &c), -EINVAL);
	assert_int_equal(avro_codec_parse("", &c), -EINVAL);
	assert_string_equal(avro_codec_name(AVRO_CODEC_NULL), "null");
	assert_string_equal(avro_codec_name(AVRO_CODEC_DEFLATE), "deflate");
	assert_string_equal(avro_codec_name(AVRO_CODEC_SNAPPY), "snappy");
	assert_null(avro_codec_name((enum avro_codec)3));
}

/* ---- ft4_encode against avro-c's encoder ------------------------------- */

static void set_array(avro_value_t *rec, const char *name, unsigned n,
                      const uint64_t *items)
{
	avro_value_t a, e;

	assert_int_equal(avro_value_get_by_name(rec, name, &a, NULL), 0);
	assert_int_equal(avro_value_reset(&a), 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(avro_value_append(&a, &e, NULL), 0);
		assert_int_equal(avro_value_set_long(&e, (int64_t)items[i]), 0);
	}
}

static void set_common(avro_value_t *rec, const char *vname, const char *fname,
                       const struct ft4_common *c)
{
	uint64_t v[FT4_MAX_COMMON];

	for (unsigned i = 0; i < c->n; i++)
		v[i] = c->value[i];
	set_array(rec, vname, c->n, v);
	set_array(rec, fname, c->n, c->freq);
}

static void set_field(avro_value_t *rec, const char *name, int64_t v)
{
	avro_value_t f;

	assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
	if (avro_value_get_type(&f) == AVRO_INT32)
		assert_int_equal(avro_value_set_int(&f, (int32_t)v), 0);
	else
		assert_int_equal(avro_value_set_long(&f, v), 0);
}

static void set_string(avro_value_t *rec, const char *name, const char *s)
{
	avro_value_t f;

	assert_int_equal(avro_value_get_by_name(rec, name, &f, NULL), 0);
	assert_int_equal(avro_value_set_string(&f, s), 0);
}

static void test_encoding_matches_avro_c(void **state)
{
	avro_schema_t schema;
	char abuf[FT4_MAX_ENCODED];
	uint8_t obuf[FT4_MAX_ENCODED];
	struct ft4_record r;

	(void)state;
	assert_int_equal(avro_schema_from_json_length(
	                     ft4_schema_json, strlen(ft4_schema_json), &schema),
	                 0);
	assert_int_equal(avro_schema_record_size(schema), 26);
	avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
	avro_value_t v;
	assert_int_equal(avro_generic_value_new(iface, &v), 0);
	avro_writer_t aw = avro_writer_memory(abuf, sizeof abuf);

	for (uint64_t i = 0; i < 20000; i++) {
		sample_ft4_record(i, &r);
		set_field(&v, "time", r.time);
		set_field(&v, "src_ip", r.src_ip);
		set_field(&v, "dst_net", r.dst_net);
		set_field(&v, "dst_port", r.dst_port);
		set_field(&v, "protocol", r.protocol);
		set_field(&v, "packet_cnt", (int64_t)r.packet_cnt);
		set_field(&v, "uniq_dst_ips", r.uniq_dst_ips);
		set_field(&v, "uniq_pkt_sizes", r.uniq_pkt_sizes);
		set_field(&v, "uniq_ttls", r.uniq_ttls);
		set_field(&v, "uniq_src_ports", r.uniq_src_ports);
		set_field(&v, "uniq_tcp_flags", r.uniq_tcp_flags);
		set_field(&v, "first_syn_length", r.first_syn_length);
		set_field(&v, "first_tcp_rwin", r.first_tcp_rwin);
		set_common(&v, "common_pkt_sizes", "common_pktsize_freqs",
		           &r.pkt_sizes);
		set_common(&v, "common_ttls", "common_ttl_freqs", &r.ttls);
		set_common(&v, "common_srcports", "common_srcport_freqs",
		           &r.src_ports);
		set_common(&v, "common_tcpflags", "common_tcpflag_freqs",
		           &r.tcp_flags);
		set_string(&v, "maxmind_continent", r.maxmind_continent);
		set_string(&v, "maxmind_country", r.maxmind_country);
		set_string(&v, "netacq_continent", r.netacq_continent);
		set_string(&v, "netacq_country", r.netacq_country);
		set_field(&v, "prefix2asn", r.prefix2asn);

		avro_writer_reset(aw);
		assert_int_equal(avro_value_write(aw, &v), 0);
		size_t alen = (size_t)avro_writer_tell(aw);
		size_t olen = ft4_encode(&r, obuf);
		assert_int_equal(olen, alen);
		assert_memory_equal(obuf, abuf, olen);
	}
	avro_writer_free(aw);
	avro_value_decref(&v);
	avro_value_iface_decref(iface);
	avro_schema_decref(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_codec_names),
	    cmocka_unit_test(test_tmp_path),
	    cmocka_unit_test(test_encoding_matches_avro_c),
	    cmocka_unit_test(test_codecs_and_block_sizes),
	    cmocka_unit_test(test_large_file),
	    cmocka_unit_test(test_pool_same_bytes),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_random_sync),
	    cmocka_unit_test(test_tmp_then_rename),
	    cmocka_unit_test(test_abort),
	    cmocka_unit_test(test_not_a_directory),
	    cmocka_unit_test(test_unwritable_directory),
	    cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
