/* main.c: umbrad, the Umbra daemon: captures in, flowtuple v4 Avro out. */
#include <pthread.h>
#include <stdio.h>

#include "autoconfig.h"
#include <string.h>

#include "args.h"
#include "config.h"
#include "log.h"
#include "metadata.h"
#include "notify.h"
#include "pidfile.h"
#include "privdrop.h"
#include "recover.h"
#include "pipeline.h"
#include "reload.h"
#include "signals.h"

static void log_config(const struct umbra_config *c)
{
	log_info("umbrad %s: monitor %s, %zu input(s), output %s, interval %u "
	         "s, codec %s, log level %s",
	         PACKAGE_VERSION, c->monitor, c->inputs.n, c->output_dir,
	         c->interval, umbra_config_key("codec")->names[c->codec],
	         umbra_log_level_name((enum umbra_log_level)c->log_level));
	for (size_t i = 0; i < c->inputs.n; i++)
		log_info("input %zu: %s", i + 1, c->inputs.items[i]);
}

/* The log target, the pidfile, the meta-data tables, leftovers: what comes
 * before any thread.  Returns 0 or an exit status. */
static int prepare(const struct umbra_config *cfg)
{
	struct umbra_err err;
	int rc;

	umbra_log_set_level((enum umbra_log_level)cfg->log_level);
	if (umbra_log_open(cfg->log_target, cfg->log_file, &err) < 0) {
		fprintf(stderr, "umbrad: %s\n", err.msg);
		return 1;
	}
	log_config(cfg);
	if (pidfile_create(cfg->pidfile, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (metadata_start(cfg) < 0)
		return 1; /* logged, naming the file */
	rc = recover_leftovers(cfg->output_dir);
	if (rc < 0)
		log_warn("cannot scan %s for leftover temporary files: %s",
		         cfg->output_dir, strerror(-rc));
	notify_init();
	return 0;
}

int main(int argc, char **argv)
{
	struct umbra_config cfg;
	struct pipeline pl;
	struct args a;
	int rc;

	umbra_log_init("umbrad", UMBRA_LOG_INFO);
	/* from the start: a signal sent early waits for the signal thread */
	signals_block();
	if (umbra_config_defaults(&cfg) < 0) {
		fprintf(stderr, "umbrad: out of memory\n");
		return 1;
	}
	rc = args_parse(argc, argv, &a, &cfg);
	if (rc != 0 || a.print_config) {
		if (rc == 0)
			umbra_config_print(&cfg, stdout);
		umbra_config_free(&cfg);
		return rc == 0 || rc == 1 ? 0 : rc == 2 ? 2 : 1;
	}
	if (cfg.inputs.n == 0) {
		fprintf(stderr, "umbrad: no input: give -r URI or 'inputs' in "
		                "the configuration file\n");
		args_usage(stderr);
		umbra_config_free(&cfg);
		return 2;
	}
	if ((rc = prepare(&cfg)) == 0) {
		memset(&pl, 0, sizeof pl);
		pthread_mutex_init(&pl.cap_lock, NULL); /* before signals */
		reload_init(argc, argv, a.config_path, &cfg);
		signals_start(&pl);
		rc = pipeline_run(&pl, &cfg); /* drops privileges */
		signals_stop();
		notify_send("STOPPING=1");
		log_info("exiting with status %d", rc);
	}
	metadata_stop();
	pidfile_remove();
	umbra_log_close();
	umbra_config_free(&cfg);
	return rc;
}
