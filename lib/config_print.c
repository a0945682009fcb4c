/* config_print.c: the effective configuration written back as YAML that the
 * loader reads back: each key in table order after comment lines with its
 * help, type, bounds, default and flag; strings double-quoted and escaped
 * so that they read back byte for byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"

#define COMMENT_COLS 79

/* text as "# " lines of at most COMMENT_COLS columns, cut at spaces. */
static void print_comment(FILE *out, const char *text)
{
	const size_t room = COMMENT_COLS - 2;

	while (*text) {
		size_t len = strlen(text), cut = len;
		if (len > room) {
			for (cut = room; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = strcspn(text, " ");
		}
		fprintf(out, "# %.*s\n", (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

/* s as a YAML double-quoted scalar that reads back byte for byte: escape
 * what is not printable, and the line breaks YAML would fold. */
static void print_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', out);
	while (n > 0) {
		uint32_t cp;
		size_t len = cfg_utf8_next(p, n, &cp);

		if (!len) /* not from the parser: cannot read back anyway */
			fprintf(out, "\\x%02X", *p), len = 1;
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			fprintf(out, "\\x%02X", cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		         cp == 0xfffe || cp == 0xffff)
			fprintf(out, "\\u%04X", cp);
		else
			fwrite(p, 1, len, out);
		p += len;
		n -= len;
	}
	fputc('"', out);
}

/* The comment line after the help: type and bounds, default, flag. */
static void print_meta(FILE *out, const struct umbra_cfg_key *k)
{
	char line[WHY_MAX], d[WHY_MAX];
	const char *desc;
	size_t off = 0;

	switch (k->type) {
	case UMBRA_CFG_STRING:
		off = (size_t)snprintf(line, sizeof line,
		                       "String; default \"%s\"", k->def);
		break;
	case UMBRA_CFG_STRLIST:
		off = (size_t)snprintf(line, sizeof line,
		                       "List of strings, or one string; "
		                       "default %s%s%s",
		                       *k->def ? "\"" : "[]", k->def,
		                       *k->def ? "\"" : "");
		break;
	case UMBRA_CFG_UINT:
	case UMBRA_CFG_ENUM:
	case UMBRA_CFG_BOOL:
		desc = cfg_describe(k, d, sizeof d);
		off = (size_t)snprintf(line, sizeof line, "%c%s; default %s",
		                       desc[0] - 'a' + 'A', desc + 1, k->def);
		break;
	}
	if (k->flag && off < sizeof line)
		snprintf(line + off, sizeof line - off, "; flag %s%s", k->flag,
		         k->type == UMBRA_CFG_STRLIST ? " (repeatable)" : "");
	print_comment(out, line);
}

void umbra_config_print(const struct umbra_config *c, FILE *out)
{
	char buf[32];

	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct umbra_cfg_key *k = &cfg_keys[i];
		const struct umbra_strlist *l = cfg_field(c, k);

		if (i)
			fputc('\n', out);
		print_comment(out, k->help);
		print_meta(out, k);
		fprintf(out, "%s:", k->name);
		switch (k->type) {
		case UMBRA_CFG_STRING:
			fputc(' ', out);
			print_string(out, *(char *const *)cfg_field(c, k));
			break;
		case UMBRA_CFG_STRLIST:
			if (!l->n)
				fputs(" []", out);
			for (size_t j = 0; j < l->n; j++) {
				fputs("\n  - ", out);
				print_string(out, l->items[j]);
			}
			break;
		default:
			fprintf(out, " %s",
			        cfg_value_text(c, k, buf, sizeof buf));
			break;
		}
		fputc('\n', out);
	}
}
