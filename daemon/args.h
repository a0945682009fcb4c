/* args.h: umbrad's command line.  Flags override the configuration file;
 * their help and defaults come from the config table (lib/config.c). */
#ifndef UMBRA_ARGS_H
#define UMBRA_ARGS_H

#include <stdio.h>

#include "config.h"

struct args {
	const char *config_path; /* -c, or NULL for the embedded defaults */
	int print_config;        /* --print-config */
};

/* Parse argv into *a and *cfg (which holds the defaults).  The file named by
 * -c is loaded first, then every flag is applied over it, in order.
 * Returns 0 to run, 1 after --help/--version/--print-config (exit 0), 2 on a
 * usage error (message printed; exit 2), 3 on a config file error (message
 * printed; exit 1). */
int args_parse(int argc, char **argv, struct args *a, struct umbra_config *cfg);

void args_usage(FILE *out);

#endif
