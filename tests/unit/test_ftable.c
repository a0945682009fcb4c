/* test_ftable.c: the flowtuple table, its value sets and the run merge:
 * keys, distinct counts, common values through the hot and spilled paths,
 * transport-less packets, first SYN, sort order, growth and reset. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ft4.h"
#include "ftable.h"
#include "ftrun.h"

#define IP(a, b, c, d)                                                         \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct ft_pkt tcp(uint32_t src, uint32_t dst, uint16_t sport,
                         uint16_t dport, uint8_t flags, uint16_t len,
                         uint8_t ttl)
{
	struct ft_pkt p = {0};
	p.src_ip = src;
	p.dst_ip = dst;
	p.src_port = sport;
	p.dst_port = dport;
	p.proto = 6;
	p.tcp_flags = flags;
	p.ip_len = len;
	p.ttl = ttl;
	p.tcp_hlen = 20;
	p.tcp_rwin = 1024;
	p.flags = FT_PKT_L4;
	if ((flags & 0x02) && !(flags & 0x10))
		p.flags |= FT_PKT_SYN;
	return p;
}

/* Emit the table and decode every record back. */
static uint32_t emit_all(struct ftable *t, int64_t start,
                         struct ft4_record *out, uint32_t max,
                         struct ftrun **runp)
{
	struct ftrun *run = ftrun_new();
	assert_non_null(run);
	assert_int_equal(ftable_emit(t, start, run), 0);
	assert_true(run->nrec <= max);
	size_t off = 0;
	for (uint32_t i = 0; i < run->nrec; i++) {
		int n =
		    ft4_decode(run->enc + off, run->keys[i].end - off, &out[i]);
		assert_true(n > 0);
		off += (size_t)n;
		assert_int_equal(off, run->keys[i].end);
	}
	uint32_t n = run->nrec;
	if (runp)
		*runp = run;
	else
		ftrun_free(run);
	return n;
}

static void test_hot_key(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	struct ft_pkt p =
	    tcp(IP(1, 2, 3, 4), IP(44, 1, 2, 3), 5555, 23, 0x02, 40, 64);
	for (int i = 0; i < 7; i++)
		ftable_add(&t, &p);
	assert_int_equal(emit_all(&t, 600, r, 4, NULL), 1);
	assert_int_equal(r[0].time, 600);
	assert_int_equal(r[0].src_ip, IP(1, 2, 3, 4));
	assert_int_equal(r[0].dst_net, IP(44, 1, 0, 0));
	assert_int_equal(r[0].dst_port, 23);
	assert_int_equal(r[0].protocol, 6);
	assert_int_equal(r[0].packet_cnt, 7);
	assert_int_equal(r[0].uniq_dst_ips, 1);
	assert_int_equal(r[0].uniq_pkt_sizes, 1);
	assert_int_equal(r[0].uniq_src_ports, 1);
	assert_int_equal(r[0].uniq_tcp_flags, 1);
	assert_int_equal(r[0].first_syn_length, 20);
	assert_int_equal(r[0].first_tcp_rwin, 1024);
	assert_int_equal(r[0].pkt_sizes.n, 1);
	assert_int_equal(r[0].pkt_sizes.value[0], 40);
	assert_int_equal(r[0].pkt_sizes.freq[0], 7);
	assert_int_equal(r[0].src_ports.value[0], 5555);
	assert_int_equal(r[0].tcp_flags.value[0], 2);
	assert_string_equal(r[0].maxmind_country, "??");
	ftable_destroy(&t);
}

