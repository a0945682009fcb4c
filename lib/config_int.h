/* config_int.h: what the files of the configuration loader share, and
 * nothing of it is public (not installed; the interface is config.h).
 *
 *   config.c        the key table; defaults, store, copy, free, flags,
 *                   validation: everything that walks the table over a
 *                   struct umbra_config
 *   config_value.c  one value: text to a typed value of a row, the rule
 *                   of a key that has one (monitor, output_dir,
 *                   output_template, queue_size, stats_endpoint), and how
 *                   a value is quoted and described in a message
 *   config_yaml.c   the libyaml event walk and its FILE:LINE:COL errors
 *   config_print.c  the effective configuration written back as YAML
 *
 * The symbols declared here are hidden: libumbra does not export them.
 */
#ifndef UMBRA_CONFIG_INT_H
#define UMBRA_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define MONITOR_MAX 64
#define ECHO_MAX    64  /* bytes of a bad value quoted in a message */
#define WHY_MAX     384 /* "expected ..., got ..." */

/* Rows of cfg_keys[] (config.c checks it): sizes the loader's seen[]. */
#define CFG_NKEYS 44

#define OFF(field) offsetof(struct umbra_config, field)

/* A parsed value before it is stored; s is owned by whoever holds it. */
union cfg_val {
	char *s;
	uint32_t u;
	int e;
	bool b;
};

static inline void *cfg_field(const struct umbra_config *c,
                              const struct umbra_cfg_key *k)
{
	return (char *)c + k->offset;
}

#pragma GCC visibility push(hidden)

/* ---- config.c: the table and struct umbra_config ---- */

extern const struct umbra_cfg_key cfg_keys[];

/* The row named by name[0..len), or NULL. */
const struct umbra_cfg_key *cfg_key_lookup(const char *name, size_t len);

/* Store a parsed value in *c, which takes ownership of v->s; a list item is
 * appended.  Returns 0 or -ENOMEM (v->s freed). */
int cfg_store(struct umbra_config *c, const struct umbra_cfg_key *k,
              union cfg_val *v);

void cfg_list_clear(struct umbra_strlist *l);

/* A deep copy of src in *dst.  Returns 0 or -ENOMEM (nothing held). */
int cfg_copy(struct umbra_config *dst, const struct umbra_config *src);

/* A stored non-string value as text (buf holds a number), for the parser to
 * judge and for printing; a string row gives the string. */
const char *cfg_value_text(const struct umbra_config *c,
                           const struct umbra_cfg_key *k, char *buf, size_t n);

/* ---- config_value.c: one value ---- */

/* Parse len bytes of text as a value of row k (for a list: one item) into
 * *v.  Returns 0, -ENOMEM, or -EINVAL with "expected ..., got ..." in why. */
int cfg_parse_value(const struct umbra_cfg_key *k, const char *text, size_t len,
                    union cfg_val *v, char *why, size_t n);

/* What a row accepts, for "expected ..." (in buf, or a constant). */
const char *cfg_describe(const struct umbra_cfg_key *k, char *buf, size_t n);

/* At most ECHO_MAX bytes of text, for a message: control characters become
 * '?', and a cut (on a character boundary) ends with "...". */
const char *cfg_echo(char buf[ECHO_MAX + 4], const char *text, size_t len);

/* Decode one UTF-8 character of s (n > 0 bytes left) into *cp; return its
 * length, or 0 if it is malformed, overlong, a surrogate or cut short. */
size_t cfg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

#pragma GCC visibility pop

#endif
