/* reload.c: SIGHUP (reload.h). */
#include "reload.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "log.h"
#include "metadata.h"

static int rl_argc;
static char **rl_argv;
static const char *rl_path;
static const struct umbra_config *rl_running;

/* The log settings in force (they change on reload; rl_running does not). */
static int cur_level, cur_target;
static char cur_file[4096];

void reload_init(int argc, char **argv, const char *config_path,
                 const struct umbra_config *running)
{
	rl_argc = argc;
	rl_argv = argv;
	rl_path = config_path;
	rl_running = running;
	cur_level = running->log_level;
	cur_target = running->log_target;
	snprintf(cur_file, sizeof cur_file, "%s",
	         running->log_file ? running->log_file : "");
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* Do a and b hold the same value of key k? */
static bool same_value(const struct umbra_cfg_key *k,
                       const struct umbra_config *a,
                       const struct umbra_config *b)
{
	const void *fa = (const char *)a + k->offset;
	const void *fb = (const char *)b + k->offset;
	const struct umbra_strlist *la = fa, *lb = fb;

	switch (k->type) {
	case UMBRA_CFG_STRING:
		return strcmp(str_or_empty(*(char *const *)fa),
		              str_or_empty(*(char *const *)fb)) == 0;
	case UMBRA_CFG_UINT:
		return *(const uint32_t *)fa == *(const uint32_t *)fb;
	case UMBRA_CFG_ENUM:
		return *(const int *)fa == *(const int *)fb;
	case UMBRA_CFG_BOOL:
		return *(const bool *)fa == *(const bool *)fb;
	case UMBRA_CFG_STRLIST:
		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (strcmp(la->items[i], lb->items[i]) != 0)
				return false;
		return true;
	}
	return false;
}

static bool run_time_key(const char *name)
{
	return strcmp(name, "log_level") == 0 ||
	       strcmp(name, "log_target") == 0 ||
	       strcmp(name, "log_file") == 0 ||
	       strcmp(name, "maxmind_db") == 0 ||
	       strcmp(name, "netacq_db") == 0 ||
	       strcmp(name, "pfx2as_file") == 0;
}

/* The file of -c, then the flags, into *nc (which the caller frees). */
static int read_config(struct umbra_config *nc)
{
	struct umbra_config probe;
	struct umbra_err err;
	struct args a;
	int rc;

	/* the file alone first: its errors carry FILE:LINE:COLUMN */
	if (umbra_config_defaults(&probe) < 0 ||
	    umbra_config_defaults(nc) < 0) {
		umbra_config_free(&probe);
		log_error("SIGHUP: out of memory: configuration not reloaded");
		return -ENOMEM;
	}
	if (rl_path && umbra_config_load_file(&probe, rl_path, &err) < 0) {
		log_error("SIGHUP: %s; configuration not reloaded, the running "
		          "settings stay",
		          err.msg);
		umbra_config_free(&probe);
		return -EINVAL;
	}
	/* then as at start; args_parse() prints its reasons on stderr */
	rc = args_parse(rl_argc, rl_argv, &a, nc);
	if (rc != 0) {
		if (umbra_config_validate(&probe, &err) == 0)
			snprintf(err.msg, sizeof err.msg,
			         "refused with the command-line flags over it "
			         "(the reason is on standard error)");
		log_error("SIGHUP: %s: %s; configuration not reloaded, the "
		          "running settings stay",
		          rl_path ? rl_path : "(no file)", err.msg);
	}
	umbra_config_free(&probe);
	return rc == 0 ? 0 : -EINVAL;
}

static void apply_log_target(const struct umbra_config *nc)
{
	const char *const *names = umbra_config_key("log_target")->names;
	const char *file = str_or_empty(nc->log_file);
	struct umbra_err err;

	if (nc->log_target == cur_target &&
	    (cur_target != UMBRA_LOG_TO_FILE || strcmp(file, cur_file) == 0))
		return;
	log_info("SIGHUP: log_target %s -> %s%s%s", names[cur_target],
	         names[nc->log_target],
	         nc->log_target == UMBRA_LOG_TO_FILE ? " " : "",
	         nc->log_target == UMBRA_LOG_TO_FILE ? file : "");
	if (umbra_log_open(nc->log_target, file, &err) < 0) {
		log_error("SIGHUP: %s: still logging to %s", err.msg,
		          names[cur_target]);
		return;
	}
	log_info("SIGHUP: logging to %s%s%s from now on", names[nc->log_target],
	         nc->log_target == UMBRA_LOG_TO_FILE ? " " : "",
	         nc->log_target == UMBRA_LOG_TO_FILE ? file : "");
	cur_target = nc->log_target;
	snprintf(cur_file, sizeof cur_file, "%s", file);
}

static void apply_log_level(int level)
{
	const char *from = umbra_log_level_name(cur_level);
	const char *to = umbra_log_level_name(level);

	if (level == cur_level)
		return;
	/* log the change at the more verbose of the two levels */
	if (level > cur_level)
		umbra_log_set_level(level);
	log_info("SIGHUP: log_level %s -> %s", from, to);
	umbra_log_set_level(level);
	cur_level = level;
}

/* One line naming every key that changed but only applies at start. */
static void report_restart_keys(const struct umbra_config *nc)
{
	const struct umbra_cfg_key *keys;
	char list[1024] = "";
	size_t n, len = 0;

	keys = umbra_config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		if (run_time_key(keys[i].name) ||
		    same_value(&keys[i], rl_running, nc))
			continue;
		int w = snprintf(list + len, sizeof list - len, "%s%s",
		                 len ? ", " : "", keys[i].name);
		if (w > 0 && (size_t)w < sizeof list - len)
			len += (size_t)w;
	}
	if (len)
		log_warn("SIGHUP: changed, but applied only by a restart: %s",
		         list);
	else
		log_debug("SIGHUP: no setting that needs a restart changed");
}

int reload_run(void)
{
	struct umbra_config nc;
	struct umbra_err err;
	int rc;

	memset(&nc, 0, sizeof nc);
	/* first, so that what follows lands in the new file */
	if (umbra_log_reopen(&err) < 0)
		log_error("SIGHUP: %s: still writing to the old log file",
		          err.msg);
	log_info("SIGHUP: log reopened; reloading %s",
	         rl_path ? rl_path : "the defaults and flags (no -c)");
	rc = read_config(&nc);
	if (rc == 0) {
		apply_log_target(&nc);
		apply_log_level(nc.log_level);
		report_restart_keys(&nc);
		log_info("SIGHUP: configuration reloaded");
	}
	/* the data files always: their content may have changed under the
	 * same paths (with a refused configuration, the paths in force) */
	metadata_reload(rc == 0 ? &nc : NULL);
	umbra_config_free(&nc);
	return rc;
}