static void test_spill_counts(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	/* 12 packets: sizes 40 x8, 44 x3, 60 x1; ttl 50 x10, 51 x2;
	 * 12 distinct destinations; source ports 1..3 (4 each) */
	for (int i = 0; i < 12; i++) {
		uint16_t len = i < 8 ? 40 : i < 11 ? 44 : 60;
		uint8_t ttl = i < 10 ? 50 : 51;
		struct ft_pkt p = tcp(IP(9, 9, 9, 9), IP(44, 7, 0, i),
		                      1 + i % 3, 80, 0x02, len, ttl);
		ftable_add(&t, &p);
	}
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].packet_cnt, 12);
	assert_int_equal(r[0].uniq_dst_ips, 12);
	assert_int_equal(r[0].uniq_pkt_sizes, 3);
	assert_int_equal(r[0].uniq_ttls, 2);
	assert_int_equal(r[0].uniq_src_ports, 3);
	assert_int_equal(r[0].uniq_tcp_flags, 1);
	/* n >= 10: p = 20; 100*c >= 240 -> c >= 3 */
	assert_int_equal(r[0].pkt_sizes.n, 2);
	assert_int_equal(r[0].pkt_sizes.value[0], 40);
	assert_int_equal(r[0].pkt_sizes.freq[0], 8);
	assert_int_equal(r[0].pkt_sizes.value[1], 44);
	assert_int_equal(r[0].pkt_sizes.freq[1], 3);
	assert_int_equal(r[0].ttls.n, 1);
	assert_int_equal(r[0].ttls.value[0], 50);
	assert_int_equal(r[0].src_ports.n, 3);
	assert_int_equal(r[0].src_ports.value[2], 3);
	assert_int_equal(r[0].src_ports.freq[2], 4);
	ftable_destroy(&t);
}

/* Packets without a transport header add nothing to ports or flags, but
 * count in packet_cnt, sizes and TTLs. */
static void test_no_transport(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	struct ft_pkt frag = {0};
	frag.src_ip = IP(5, 5, 5, 5);
	frag.dst_ip = IP(44, 2, 2, 2);
	frag.proto = 6;
	frag.ip_len = 1500;
	frag.ttl = 30;
	ftable_add(&t, &frag); /* hot without L4 */
	ftable_add(&t, &frag);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].dst_port, 0);
	assert_int_equal(r[0].uniq_src_ports, 0);
	assert_int_equal(r[0].uniq_tcp_flags, 0);
	assert_int_equal(r[0].src_ports.n, 0);
	assert_int_equal(r[0].tcp_flags.n, 0);
	assert_int_equal(r[0].pkt_sizes.value[0], 1500);
	ftable_reset(&t);

	/* one with ports, one without, same key (dst_port 0 needs port 0) */
	struct ft_pkt l4 =
	    tcp(IP(5, 5, 5, 5), IP(44, 2, 2, 2), 7, 0, 0x02, 40, 30);
	ftable_add(&t, &l4);
	ftable_add(&t, &frag);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].packet_cnt, 2);
	assert_int_equal(r[0].uniq_src_ports, 1);
	assert_int_equal(r[0].uniq_tcp_flags, 1);
	/* n=2, u=1, p=100: 100*1 >= 100*2 fails: not common */
	assert_int_equal(r[0].src_ports.n, 0);
	assert_int_equal(r[0].tcp_flags.n, 0);
	assert_int_equal(r[0].uniq_pkt_sizes, 2);
	assert_int_equal(r[0].pkt_sizes.n, 0);
	assert_int_equal(r[0].ttls.n, 1);
	assert_int_equal(r[0].ttls.freq[0], 2);
	ftable_destroy(&t);
}

static void test_icmp_udp_fields(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	struct ft_pkt icmp = {0};
	icmp.src_ip = IP(8, 8, 8, 8);
	icmp.dst_ip = IP(44, 0, 0, 1);
	icmp.proto = 1;
	icmp.dst_port = 3 * 256 + 3;
	icmp.ip_len = 56;
	icmp.ttl = 234;
	icmp.flags = FT_PKT_L4;
	ftable_add(&t, &icmp);
	struct ft_pkt udp = icmp;
	udp.proto = 17;
	udp.dst_port = 53;
	udp.src_port = 4000;
	ftable_add(&t, &udp);
	udp.src_port = 4001;
	ftable_add(&t, &udp);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 2);
	/* sorted by protocol: ICMP (1) before UDP (17) */
	assert_int_equal(r[0].protocol, 1);
	assert_int_equal(r[0].dst_port, 771);
	assert_int_equal(r[0].uniq_src_ports, 0);
	assert_int_equal(r[0].uniq_tcp_flags, 0);
	assert_int_equal(r[0].src_ports.n, 0);
	assert_int_equal(r[0].ttls.value[0], 234);
	assert_int_equal(r[1].protocol, 17);
	assert_int_equal(r[1].uniq_src_ports, 2);
	assert_int_equal(r[1].uniq_tcp_flags, 0);
	assert_int_equal(r[1].tcp_flags.n, 0);
	ftable_destroy(&t);
}

