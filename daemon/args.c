/* args.c: umbrad's command line (see args.h). */
#include "args.h"

#include <getopt.h>

#include "autoconfig.h"
#include <string.h>

#include "errbuf.h"

#define OPT_LOG_LEVEL    1000
#define OPT_PRINT_CONFIG 1001
#define OPT_PIDFILE      1002
#define OPT_USER         1003
#define OPT_CAP_THREADS  1004
#define OPT_FILTER       1005

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"input", required_argument, NULL, 'r'},
    {"output-dir", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, 'T'},
    {"monitor", required_argument, NULL, 'n'},
    {"interval", required_argument, NULL, 'i'},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"capture-threads", required_argument, NULL, OPT_CAP_THREADS},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"user", required_argument, NULL, OPT_USER},
    {"print-config", no_argument, NULL, OPT_PRINT_CONFIG},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* flag -> config key */
static const struct {
	int opt;
	const char *key;
	const char *flag;
	const char *arg;
} flag_keys[] = {
    {'r', "inputs", "-r, --input", "URI"},
    {'o', "output_dir", "-o, --output-dir", "DIR"},
    {'T', "threads", "-T, --threads", "N"},
    {'n', "monitor", "-n, --monitor", "NAME"},
    {'i', "interval", "-i, --interval", "SECONDS"},
    {OPT_CAP_THREADS, "capture_threads", "    --capture-threads", "N"},
    {OPT_FILTER, "bpf_filter", "    --filter", "EXPR"},
    {OPT_LOG_LEVEL, "log_level", "    --log-level", "LEVEL"},
    {OPT_PIDFILE, "pidfile", "    --pidfile", "FILE"},
    {OPT_USER, "user", "    --user", "USER"},
};

#define N_FLAG_KEYS (sizeof flag_keys / sizeof flag_keys[0])

/* Print text wrapped at 78 columns, every line indented by indent. */
static void print_wrapped(FILE *out, const char *text, int indent)
{
	int col = indent;
	const char *p = text;

	while (*p) {
		const char *w = p;
		while (*w && *w != ' ')
			w++;
		int len = (int)(w - p);
		if (col > indent && col + 1 + len > 78) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", len, p);
		col += len;
		p = *w ? w + 1 : w;
	}
	fputc('\n', out);
}

void args_usage(FILE *out)
{
	fprintf(out,
	        "Usage: umbrad [-c FILE] [-r URI]... [options]\n"
	        "Aggregate darknet packets into flowtuple v4 Avro files.\n\n"
	        "  -c, --config FILE\n"
	        "        YAML configuration (default: the embedded defaults, "
	        "as --print-config\n        shows them)\n");
	for (size_t i = 0; i < N_FLAG_KEYS; i++) {
		const struct umbra_cfg_key *k =
		    umbra_config_key(flag_keys[i].key);
		char text[1024];
		if (!k)
			continue;
		fprintf(out, "  %s %s\n        ", flag_keys[i].flag,
		        flag_keys[i].arg);
		snprintf(text, sizeof text, "%s [key %s, default %s]", k->help,
		         k->name, k->def && *k->def ? k->def : "none");
		print_wrapped(out, text, 8);
	}
	fprintf(
	    out,
	    "      --print-config\n"
	    "        print the effective configuration as YAML and exit\n"
	    "  -h, --help\n        this help\n"
	    "  -V, --version\n        the version\n\n"
	    "-r may be repeated: the inputs are read in order as one "
	    "stream, and replace\nthe configuration file's inputs. Files "
	    "(pcap, pcapng, ERF; plain, gzip, bzip2,\nxz) are recognised by "
	    "their magic bytes; erf:FILE or a name with .erf reads\nERF; "
	    "any other libtrace URI (pcapint:eth0, ...) goes through "
	    "libtrace.\nEvery configuration key is described in "
	    "umbra.yaml(5) and conf/umbra.yaml.\nExit status: 0 done; 1 an "
	    "input, an output or the configuration failed (see the log);\n2 "
	    "usage.\n");
}

static const char *key_for(int opt, const char **flag)
{
	for (size_t i = 0; i < N_FLAG_KEYS; i++)
		if (flag_keys[i].opt == opt) {
			*flag = flag_keys[i].flag;
			return flag_keys[i].key;
		}
	return NULL;
}

int args_parse(int argc, char **argv, struct args *a, struct umbra_config *cfg)
{
	struct umbra_err err;
	int opt, inputs_cleared = 0;

	memset(a, 0, sizeof *a);
	/* pass 1: -c, --help, --version, and flag syntax */
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:r:o:T:n:i:hV", long_opts,
	                          NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config_path = optarg;
			break;
		case 'h':
			args_usage(stdout);
			return 1;
		case 'V':
			printf("umbrad %s\n", PACKAGE_VERSION);
			return 1;
		case OPT_PRINT_CONFIG:
			a->print_config = 1;
			break;
		case ':':
			fprintf(stderr, "umbrad: option %s needs a value\n",
			        argv[optind - 1]);
			args_usage(stderr);
			return 2;
		case '?':
			if (optopt)
				fprintf(stderr, "umbrad: unknown option -%c\n",
				        optopt);
			else
				fprintf(stderr, "umbrad: unknown option %s\n",
				        argv[optind - 1]);
			args_usage(stderr);
			return 2;
		default:
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
		        "umbrad: unexpected argument '%s' (inputs go after "
		        "-r)\n",
		        argv[optind]);
		args_usage(stderr);
		return 2;
	}
	if (a->config_path &&
	    umbra_config_load_file(cfg, a->config_path, &err) < 0) {
		fprintf(stderr, "umbrad: %s\n", err.msg);
		return 3;
	}
	/* pass 2: flags over the file, in order */
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:r:o:T:n:i:hV", long_opts,
	                          NULL)) != -1) {
		const char *flag = NULL;
		const char *key = key_for(opt, &flag);
		if (!key)
			continue;
		if (opt == 'r' && !inputs_cleared) {
			umbra_config_clear_list(cfg, "inputs");
			inputs_cleared = 1;
		}
		if (umbra_config_set(cfg, key, optarg, flag, &err) < 0) {
			fprintf(stderr, "umbrad: %s\n", err.msg);
			args_usage(stderr);
			return 2;
		}
	}
	if (umbra_config_validate(cfg, &err) < 0) {
		fprintf(stderr, "umbrad: %s\n", err.msg);
		return a->config_path ? 3 : 2;
	}
	return 0;
}
