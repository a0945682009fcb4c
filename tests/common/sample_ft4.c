/* sample_ft4.c: deterministic sample flowtuple v4 records for the writer
 * tests (see sample_ft4.h). */
#include "sample_ft4.h"

#include "test_util.h"

#include <string.h>

static const char *const codes[] = {"??", "EU", "NA", "AS", "DE", ""};

static void sample_common(struct ft4_common *c, uint64_t *s)
{
	uint32_t v = 0;

	c->n = (uint8_t)(splitmix64(s) % (FT4_MAX_COMMON + 1));
	for (unsigned i = 0; i < c->n; i++) {
		v += (uint32_t)(splitmix64(s) % 70000);
		c->value[i] = v;
		uint64_t a = splitmix64(s);
		uint64_t b = splitmix64(s);
		c->freq[i] = a >> (1 + b % 63);
	}
}

void sample_ft4_record(uint64_t i, struct ft4_record *r)
{
	uint64_t s = i;

	memset(r, 0, sizeof *r);
	r->time = 1700000100 + 300 * (int64_t)(splitmix64(&s) % 4);
	r->src_ip = i % 7 == 3 ? UINT32_MAX : (uint32_t)splitmix64(&s);
	r->dst_net = (uint32_t)splitmix64(&s) & 0xffff0000u;
	r->dst_port = (uint16_t)splitmix64(&s);
	r->protocol = (uint8_t)splitmix64(&s);
	r->packet_cnt =
	    i % 97 == 5 ? splitmix64(&s) >> 1 : 1 + splitmix64(&s) % 1000;
	r->uniq_dst_ips = (uint32_t)(splitmix64(&s) % 65537);
	r->uniq_pkt_sizes = (uint32_t)(splitmix64(&s) % 1500);
	r->uniq_ttls = (uint32_t)(splitmix64(&s) % 256);
	r->uniq_src_ports = (uint32_t)(splitmix64(&s) % 65537);
	r->uniq_tcp_flags = (uint32_t)(splitmix64(&s) % 256);
	r->first_syn_length = (uint32_t)(splitmix64(&s) % 61);
	r->first_tcp_rwin = (uint32_t)(splitmix64(&s) % 65536);
	sample_common(&r->pkt_sizes, &s);
	sample_common(&r->ttls, &s);
	sample_common(&r->src_ports, &s);
	sample_common(&r->tcp_flags, &s);
	strcpy(r->maxmind_continent, codes[splitmix64(&s) % 6]);
	strcpy(r->maxmind_country, codes[splitmix64(&s) % 6]);
	strcpy(r->netacq_continent, codes[splitmix64(&s) % 6]);
	strcpy(r->netacq_country, codes[splitmix64(&s) % 6]);
	r->prefix2asn = (uint32_t)splitmix64(&s);
}