static void test_first_syn(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	struct ft_pkt synack =
	    tcp(IP(1, 1, 1, 1), IP(44, 0, 0, 1), 80, 443, 0x12, 44, 60);
	struct ft_pkt syn1 =
	    tcp(IP(1, 1, 1, 1), IP(44, 0, 0, 1), 80, 443, 0x02, 44, 60);
	struct ft_pkt syn2 = syn1;
	syn1.tcp_hlen = 24;
	syn1.tcp_rwin = 29200;
	syn2.tcp_hlen = 40;
	syn2.tcp_rwin = 65535;
	ftable_add(&t, &synack);
	ftable_add(&t, &syn1);
	ftable_add(&t, &syn2);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].first_syn_length, 24);
	assert_int_equal(r[0].first_tcp_rwin, 29200);
	ftable_reset(&t);
	ftable_add(&t, &synack);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].first_syn_length, 0);
	assert_int_equal(r[0].first_tcp_rwin, 0);
	ftable_destroy(&t);
}

/* Keys compare as unsigned numbers: 200.x sorts after 10.x, port 40000
 * after port 80. */
static void test_sort_order(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[8];
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	struct ft_pkt a =
	    tcp(IP(200, 0, 0, 1), IP(44, 1, 0, 0), 1, 80, 2, 40, 1);
	struct ft_pkt b =
	    tcp(IP(10, 0, 0, 1), IP(200, 1, 0, 0), 1, 40000, 2, 40, 1);
	struct ft_pkt c =
	    tcp(IP(10, 0, 0, 1), IP(200, 1, 0, 0), 1, 80, 2, 40, 1);
	struct ft_pkt d =
	    tcp(IP(10, 0, 0, 1), IP(44, 1, 0, 0), 1, 65535, 2, 40, 1);
	struct ft_pkt e = c;
	e.proto = 17;
	ftable_add(&t, &a);
	ftable_add(&t, &e);
	ftable_add(&t, &b);
	ftable_add(&t, &c);
	ftable_add(&t, &d);
	struct ftrun *run;
	assert_int_equal(emit_all(&t, 0, r, 8, &run), 5);
	assert_int_equal(r[0].src_ip, IP(10, 0, 0, 1));
	assert_int_equal(r[0].dst_net, IP(44, 1, 0, 0));
	assert_int_equal(r[1].dst_net, IP(200, 1, 0, 0));
	assert_int_equal(r[1].protocol, 6);
	assert_int_equal(r[1].dst_port, 80);
	assert_int_equal(r[2].dst_port, 40000);
	assert_int_equal(r[3].protocol, 17);
	assert_int_equal(r[4].src_ip, IP(200, 0, 0, 1));
	assert_int_equal(run->nsrc, 2);
	assert_int_equal(run->npkts, 5);
	ftrun_free(run);
	ftable_destroy(&t);
}

static void test_prefix_len(void **state)
{
	(void)state;
	struct ftable t;
	struct ft4_record r[4];
	assert_int_equal(ftable_init(&t, 24, 0), 0);
	struct ft_pkt a = tcp(1, IP(44, 1, 2, 3), 1, 80, 2, 40, 1);
	struct ft_pkt b = tcp(1, IP(44, 1, 3, 3), 1, 80, 2, 40, 1);
	ftable_add(&t, &a);
	ftable_add(&t, &b);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 2);
	assert_int_equal(r[0].dst_net, IP(44, 1, 2, 0));
	assert_int_equal(r[1].dst_net, IP(44, 1, 3, 0));
	ftable_destroy(&t);
	assert_int_equal(ftable_init(&t, 0, 0), 0);
	ftable_add(&t, &a);
	ftable_add(&t, &b);
	assert_int_equal(emit_all(&t, 0, r, 4, NULL), 1);
	assert_int_equal(r[0].dst_net, 0);
	assert_int_equal(r[0].uniq_dst_ips, 2);
	ftable_destroy(&t);
	assert_int_equal(ftable_init(&t, 33, 0), -EINVAL);
}

/* Many keys and a wide value set: growth of the index, the entries and the
 * sets; every key comes back once, in order; reset empties the table. */
