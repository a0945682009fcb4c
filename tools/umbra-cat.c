/* umbra-cat: print or summarise flowtuple v4 Avro files, so that nobody
 * has to write code to look at one.
 *
 * The files are read with avro-c and the v4 fields picked out by name
 * (cat_record.c), filtered (cat_filter.c), then printed as TSV or JSON
 * lines (cat_print.c) or folded into one summary (cat_summary.c).
 *
 * Errors: a file that cannot be opened or read is reported on stderr with
 * avro-c's reason and skipped, and the exit status is 1 at the end; what it
 * held up to the error has been printed.  Bad usage exits 2.  A reader that
 * closes the pipe early (umbra-cat f.avro | head) ends the output quietly.
 */
#include <avro.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cat_filter.h"
#include "cat_print.h"
#include "cat_record.h"
#include "cat_summary.h"

#ifndef UMBRA_VERSION
#ifdef PACKAGE_VERSION
#define UMBRA_VERSION PACKAGE_VERSION
#else
#define UMBRA_VERSION "0.0.0-dev"
#endif
#endif

#define PROG "umbra-cat"

enum cat_format { FMT_TSV, FMT_JSON };

struct cat_ctx {
	enum cat_format format;
	bool header;
	bool numeric;
	bool summary;
	int64_t limit; /* -1: none */
	int64_t shown; /* records that passed the filters */
	struct cat_filter filter;
	struct cat_summary *sum;
	int64_t files;
	int64_t failed;
	bool limit_hit;   /* --limit records taken */
	bool out_gone;    /* standard output failed or was closed */
	bool write_error; /* it failed other than by a closed pipe */
};

enum {
	OPT_NUMERIC = 256,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_SUMMARY,
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"no-header", no_argument, NULL, 'H'},
    {"numeric", no_argument, NULL, OPT_NUMERIC},
    {"src", required_argument, NULL, 's'},
    {"proto", required_argument, NULL, 'p'},
    {"port", required_argument, NULL, 'P'},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"limit", required_argument, NULL, 'n'},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *fp)
{
	fputs("Usage: " PROG " [options] FILE...\n"
	      "Print flowtuple v4 Avro files as TSV or JSON lines, or sum "
	      "them up.\n"
	      "FILE - reads standard input.\n"
	      "\n"
	      "  -f, --format tsv|json  output format (default tsv)\n"
	      "  -H, --no-header        no TSV header line\n"
	      "      --numeric          src_ip and dst_net as numbers in "
	      "TSV;\n"
	      "                         no src_ip_str/dst_net_str keys in "
	      "JSON\n"
	      "  -s, --src PREFIX       only sources in a.b.c.d/len or "
	      "a.b.c.d (repeatable)\n"
	      "  -p, --proto N|NAME     only protocol N, tcp, udp or icmp "
	      "(repeatable)\n"
	      "  -P, --port N           only destination port N "
	      "(repeatable)\n"
	      "      --since TIME       only intervals starting at or after "
	      "TIME\n"
	      "      --until TIME       only intervals starting before TIME\n"
	      "                         TIME: Unix seconds or "
	      "YYYY-MM-DD[THH:MM:SS[Z]] (UTC)\n"
	      "  -n, --limit N          stop after N matching records\n"
	      "      --summary          print totals and top-10 tables "
	      "instead of records\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          version\n"
	      "\n"
	      "Exit status: 0 ok, 1 a file could not be read (the others "
	      "still are),\n"
	      "2 bad usage.\n",
	      fp);
}

static int bad_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Say what was wrong, then how to call us.  Returns -EINVAL. */
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	usage(stderr);
	return -EINVAL;
}

/* 0 to go on, 1 when --help or --version has answered, -EINVAL after
 * bad usage has been reported, or -ENOMEM. */
