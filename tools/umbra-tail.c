/* umbra-tail: the operator's terminal view of a running umbrad.
 *
 * Subscribes to umbrad's interval stats (ZeroMQ PUB, topic frame
 * "umbra.interval" then one JSON object, conf/stats.schema.json) and prints
 * one aligned line per interval, vmstat style, or with --json each message's
 * object unchanged, one per line.  With --heartbeat it also subscribes to
 * the heartbeats ("umbra.heartbeat", conf/heartbeat.schema.json) and prints
 * a line per heartbeat, marked with a leading '~' and labelled field by
 * field, between the interval rows; -n still counts interval messages only.
 * The JSON is read by tail_json.c.
 *
 * The wait is a zmq_poll with a short timeout, so that SIGINT and SIGTERM
 * (which only set a flag) end the program cleanly, and so that the silence
 * limit (-t) and the "still waiting" notice are kept to without a timer.
 * A message that is not valid JSON, or lacks a field, is reported on stderr
 * and skipped.  Exit status: 0 after -n interval messages or on a signal,
 * 1 on -t silence (with --heartbeat, heartbeats are messages too) or an
 * error, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "tail_json.h"

#ifndef UMBRA_VERSION
#ifdef PACKAGE_VERSION
#define UMBRA_VERSION PACKAGE_VERSION
#else
#define UMBRA_VERSION "0.0.0-dev"
#endif
#endif

#define PROG             "umbra-tail"
#define DEFAULT_ENDPOINT "tcp://127.0.0.1:5557"
#define TOPIC            "umbra.interval"
#define HB_TOPIC         "umbra.heartbeat"
#define HB_MARK          "~"
#define HEADER_EVERY     20
#define WAIT_NOTICE_S    5
#define POLL_MS          200
#define MAX_BODY         (1u << 20)
#define MAX_SECONDS      (10L * 365 * 86400)

/* What has been printed so far. */
struct shown {
	long intervals;    /* interval messages printed, for -n */
	long since_header; /* interval rows since the last header */
	bool beat_since;   /* a heartbeat line since the last interval row */
};

