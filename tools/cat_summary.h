/* cat_summary.h: umbra-cat --summary, the totals over the records that
 * passed the filters.
 *
 * Memory grows with the distinct sources, intervals, protocols and ports
 * seen (about 50 bytes each).  The summary owns its memory
 * (cat_summary_free).  Single-threaded.
 */
#ifndef UMBRA_CAT_SUMMARY_H
#define UMBRA_CAT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "cat_record.h"

#define CAT_TOP_N 10

struct cat_summary;

/* NULL when out of memory. */
struct cat_summary *cat_summary_new(void);
void cat_summary_free(struct cat_summary *s);

/* Count one record.  0 or -ENOMEM. */
int cat_summary_add(struct cat_summary *s, const struct cat_rec *r);

/* files: files umbra-cat went through (a --limit may stop it early);
 * failed: those of them it could not read completely. */
void cat_summary_print_text(const struct cat_summary *s, FILE *fp,
                            int64_t files, int64_t failed);
void cat_summary_print_json(const struct cat_summary *s, FILE *fp,
                            int64_t files, int64_t failed);

#endif