static int parse_args(int argc, char **argv, struct cat_ctx *c)
{
	int opt, rc;
	int64_t v;

	while ((opt = getopt_long(argc, argv, "f:Hs:p:P:n:hV", long_opts,
	                          NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "tsv") == 0)
				c->format = FMT_TSV;
			else if (strcmp(optarg, "json") == 0)
				c->format = FMT_JSON;
			else
				return bad_usage(
				    "--format: '%s' is not tsv or json",
				    optarg);
			break;
		case 'H':
			c->header = false;
			break;
		case OPT_NUMERIC:
			c->numeric = true;
			break;
		case 's':
			rc = cat_filter_add_src(&c->filter, optarg);
			if (rc == -ENOMEM)
				return rc;
			if (rc)
				return bad_usage(
				    "--src: '%s' is not an IPv4 address "
				    "or a.b.c.d/len prefix",
				    optarg);
			break;
		case 'p':
			if (cat_filter_add_proto(&c->filter, optarg))
				return bad_usage(
				    "--proto: '%s' is not 0..255, tcp, "
				    "udp or icmp",
				    optarg);
			break;
		case 'P':
			if (cat_filter_add_port(&c->filter, optarg))
				return bad_usage(
				    "--port: '%s' is not a port 0..65535",
				    optarg);
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (cat_parse_time(optarg, &v))
				return bad_usage(
				    "--%s: '%s' is not Unix seconds or "
				    "YYYY-MM-DD[THH:MM:SS[Z]]",
				    opt == OPT_SINCE ? "since" : "until",
				    optarg);
			if (opt == OPT_SINCE) {
				c->filter.has_since = true;
				c->filter.since = v;
			} else {
				c->filter.has_until = true;
				c->filter.until = v;
			}
			break;
		case 'n':
			if (cat_parse_int(optarg, 0, INT64_MAX, &c->limit))
				return bad_usage(
				    "--limit: '%s' is not a count >= 0",
				    optarg);
			break;
		case OPT_SUMMARY:
			c->summary = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(PROG " " UMBRA_VERSION "\n");
			return 1;
		default:
			/* getopt_long has said what was wrong */
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc)
		return bad_usage("%s", "no FILE given");
	return 0;
}

static bool stopped(const struct cat_ctx *c)
{
	return c->limit_hit || c->out_gone;
}

/* False (and c->out_gone) once standard output is gone or failing. */
static bool output_ok(struct cat_ctx *c)
{
	int err = errno;

	if (!ferror(stdout))
		return true;
	c->out_gone = true;
	if (err != EPIPE && !c->write_error) {
		fprintf(stderr, PROG ": writing standard output: %s\n",
		        strerror(err));
		c->write_error = true;
	}
	return false;
}

/* One record read from path: filter, then print or count it.  0, -EIO
 * after reporting a problem with the file, or -ENOMEM. */
static int take_record(struct cat_ctx *c, const char *path,
                       const struct cat_binding *b, avro_value_t *val,
                       int64_t nread)
{
	struct cat_rec rec;
	int rc;

	if (cat_rec_load(b, val, &rec)) {
		fprintf(stderr,
		        PROG ": %s: record %lld: cannot read its v4 "
		             "fields: %s\n",
		        path, (long long)nread + 1, avro_strerror());
		return -EIO;
	}
	if (!cat_filter_match(&c->filter, &rec))
		return 0;
	if (c->summary) {
		if (cat_summary_add(c->sum, &rec))
			return -ENOMEM;
	} else {
		rc = c->format == FMT_JSON
		         ? cat_print_json(stdout, &rec, c->numeric)
		         : cat_print_tsv(stdout, &rec, c->numeric);
		if (rc) {
			fprintf(stderr,
			        PROG ": %s: record %lld: cannot read an "
			             "array: %s\n",
			        path, (long long)nread + 1, avro_strerror());
			return -EIO;
		}
		output_ok(c);
	}
	c->shown++;
	if (c->limit >= 0 && c->shown >= c->limit)
		c->limit_hit = true;
	return 0;
}