struct opts {
	const char *endpoint;
	bool json;
	bool heartbeat;
	long count;   /* interval messages, 0: no limit */
	long timeout; /* seconds, 0: none */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const struct option long_opts[] = {
    {"endpoint", required_argument, NULL, 'e'},
    {"json", no_argument, NULL, 'j'},
    {"heartbeat", no_argument, NULL, 'b'},
    {"count", required_argument, NULL, 'n'},
    {"timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *fp)
{
	fputs("Usage: " PROG " [-e ENDPOINT] [--json] [-b] [-n COUNT] "
	      "[-t SECONDS]\n"
	      "Show umbrad's interval stats as they come, one line per "
	      "interval.\n"
	      "\n"
	      "  -e, --endpoint ENDPOINT  umbrad's stats_endpoint "
	      "(default " DEFAULT_ENDPOINT ")\n"
	      "      --json               print each message's JSON object, "
	      "one per line\n"
	      "  -b, --heartbeat          also show umbrad's heartbeats, "
	      "one line each\n"
	      "                           marked '" HB_MARK "' (with --json: "
	      "their objects too)\n"
	      "  -n, --count COUNT        exit after COUNT interval "
	      "messages\n"
	      "  -t, --timeout SECONDS    exit 1 after SECONDS without a "
	      "message\n"
	      "                           (with -b, heartbeats are "
	      "messages too)\n"
	      "  -h, --help               this help\n"
	      "  -V, --version            version\n"
	      "\n"
	      "Columns: interval start (UTC), packets, packets per second, "
	      "flowtuples,\n"
	      "distinct sources, drops (backend+queue+aggregator), write "
	      "time (ms), file.\n"
	      "Heartbeat line: '" HB_MARK "', time (UTC), packets per "
	      "second, packets so far,\n"
	      "drops per second, drops so far, fullest aggregator queue, "
	      "open interval.\n"
	      "Exit status: 0 after COUNT interval messages or on "
	      "SIGINT/SIGTERM, 1 no\n"
	      "message within SECONDS or an error, 2 bad usage.\n",
	      fp);
}

static int bad_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	usage(stderr);
	return 2;
}

/* A whole number from 1 to max, digits only. */
static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	o->endpoint = DEFAULT_ENDPOINT;
	o->json = false;
	o->heartbeat = false;
	o->count = 0;
	o->timeout = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":be:n:t:hV", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'e':
			if (!*optarg)
				return bad_usage("empty endpoint");
			o->endpoint = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'b':
			o->heartbeat = true;
			break;
		case 'n':
			if (parse_count(optarg, LONG_MAX, &o->count) < 0)
				return bad_usage("bad count '%s' (a whole "
				                 "number, at least 1)",
				                 optarg);
			break;
		case 't':
			if (parse_count(optarg, MAX_SECONDS, &o->timeout) < 0)
				return bad_usage("bad timeout '%s' (whole "
				                 "seconds, at least 1)",
				                 optarg);
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'V':
			printf(PROG " " UMBRA_VERSION "\n");
			return fflush(stdout) == 0 ? 0 : 1;
		case ':':
			return bad_usage("option '%s' needs a value",
			                 argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return bad_usage("unknown option '-%c'",
				                 optopt);
			return bad_usage("unknown option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last component of a path, control characters shown as '?'. */
static void basename_of(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t i = 0;

	b = b ? b + 1 : path;
	if (!*b)
		b = "-";
	for (; *b && i + 1 < len; b++, i++)
		out[i] = ((unsigned char)*b < 0x20 || *b == 0x7f) ? '?' : *b;
	out[i] = '\0';
}

static void print_header(void)
{
	printf("%-16s %12s %10s %10s %9s %8s %9s  %s\n", "interval (UTC)",
	       "packets", "pps", "flowtuples", "sources", "drops", "write_ms",
	       "file");
}

static void print_row(const struct tail_stats *st)
{
	char when[32] = "?";
	char file[256];
	char pps[32];
	time_t t = (time_t)st->start;
	struct tm tm;
	uint64_t drops = st->drops[0] + st->drops[1] + st->drops[2];

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	if (st->length)
		snprintf(pps, sizeof(pps), "%.1f",
		         (double)st->packets / (double)st->length);
	else
		snprintf(pps, sizeof(pps), "-");
	basename_of(st->path, file, sizeof(file));
	printf("%-16s %12" PRIu64 " %10s %10" PRIu64 " %9" PRIu64 " %8" PRIu64
	       " %9.1f  %s\n",
	       when, st->packets, pps, st->flowtuples, st->sources, drops,
	       st->write_s * 1000.0, file);
}

/* "HH:MM:SS" (UTC) of a heartbeat's wall-clock time, "?" when absurd. */
static void clock_of(double t, char *out, size_t len)
{
	time_t s;
	struct tm tm;

	snprintf(out, len, "?");
	if (!(t >= 0 && t < 253402300800.0)) /* before year 10000 */
		return;
	s = (time_t)t;
	if (gmtime_r(&s, &tm))
		strftime(out, len, "%H:%M:%S", &tm);
}

static void print_beat(const struct tail_heartbeat *hb)
{
	char when[32], open[32] = "-", fill[32] = "-";
	time_t t = (time_t)hb->open;
	struct tm tm;

	clock_of(hb->time, when, sizeof(when));
	if (hb->open && gmtime_r(&t, &tm))
		strftime(open, sizeof(open), "%Y-%m-%d %H:%M", &tm);
	if (hb->queue_fill >= 0)
		snprintf(fill, sizeof(fill), "%.1f%%", hb->queue_fill * 100.0);
	printf(HB_MARK " %-8s %10.1f pps %12" PRIu64 " packets %8.1f drops/s "
	               "%10" PRIu64 " drops  queue %6s  open %s\n",
	       when, hb->pps, hb->packets, hb->drops_per_s,
	       hb->drops[0] + hb->drops[1], fill, open);
}

/* Print a JSON body on one line; 0, or -1 (reason in err) if it is not a
 * JSON object. */
static int pass_json(const char *body, size_t len, char *err, size_t errlen)
{
	if (tail_json_check(body, len, err, errlen) < 0)
		return -1;
	/* in valid JSON a raw CR or LF can only be white space: keep the
	 * object on one line */
	for (size_t i = 0; i < len; i++)
		putchar(body[i] == '\n' || body[i] == '\r' ? ' ' : body[i]);
	putchar('\n');
	return 0;
}

/* Show one message body, an interval's (beat false) or a heartbeat's.
 * Returns 0, or -1 with the reason in err. */
static int show(const char *body, size_t len, bool beat, const struct opts *o,
                struct shown *sh, char *err, size_t errlen)
{
	static struct tail_stats st;
	struct tail_heartbeat hb;

	if (o->json)
		return pass_json(body, len, err, errlen);
	if (beat) {
		if (tail_json_heartbeat(body, len, &hb, err, errlen) < 0)
			return -1;
		print_beat(&hb);
		sh->beat_since = true;
		return 0;
	}
	if (tail_json_parse(body, len, &st, err, errlen) < 0)
		return -1;
	/* the header goes above the first row, every HEADER_EVERY rows,
	 * and above a row that comes after heartbeat lines */
	if (sh->since_header % HEADER_EVERY == 0 || sh->beat_since) {
		print_header();
		sh->since_header = 0;
	}
	print_row(&st);
	sh->since_header++;
	sh->beat_since = false;
	return 0;
}

/* Does this frame hold exactly this topic? */
static bool topic_is(zmq_msg_t *m, const char *topic)
{
	return zmq_msg_size(m) == strlen(topic) &&
	       memcmp(zmq_msg_data(m), topic, strlen(topic)) == 0;
}

/* One message read off the socket.  Returns 1 when an interval message was
 * shown, 2 when a heartbeat was, 0 when it was skipped (reported), -1 on a
 * socket error. */
static int handle_message(void *sock, const struct opts *o, long n_msg,
                          struct shown *sh)
{
	zmq_msg_t part[2];
	int nparts = 0, more, rc = 0;
	size_t more_len = sizeof(more);
	char err[192];
	bool beat = false;

	for (;;) {
		zmq_msg_t tmp, *m = nparts < 2 ? &part[nparts] : &tmp;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, 0) < 0) {
			int e = errno;
			zmq_msg_close(m);
			for (int i = 0; i < nparts && i < 2; i++)
				zmq_msg_close(&part[i]);
			errno = e;
			return -1;
		}
		nparts++;
		if (m == &tmp)
			zmq_msg_close(&tmp);
		if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len) < 0 ||
		    !more)
			break;
	}
	beat = nparts == 2 && o->heartbeat && topic_is(&part[0], HB_TOPIC);
	if (nparts != 2) {
		fprintf(stderr,
		        PROG ": warning: message %ld: %d frames, expected "
		             "2 (topic, JSON); skipped\n",
		        n_msg, nparts);
	} else if (!beat && !topic_is(&part[0], TOPIC)) {
		fprintf(stderr,
		        PROG ": warning: message %ld: topic is not "
		             "'" TOPIC "'%s; skipped\n",
		        n_msg, o->heartbeat ? " nor '" HB_TOPIC "'" : "");
	} else if (zmq_msg_size(&part[1]) > MAX_BODY) {
		fprintf(stderr,
		        PROG ": warning: message %ld: %zu bytes, more than "
		             "%u; skipped\n",
		        n_msg, zmq_msg_size(&part[1]), MAX_BODY);
	} else if (show(zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), beat, o,
	                sh, err, sizeof(err)) < 0) {
		fprintf(stderr,
		        PROG ": warning: message %ld: not %s object (%s); "
		             "skipped\n",
		        n_msg, beat ? "a heartbeat" : "an interval stats", err);
	} else {
		rc = beat ? 2 : 1;
	}
	for (int i = 0; i < nparts && i < 2; i++)
		zmq_msg_close(&part[i]);
	if (rc == 1)
		sh->intervals++;
	return rc;
}