static void test_growth_and_reset(void **state)
{
	(void)state;
	struct ftable t;
	const uint32_t nkeys = 200000;
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < nkeys; i++) {
			struct ft_pkt p = tcp(i * 2654435761u, IP(44, 0, 0, 0),
			                      (uint16_t)i, 22, 2, 40, 64);
			ftable_add(&t, &p);
		}
		/* one scanner: 5000 destinations, random source ports */
		for (uint32_t i = 0; i < 5000; i++) {
			struct ft_pkt p =
			    tcp(IP(6, 6, 6, 6), IP(44, 9, i >> 8, i & 255),
			        (uint16_t)(i * 7919u), 445, 2, 40, 64);
			ftable_add(&t, &p);
		}
		struct ftrun *run = ftrun_new();
		assert_non_null(run);
		assert_int_equal(ftable_emit(&t, 0, run), 0);
		assert_int_equal(run->nrec, nkeys + 1);
		for (uint32_t i = 1; i < run->nrec; i++)
			assert_true(
			    ftrun_key_less(&run->keys[i - 1], &run->keys[i]));
		/* find the scanner's record */
		int found = 0;
		size_t off = 0;
		for (uint32_t i = 0; i < run->nrec; i++) {
			struct ft4_record r;
			assert_true(ft4_decode(run->enc + off,
			                       run->keys[i].end - off, &r) > 0);
			off = run->keys[i].end;
			if (r.src_ip == IP(6, 6, 6, 6)) {
				found = 1;
				assert_int_equal(r.packet_cnt, 5000);
				assert_int_equal(r.uniq_dst_ips, 5000);
				assert_int_equal(r.uniq_src_ports, 5000);
				assert_int_equal(r.src_ports.n, 0);
			}
		}
		assert_true(found);
		assert_int_equal(t.oom_drops, 0);
		ftrun_free(run);
		ftable_reset(&t);
		assert_int_equal(t.n, 0);
	}
	ftable_destroy(&t);
}

static struct ftrun *run_of(const uint32_t *srcs, int n)
{
	struct ftable t;
	struct ftrun *run = ftrun_new();
	assert_int_equal(ftable_init(&t, 16, 0), 0);
	for (int i = 0; i < n; i++) {
		struct ft_pkt p =
		    tcp(srcs[i], IP(44, 0, 0, 1), 1, 80, 2, 40, 1);
		ftable_add(&t, &p);
	}
	assert_int_equal(ftable_emit(&t, 0, run), 0);
	ftable_destroy(&t);
	return run;
}

static void test_merge(void **state)
{
	(void)state;
	const uint32_t a[] = {5, 1, 0xF0000000u};
	const uint32_t b[] = {3, 0x80000000u};
	struct ftrun *runs[3] = {run_of(a, 3), run_of(b, 2), ftrun_new()};
	struct ftrun_merge m;
	const uint8_t *d;
	size_t len;
	uint32_t want[] = {1, 3, 5, 0x80000000u, 0xF0000000u};
	int k = 0;

	ftrun_merge_init(&m, runs, 3);
	while (ftrun_merge_next(&m, &d, &len) == 1) {
		struct ft4_record r;
		assert_int_equal(ft4_decode(d, len, &r), (int)len);
		assert_true(k < 5);
		assert_int_equal(r.src_ip, want[k]);
		k++;
	}
	assert_int_equal(k, 5);
	for (int i = 0; i < 3; i++)
		ftrun_free(runs[i]);
}

static void test_vset_exact(void **state)
{
	(void)state;
	struct vset_arena a;
	struct vset s;
	static uint32_t vals[70000];
	static uint64_t cnts[70000];

	vset_arena_init(&a);
	vset_init_empty(&s);
	for (uint32_t round = 0; round < 3; round++)
		for (uint32_t v = 0; v < 65536; v++)
			assert_int_equal(vset_add(&a, &s, v * 3u), 0);
	assert_int_equal(s.n, 65536);
	assert_int_equal(vset_export(&s, vals, cnts), 65536);
	uint64_t total = 0;
	for (uint32_t i = 0; i < 65536; i++) {
		assert_int_equal(cnts[i], 3);
		assert_int_equal(vals[i] % 3, 0);
		total += cnts[i];
	}
	assert_int_equal(total, 3 * 65536);
	vset_arena_reset(&a);
	assert_int_equal(a.used_bytes, 0);
	vset_arena_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hot_key),
	    cmocka_unit_test(test_spill_counts),
	    cmocka_unit_test(test_no_transport),
	    cmocka_unit_test(test_icmp_udp_fields),
	    cmocka_unit_test(test_first_syn),
	    cmocka_unit_test(test_sort_order),
	    cmocka_unit_test(test_prefix_len),
	    cmocka_unit_test(test_growth_and_reset),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_vset_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