/* Every record of an open file.  0, -EIO (reported) or -ENOMEM. */
static int read_records(struct cat_ctx *c, const char *path,
                        avro_file_reader_t rd, avro_schema_t schema)
{
	struct cat_binding b;
	avro_value_iface_t *cls;
	avro_value_t val;
	char why[256];
	int64_t n = 0;
	int rc = 0;

	if (cat_bind(schema, &b, why, sizeof(why))) {
		fprintf(stderr, PROG ": %s: not a flowtuple v4 file: %s\n",
		        path, why);
		return -EIO;
	}
	cls = avro_generic_class_from_schema(schema);
	if (!cls || avro_generic_value_new(cls, &val)) {
		fprintf(stderr, PROG ": %s: %s\n", path, avro_strerror());
		if (cls)
			avro_value_iface_decref(cls);
		return -EIO;
	}
	while (!stopped(c)) {
		rc = avro_file_reader_read_value(rd, &val);
		if (rc == EOF) {
			rc = 0;
			break;
		}
		if (rc) {
			fprintf(stderr,
			        PROG ": %s: truncated or corrupt after %lld "
			             "records: %s\n",
			        path, (long long)n, avro_strerror());
			rc = -EIO;
			break;
		}
		rc = take_record(c, path, &b, &val, n);
		if (rc)
			break;
		n++;
	}
	avro_value_decref(&val);
	avro_value_iface_decref(cls);
	return rc;
}

/* One FILE argument ("-" is standard input).  0, -EIO after reporting
 * what was wrong with the file, or -ENOMEM. */
static int cat_file(struct cat_ctx *c, const char *path)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	avro_file_reader_t rd;
	avro_schema_t schema;
	struct stat st;
	int rc;

	if (!fp) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(EISDIR));
		fclose(fp);
		return -EIO;
	}
	avro_set_error("%s", "");
	/* On failure avro-c has closed fp (unless it is stdin). */
	rc = avro_file_reader_fp(fp, path, !is_stdin, &rd);
	if (rc) {
		fprintf(stderr, PROG ": %s: not a readable Avro file: %s\n",
		        path,
		        *avro_strerror() ? avro_strerror() : strerror(rc));
		return -EIO;
	}
	/* avro-c 1.11 hands out a new reference to the writer schema. */
	schema = avro_file_reader_get_writer_schema(rd);
	rc = read_records(c, path, rd, schema);
	if (schema)
		avro_schema_decref(schema);
	avro_file_reader_close(rd);
	return rc;
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct cat_ctx c = {.format = FMT_TSV, .header = true, .limit = -1};
	int i, rc;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/* A closed pipe shows as EPIPE, which ends the output quietly. */
	signal(SIGPIPE, SIG_IGN);
	cat_filter_init(&c.filter);
	rc = parse_args(argc, argv, &c);
	if (rc == 0 && c.summary && !(c.sum = cat_summary_new()))
		rc = -ENOMEM;
	if (rc == 0 && !c.summary && c.format == FMT_TSV && c.header) {
		cat_print_tsv_header(stdout);
		output_ok(&c);
	}
	if (c.limit == 0)
		c.limit_hit = true;
	for (i = optind; rc == 0 && i < argc && !stopped(&c); i++) {
		c.files++;
		rc = cat_file(&c, argv[i]);
		if (rc == -EIO) {
			c.failed++;
			rc = 0;
		}
	}
	if (rc == 0 && c.summary) {
		if (c.format == FMT_JSON)
			cat_summary_print_json(c.sum, stdout, c.files,
			                       c.failed);
		else
			cat_summary_print_text(c.sum, stdout, c.files,
			                       c.failed);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		output_ok(&c);
	cat_summary_free(c.sum);
	cat_filter_free(&c.filter);
	if (rc == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	if (rc == -EINVAL)
		return 2;
	if (rc == 1)
		return c.write_error ? 1 : 0;
	return rc || c.failed || c.write_error ? 1 : 0;
}