static int run(void *sock, const struct opts *o)
{
	double start = now_s(), last = start;
	bool received = false, noticed = false;
	long n_msg = 0;
	struct shown sh = {0, 0, false};

	while (!stop_signal) {
		zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
		double t = now_s();
		long wait_ms = POLL_MS;
		int n;

		if (o->timeout && t - last >= (double)o->timeout) {
			fprintf(stderr,
			        PROG ": no message from %s in %ld s: is umbrad "
			             "running with stats_endpoint %s?\n",
			        o->endpoint, o->timeout, o->endpoint);
			return 1;
		}
		if (!received && !noticed && t - start >= WAIT_NOTICE_S) {
			fprintf(stderr,
			        PROG ": waiting for umbrad on %s (nothing "
			             "received yet)\n",
			        o->endpoint);
			noticed = true;
		}
		if (o->timeout) {
			double left = (last + (double)o->timeout - t) * 1000.0;
			if (left < wait_ms)
				wait_ms = (long)left + 1;
		}
		n = zmq_poll(&item, 1, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": zmq_poll: %s\n",
			        zmq_strerror(errno));
			return 1;
		}
		if (n == 0 || !(item.revents & ZMQ_POLLIN))
			continue;
		n = handle_message(sock, o, ++n_msg, &sh);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, PROG ": receive: %s\n",
			        zmq_strerror(errno));
			return 1;
		}
		received = true;
		last = now_s();
		if (fflush(stdout) != 0 || ferror(stdout)) {
			if (errno == EPIPE)
				return 0; /* the reader went away */
			perror(PROG ": standard output");
			return 1;
		}
		if (o->count && sh.intervals >= o->count)
			return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sigaction sa;
	void *ctx, *sock;
	int rc, linger = 0;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: let zmq_poll return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ctx = zmq_ctx_new();
	if (!ctx) {
		fprintf(stderr, PROG ": zmq_ctx_new: %s\n",
		        zmq_strerror(errno));
		return 1;
	}
	sock = zmq_socket(ctx, ZMQ_SUB);
	if (!sock) {
		fprintf(stderr, PROG ": zmq_socket: %s\n", zmq_strerror(errno));
		zmq_ctx_term(ctx);
		return 1;
	}
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, TOPIC, strlen(TOPIC)) < 0 ||
	    (o.heartbeat && zmq_setsockopt(sock, ZMQ_SUBSCRIBE, HB_TOPIC,
	                                   strlen(HB_TOPIC)) < 0) ||
	    zmq_connect(sock, o.endpoint) < 0) {
		int e = errno;
		fprintf(stderr, PROG ": cannot connect to %s: %s\n", o.endpoint,
		        zmq_strerror(e));
		rc = (e == EINVAL || e == EPROTONOSUPPORT) ? 2 : 1;
	} else {
		rc = run(sock, &o);
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	if (fflush(stdout) != 0 && errno != EPIPE && rc == 0) {
		perror(PROG ": standard output");
		rc = 1;
	}
	return rc;
}
