/* config_yaml.c: the YAML loader: the libyaml event walk over one document
 * holding one mapping, each key's value handed to the value parser
 * (config_value.c), and every error reported as "NAME:LINE:COLUMN: ...".
 *
 * An empty value ("key:") is the empty string, or for a list the empty
 * list.  Aliases are refused; anchors and tags are ignored.  Unknown keys
 * are errors, with a did-you-mean when one is close; a key set twice is an
 * error that names the first line.
 *
 * Loading works on a deep copy and replaces *c only on success: on every
 * error *c is unchanged and nothing leaks.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_int.h"

#define FILE_MAX    (1u << 20) /* bytes of YAML load_file accepts */
#define SUGGEST_MAX 64         /* longest unknown key given a did-you-mean */

struct loader {
	yaml_parser_t p;
	struct umbra_config *c;
	const char *name;
	const char *buf;
	size_t len;
	struct umbra_err *err;
	size_t seen[CFG_NKEYS]; /* line where each key was set, 0 = not yet */
};

static int fail_at(struct loader *l, size_t line, size_t col, int code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_at(struct loader *l, size_t line, size_t col, int code,
                   const char *fmt, ...)
{
	char msg[UMBRA_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return umbra_err_set(l->err, code, "%s:%zu:%zu: %s", l->name, line + 1,
	                     col + 1, msg);
}

#define FAIL_AT(l, mark, ...)                                                  \
	fail_at((l), (mark).line, (mark).column, -EINVAL, __VA_ARGS__)

static int yaml_fail(struct loader *l)
{
	const yaml_parser_t *p = &l->p;
	const char *problem = p->problem ? p->problem : "syntax error";
	size_t line = p->problem_mark.line, col = p->problem_mark.column;

	if (p->error == YAML_MEMORY_ERROR)
		return umbra_err_set(l->err, -ENOMEM, "%s: out of memory",
		                     l->name);
	if (p->error == YAML_READER_ERROR) {
		/* Only a byte offset: count lines and characters to it. */
		line = col = 0;
		for (size_t i = 0; i < p->problem_offset && i < l->len; i++) {
			unsigned char ch = (unsigned char)l->buf[i];
			if (ch == '\n')
				line++, col = 0;
			else if ((ch & 0xc0) != 0x80)
				col++;
		}
		if (p->problem_value < 0)
			return fail_at(l, line, col, -EINVAL, "%s", problem);
		return fail_at(l, line, col, -EINVAL, "%s (0x%X)", problem,
		               (unsigned)p->problem_value);
	}
	if (p->context)
		return fail_at(l, line, col, -EINVAL, "%s (%s at %zu:%zu)",
		               problem, p->context, p->context_mark.line + 1,
		               p->context_mark.column + 1);
	return fail_at(l, line, col, -EINVAL, "%s", problem);
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
	return yaml_parser_parse(&l->p, ev) ? 0 : yaml_fail(l);
}

/* What an event is, for "got ...". */
static const char *got(const yaml_event_t *ev, char buf[ECHO_MAX + 8])
{
	char e[ECHO_MAX + 4];

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		snprintf(buf, ECHO_MAX + 8, "'%s'",
		         cfg_echo(e, (const char *)ev->data.scalar.value,
		                  ev->data.scalar.length));
		return buf;
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias (aliases are not supported)";
	default:
		return "something else";
	}
}

static bool empty_plain(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0 &&
	       ev->data.scalar.plain_implicit;
}

static int store_scalar(struct loader *l, const struct umbra_cfg_key *k,
                        const yaml_event_t *ev)
{
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	rc = cfg_parse_value(k, (const char *)ev->data.scalar.value,
	                     ev->data.scalar.length, &v, why, sizeof why);
	if (!rc)
		rc = cfg_store(l->c, k, &v);
	if (rc == -ENOMEM)
		return umbra_err_set(l->err, rc, "%s: out of memory", l->name);
	if (rc)
		return FAIL_AT(l, ev->start_mark, "key '%s': %s", k->name, why);
	return 0;
}

static int load_list(struct loader *l, const struct umbra_cfg_key *k)
{
	char g[ECHO_MAX + 8];

	for (;;) {
		yaml_event_t ev;
		int rc;

		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			rc = 1;
		else if (ev.type == YAML_SCALAR_EVENT)
			rc = store_scalar(l, k, &ev);
		else
			rc = FAIL_AT(l, ev.start_mark,
			             "key '%s': expected a string, got %s",
			             k->name, got(&ev, g));
		yaml_event_delete(&ev);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
}

static int load_value(struct loader *l, const struct umbra_cfg_key *k)
{
	char d[WHY_MAX], g[ECHO_MAX + 8];
	yaml_event_t ev;
	int rc;

	if ((rc = next_event(l, &ev)))
		return rc;
	if (k->type == UMBRA_CFG_STRLIST &&
	    (ev.type == YAML_SCALAR_EVENT ||
	     ev.type == YAML_SEQUENCE_START_EVENT))
		cfg_list_clear(
		    cfg_field(l->c, k)); /* the file's list replaces it */
	/* "inputs:" with nothing after it is the empty list */
	if (ev.type == YAML_SCALAR_EVENT &&
	    !(k->type == UMBRA_CFG_STRLIST && empty_plain(&ev)))
		rc = store_scalar(l, k, &ev);
	else if (ev.type == YAML_SEQUENCE_START_EVENT &&
	         k->type == UMBRA_CFG_STRLIST)
		rc = load_list(l, k);
	else if (ev.type != YAML_SCALAR_EVENT)
		rc =
		    FAIL_AT(l, ev.start_mark, "key '%s': expected %s, got %s",
		            k->name, cfg_describe(k, d, sizeof d), got(&ev, g));
	yaml_event_delete(&ev);
	return rc;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Edit distance between a[0..la) and b, ignoring case; la <= SUGGEST_MAX. */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t row[SUGGEST_MAX + 1], lb = strlen(b);

	for (size_t i = 0; i <= la; i++)
		row[i] = i;
	for (size_t j = 1; j <= lb; j++) {
		size_t diag = row[0];
		row[0] = j;
		for (size_t i = 1; i <= la; i++) {
			size_t up = row[i];
			size_t best =
			    diag + (lower(a[i - 1]) != lower(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[i - 1] + 1 < best)
				best = row[i - 1] + 1;
			row[i] = best;
			diag = up;
		}
	}
	return row[la];
}

static int unknown_key(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, best = SIZE_MAX, n, off = 0;
	const struct umbra_cfg_key *near = NULL;
	char e[ECHO_MAX + 4], known[CFG_NKEYS * 24];

	for (size_t i = 0; i < CFG_NKEYS && len <= SUGGEST_MAX; i++) {
		size_t d = distance(name, len, cfg_keys[i].name);
		if (d < best)
			best = d, near = &cfg_keys[i];
	}
	cfg_echo(e, name, len);
	if (near &&
	    best <= (strlen(near->name) < 8 ? 1 : strlen(near->name) / 4))
		return FAIL_AT(l, ev->start_mark,
		               "unknown key '%s' (did you mean '%s'?)", e,
		               near->name);
	for (size_t i = 0; i < CFG_NKEYS && off < sizeof known; i++) {
		n = (size_t)snprintf(known + off, sizeof known - off, "%s%s",
		                     i ? ", " : "", cfg_keys[i].name);
		off += n;
	}
	return FAIL_AT(l, ev->start_mark, "unknown key '%s' (known keys: %s)",
	               e, known);
}

/* A key of the top mapping: its row in *k, once per file. */
static int load_key(struct loader *l, const yaml_event_t *ev,
                    const struct umbra_cfg_key **k)
{
	char g[ECHO_MAX + 8];
	size_t i;

	if (ev->type != YAML_SCALAR_EVENT)
		return FAIL_AT(l, ev->start_mark, "expected a key name, got %s",
		               got(ev, g));
	*k = cfg_key_lookup((const char *)ev->data.scalar.value,
	                    ev->data.scalar.length);
	if (!*k)
		return unknown_key(l, ev);
	i = (size_t)(*k - cfg_keys);
	if (l->seen[i])
		return FAIL_AT(l, ev->start_mark,
		               "duplicate key '%s' (first set at line %zu)",
		               (*k)->name, l->seen[i]);
	l->seen[i] = ev->start_mark.line + 1;
	return 0;
}

static int load_mapping(struct loader *l)
{
	for (;;) {
		const struct umbra_cfg_key *k = NULL;
		yaml_event_t ev;
		int rc;

		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		rc = load_key(l, &ev, &k);
		yaml_event_delete(&ev);
		if (rc || (rc = load_value(l, k)))
			return rc;
	}
}

/* The stream: nothing, or one document holding one mapping (or nothing). */
static int load_stream(struct loader *l)
{
	char g[ECHO_MAX + 8];
	yaml_event_t ev;
	int rc, i;

	for (i = 0; i < 2; i++) { /* STREAM-START, then DOCUMENT-START */
		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		yaml_event_delete(&ev);
	}
	if ((rc = next_event(l, &ev)))
		return rc;
	if (ev.type == YAML_MAPPING_START_EVENT)
		rc = load_mapping(l);
	else if (!empty_plain(&ev))
		rc = FAIL_AT(l, ev.start_mark,
		             "expected a mapping of configuration keys, got %s",
		             got(&ev, g));
	yaml_event_delete(&ev);
	if (rc || (rc = next_event(l, &ev))) /* DOCUMENT-END */
		return rc;
	yaml_event_delete(&ev);
	if ((rc = next_event(l, &ev)))
		return rc;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = FAIL_AT(l, ev.start_mark,
		             "only one YAML document is allowed");
	yaml_event_delete(&ev);
	return rc;
}

int umbra_config_load_string(struct umbra_config *c, const char *yaml,
                             size_t len, const char *name,
                             struct umbra_err *err)
{
	struct loader l = {
	    .name = name ? name : "<string>",
	    .buf = yaml ? yaml : "",
	    .len = yaml ? len : 0,
	    .err = err,
	};
	struct umbra_config tmp;
	int rc;

	if (cfg_copy(&tmp, c))
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", l.name);
	if (!yaml_parser_initialize(&l.p)) {
		umbra_config_free(&tmp);
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", l.name);
	}
	yaml_parser_set_input_string(&l.p, (const unsigned char *)l.buf, l.len);
	yaml_parser_set_encoding(&l.p, YAML_UTF8_ENCODING);
	l.c = &tmp;
	rc = load_stream(&l);
	yaml_parser_delete(&l.p);
	if (rc) {
		umbra_config_free(&tmp);
		return rc;
	}
	umbra_config_free(c);
	*c = tmp;
	return 0;
}

int umbra_config_load_file(struct umbra_config *c, const char *path,
                           struct umbra_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;
	int rc;

	if (!f)
		return umbra_err_set(err, -errno, "%s: cannot open: %s", path,
		                     strerror(errno));
	buf = malloc(FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
	}
	len = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f))
		rc = umbra_err_set(err, errno ? -errno : -EIO,
		                   "%s: cannot read: %s", path,
		                   strerror(errno ? errno : EIO));
	else if (len > FILE_MAX)
		rc = umbra_err_set(err, -EFBIG,
		                   "%s: larger than the %u bytes allowed", path,
		                   FILE_MAX);
	else
		rc = umbra_config_load_string(c, buf, len, path, err);
	free(buf);
	fclose(f);
	return rc;
}
