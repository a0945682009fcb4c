/* sample_ft4.h: deterministic sample flowtuple v4 records, shared by the
 * Avro writer's unit test and write_ft4_sample (whose output
 * tests/e2e/check_avro_python.py checks).
 *
 * Record i is a pure function of i: SplitMix64 seeded with i, drawn in field
 * order, with extremes mixed in (src_ip 255.255.255.255, 63-bit counts, five
 * common values, empty and "??" strings).  sample() in check_avro_python.py
 * must stay the same function.
 */
#ifndef UMBRA_SAMPLE_FT4_H
#define UMBRA_SAMPLE_FT4_H

#include <stdint.h>

#include "ft4.h"

void sample_ft4_record(uint64_t i, struct ft4_record *r);

#endif
