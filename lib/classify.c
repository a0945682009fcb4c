/* classify.c: the names of the packet classes and the tables their tests
 * read (classify.h).  The tests themselves are inline in classify.h, so
 * that the decoder runs them without a call. */
#include "classify.h"

#include <string.h>

static const char *const class_names[UMBRA_CLASS__COUNT] = {
    [UMBRA_CLASS_SPOOFED] = "spoofed",
    [UMBRA_CLASS_ERRATIC] = "erratic",
    [UMBRA_CLASS_MASSCAN] = "masscan",
    [UMBRA_CLASS_MIRAI] = "mirai",
    [UMBRA_CLASS_ZMAP] = "zmap",
    [UMBRA_CLASS_BACKSCATTER] = "backscatter",
    [UMBRA_CLASS_ABNORMAL] = "abnormal",
    [UMBRA_CLASS_FRAGMENT] = "fragment",
    [UMBRA_CLASS_HIGH_TTL] = "high_ttl",
    [UMBRA_CLASS_SYN_NOOPT] = "syn_noopt",
    [UMBRA_CLASS_WIN1024] = "win1024",
    [UMBRA_CLASS_PORT0] = "port0",
};

_Static_assert(UMBRA_CLASS__COUNT <= 15,
               "classes are bits of a uint16_t, UMBRA_TCP_SYN_ONLY apart");

#define SP  UMBRA_CLASS_BIT(UMBRA_CLASS_SPOOFED)
#define SP4 SP, SP, SP, SP
#define PT  UMBRA_BOGON_PART

const uint8_t umbra_bogon8[256] = {
    [0] = SP,   [10] = SP,  [127] = SP, [100] = PT,  [169] = PT, [172] = PT,
    [192] = PT, [198] = PT, [203] = PT, [224] = SP4, SP4,        SP4,
    SP4,        SP4,        SP4,        SP4,         SP4, /* 224-255 */
};

const uint8_t umbra_last8[256] = {[0] = SP, [255] = SP};

#define HT   UMBRA_CLASS_BIT(UMBRA_CLASS_HIGH_TTL)
#define HT4  HT, HT, HT, HT
#define HT8  HT4, HT4
#define HT56 HT8, HT8, HT8, HT8, HT8, HT8, HT8

_Static_assert(UMBRA_HIGH_TTL_MIN == 200, "umbra_ttls[] starts at 200");
const uint16_t umbra_ttls[256] = {[200] = HT56};

#define AB   UMBRA_CLASS_BIT(UMBRA_CLASS_ABNORMAL)
#define AB4  AB, AB, AB, AB
#define AB16 AB4, AB4, AB4, AB4
#define AB64 AB16, AB16, AB16, AB16

/* every protocol but 1, 4, 6, 17, 41, 47, 50, 51 and 132 */
const uint16_t umbra_protocols[256] = {
    AB,   0,    AB,   AB,   0,    AB,   0,    AB,
    AB,   AB,   AB,   AB,   AB,   AB,   AB,   AB, /*  0 */
    AB,   0,    AB,   AB,   AB,   AB,   AB,   AB,
    AB,   AB,   AB,   AB,   AB,   AB,   AB,   AB, /* 16 */
    AB,   AB,   AB,   AB,   AB,   AB,   AB,   AB,
    AB,   0,    AB,   AB,   AB,   AB,   AB,   0, /* 32 */
    AB,   AB,   0,    0,    AB,   AB,   AB,   AB,
    AB,   AB,   AB,   AB,   AB,   AB,   AB,   AB, /* 48 */
    AB64,                                         /* 64 */
    AB,   AB,   AB,   AB,   0,    AB,   AB,   AB,
    AB,   AB,   AB,   AB,   AB,   AB,   AB,   AB, /* 128 */
    AB16, AB16, AB16, AB16, AB16, AB16, AB16,     /* 144 */
};

/* A TCP flag set's class bits: backscatter for SYN-ACK and RST,
 * abnormal by UMBRA_TCP_ABNORMAL(). */
#define TF(f)                                                                  \
	(uint16_t)((UMBRA_TCP_ABNORMAL(f)                                      \
	                ? UMBRA_CLASS_BIT(UMBRA_CLASS_ABNORMAL)                \
	                : 0) |                                                 \
	           (((f) & (UMBRA_TH_SYN | UMBRA_TH_ACK)) ==                   \
	                        (UMBRA_TH_SYN | UMBRA_TH_ACK) ||               \
	                    ((f)&UMBRA_TH_RST)                                 \
	                ? UMBRA_CLASS_BIT(UMBRA_CLASS_BACKSCATTER)             \
	                : 0) |                                                 \
	           (((f) & (UMBRA_TH_SYN | UMBRA_TH_ACK)) == UMBRA_TH_SYN      \
	                ? UMBRA_TCP_SYN_ONLY                                   \
	                : 0))
#define TF4(f)  TF(f), TF(f + 1), TF(f + 2), TF(f + 3)
#define TF16(f) TF4(f), TF4(f + 4), TF4(f + 8), TF4(f + 12)

const uint16_t umbra_tcp_flags[64] = {TF16(0), TF16(16), TF16(32), TF16(48)};

#define BS UMBRA_CLASS_BIT(UMBRA_CLASS_BACKSCATTER)

const uint16_t umbra_icmp_types[256] = {
    [0] = BS,  [3] = BS,  [4] = BS,  [5] = BS,  [11] = BS,
    [12] = BS, [14] = BS, [16] = BS, [18] = BS,
};

/* 137-138 in word 4, 1900 in 59, 5353 in 167, 6881-6889 in 215 */
const uint32_t umbra_erratic_ports[256] = {
    [4] = 0x600u,
    [59] = 0x1000u,
    [167] = 0x200u,
    [215] = 0x3feu,
};

const char *umbra_class_name(unsigned c)
{
	return c < UMBRA_CLASS__COUNT ? class_names[c] : NULL;
}

int umbra_class_lookup(const char *name)
{
	for (unsigned c = 0; c < UMBRA_CLASS__COUNT; c++)
		if (strcmp(name, class_names[c]) == 0)
			return (int)c;
	return -1;
}

const char *umbra_class_names(void)
{
	return "spoofed, erratic, masscan, mirai, zmap, backscatter, abnormal, "
	       "fragment, high_ttl, syn_noopt, win1024, port0";
}
