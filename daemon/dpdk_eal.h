/* dpdk_eal.h: DPDK's Environment Abstraction Layer, once per process, for
 * the DPDK capture backend (capture_dpdk.c).
 *
 * Thread use: main thread only, from capture_ops prepare()/unprepare().
 */
#ifndef UMBRA_DPDK_EAL_H
#define UMBRA_DPDK_EAL_H

#include "config.h"
#include "errbuf.h"

/* Start the EAL with args (dpdk_eal_args) on the first call, and count one
 * more user.  Returns 0, or a negative errno-style code and a message (the
 * EAL did not start, or started and stopped already: it starts once per
 * process). */
int dpdk_eal_acquire(const struct umbra_strlist *args, struct umbra_err *err);

/* One user less; the last one stops the EAL (rte_eal_cleanup). */
void dpdk_eal_release(void);

#endif
