/* bigmem.c: huge-page-backed allocations (see bigmem.h). */
#include "bigmem.h"

#include <sys/mman.h>

static size_t round_up(size_t bytes)
{
	const size_t huge = 2u << 20;
	return bytes < huge ? (bytes + 4095) & ~(size_t)4095
	                    : (bytes + huge - 1) & ~(huge - 1);
}

void *bigmem_alloc(size_t bytes)
{
	size_t len = round_up(bytes ? bytes : 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (len >= (2u << 20))
		madvise(p, len, MADV_HUGEPAGE); /* a hint: fine if refused */
	return p;
}

void *bigmem_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
	size_t olen = round_up(old_bytes ? old_bytes : 1);
	size_t nlen = round_up(new_bytes ? new_bytes : 1);
	void *q;

	if (!p)
		return bigmem_alloc(new_bytes);
	if (olen == nlen)
		return p;
	q = mremap(p, olen, nlen, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
	if (nlen >= (2u << 20))
		madvise(q, nlen, MADV_HUGEPAGE);
	return q;
}

void bigmem_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, round_up(bytes ? bytes : 1));
}
