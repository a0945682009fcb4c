/* metadata.c: the source meta-data tables of umbrad (metadata.h). */
#include "metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "geo.h"
#include "log.h"
#include "meta.h"
#include "pfx2as.h"

static struct meta_store *md_store;
/* The configured paths (the last configuration accepted): what a SIGHUP
 * reloads when the configuration file was refused. */
static char *md_paths[META_NSOURCES];

static const char *cfg_path(const struct umbra_config *c, int k)
{
	const char *p = k == META_MAXMIND  ? c->maxmind_db
	                : k == META_NETACQ ? c->netacq_db
	                                   : c->pfx2as_file;
	return p ? p : "";
}

/* Aggregators number 0 .. threads - 1: threads is at most 256, and
 * threads 0 means one per core less one. */
static unsigned max_readers(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 256 ? (unsigned)n : 256;
}

/* One line saying what a table holds. */
static void describe(const struct meta_set *s, int k, char *buf, size_t len)
{
	if (k == META_PFX2AS) {
		const struct pfx2as_stats *st =
		    pfx2as_get_stats(meta_set_pfx2as(s));
		snprintf(buf, len,
		         "%llu prefixes (%llu multi-origin, %llu with an AS "
		         "set, %llu IPv6 lines skipped), %.1f MB, loaded in "
		         "%.2f s",
		         (unsigned long long)st->prefixes,
		         (unsigned long long)st->multi_origin,
		         (unsigned long long)st->as_sets,
		         (unsigned long long)st->ipv6_skipped,
		         (double)st->memory / 1e6, st->build_seconds);
	} else {
		const struct geo_stats *st =
		    geo_get_stats(meta_set_geo(s, (enum meta_source)k));
		time_t built = (time_t)st->build_epoch;
		struct tm tm;
		char day[16] = "?";
		if (gmtime_r(&built, &tm))
			strftime(day, sizeof day, "%Y-%m-%d", &tm);
		snprintf(
		    buf, len,
		    "%s built %s, IPv%u, %llu IPv4 networks, %llu records, "
		    "checked in %.2f s",
		    st->database_type ? st->database_type : "?", day,
		    st->ip_version, (unsigned long long)st->ipv4_networks,
		    (unsigned long long)st->records, st->open_seconds);
	}
}

static void log_table(const char *prefix, const struct meta_set *s, int k)
{
	char what[256];

	describe(s, k, what, sizeof what);
	log_info("%s%s %s: %s", prefix, meta_source_key[k],
	         meta_set_path(s, (enum meta_source)k), what);
	if (k == META_PFX2AS) {
		const struct pfx2as_stats *st =
		    pfx2as_get_stats(meta_set_pfx2as(s));
		if (st->host_bits)
			log_warn("%s%s %s: %llu prefix(es) with host bits set, "
			         "masked (the first at line %llu)",
			         prefix, meta_source_key[k],
			         meta_set_path(s, (enum meta_source)k),
			         (unsigned long long)st->host_bits,
			         (unsigned long long)st->host_bits_line);
	}
}

static int remember_paths(const char *const paths[META_NSOURCES])
{
	char *copy[META_NSOURCES];

	for (int k = 0; k < META_NSOURCES; k++) {
		copy[k] = strdup(paths[k]);
		if (!copy[k]) {
			while (k-- > 0)
				free(copy[k]);
			return -1;
		}
	}
	for (int k = 0; k < META_NSOURCES; k++) {
		free(md_paths[k]);
		md_paths[k] = copy[k];
	}
	return 0;
}

int metadata_start(const struct umbra_config *cfg)
{
	const char *paths[META_NSOURCES];
	struct meta_load_report rep;
	struct meta_set *s;

	for (int k = 0; k < META_NSOURCES; k++)
		paths[k] = cfg_path(cfg, k);
	s = meta_set_build(paths, NULL, &rep);
	if (!s) {
		int named = 0;
		for (int k = 0; k < META_NSOURCES; k++)
			if (rep.status[k] == META_LOAD_FAILED) {
				log_error("%s: %s", meta_source_key[k],
				          rep.err[k].msg);
				named = 1;
			}
		if (!named)
			log_error("cannot load the meta-data tables: out of "
			          "memory");
		return -1;
	}
	md_store = meta_store_new(s, max_readers());
	if (!md_store || remember_paths(paths) < 0) {
		if (!md_store)
			meta_set_free(s);
		log_error("cannot load the meta-data tables: out of memory");
		return -1;
	}
	for (int k = 0; k < META_NSOURCES; k++) {
		if (rep.status[k] == META_LOAD_OK)
			log_table("", s, k);
		else
			log_info("%s: none: %s", meta_source_key[k],
			         k == META_PFX2AS ? "prefix2asn is 0"
			                          : "continent and country are "
			                            "\"??\"");
	}
	return 0;
}

void metadata_reload(const struct umbra_config *nc)
{
	const char *paths[META_NSOURCES];
	struct meta_load_report rep;
	const struct meta_set *old;
	struct meta_set *s;
	unsigned left;

	if (!md_store)
		return;
	for (int k = 0; k < META_NSOURCES; k++)
		paths[k] = nc ? cfg_path(nc, k) : md_paths[k];
	old = meta_store_current(md_store);
	s = meta_set_build(paths, old, &rep);
	if (!s) {
		log_error("SIGHUP: cannot reload the meta-data tables: out of "
		          "memory; the tables in use stay");
		return;
	}
	for (int k = 0; k < META_NSOURCES; k++) {
		const char *was = meta_set_path(old, (enum meta_source)k);
		switch (rep.status[k]) {
		case META_LOAD_OK:
			log_table("SIGHUP: reloaded ", s, k);
			break;
		case META_LOAD_FAILED:
			if (*was)
				log_warn("SIGHUP: %s: %s; keeping the table "
				         "loaded from %s",
				         meta_source_key[k], rep.err[k].msg,
				         was);
			else
				log_warn("SIGHUP: %s: %s; still no table",
				         meta_source_key[k], rep.err[k].msg);
			break;
		case META_LOAD_NONE:
			if (*was)
				log_info("SIGHUP: %s: none (was %s)",
				         meta_source_key[k], was);
			break;
		}
	}
	if (nc && remember_paths(paths) < 0)
		log_warn("SIGHUP: out of memory: a later SIGHUP with a refused "
		         "configuration reloads the older paths");
	left = meta_store_publish(md_store, s, METADATA_WAIT_MS);
	log_info("SIGHUP: meta-data tables generation %llu in use",
	         (unsigned long long)meta_set_generation(s));
	if (left)
		log_warn("SIGHUP: %u older meta-data table set(s) still held "
		         "by an aggregator after %d s: freed at the next "
		         "reload or at exit",
		         left, METADATA_WAIT_MS / 1000);
}

const struct meta_set *metadata_acquire(unsigned agg)
{
	return md_store ? meta_store_acquire(md_store, agg) : NULL;
}

void metadata_release(unsigned agg)
{
	if (md_store)
		meta_store_release(md_store, agg);
}

void metadata_stop(void)
{
	meta_store_free(md_store);
	md_store = NULL;
	for (int k = 0; k < META_NSOURCES; k++) {
		free(md_paths[k]);
		md_paths[k] = NULL;
	}
}
