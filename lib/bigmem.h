/* bigmem.h: large allocations backed by transparent huge pages.
 *
 * The flowtuple tables are hundreds of megabytes read at random: with 4 KiB
 * pages almost every probe also misses the TLB.  These calls map anonymous
 * memory, ask for huge pages (madvise MADV_HUGEPAGE, which is what Debian's
 * default THP mode "madvise" waits for) and fall back silently to normal
 * pages where the kernel has none.  Memory comes back zeroed.
 *
 * Thread use: any; not for the per-packet path except through the rare
 * growth of a table.
 */
#ifndef UMBRA_BIGMEM_H
#define UMBRA_BIGMEM_H

#include <stddef.h>

/* NULL on failure. */
void *bigmem_alloc(size_t bytes);
/* Grow (or shrink) keeping the contents; NULL on failure (p is kept). */
void *bigmem_realloc(void *p, size_t old_bytes, size_t new_bytes);
void bigmem_free(void *p, size_t bytes);

#endif
