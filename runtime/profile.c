// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-path profiling: stap_mmio profile=1 (writable at run time through
 * /sys/module/stap_mmio/parameters/profile).
 *
 * While it is on, every access adds to four per-CPU sums, shown in
 * debugfs stats as profile_*_ns (and profile_accesses):
 *   pre       our kmmio pre handler, in the page-fault handler
 *   step      from the end of the pre handler to the start of the post
 *             handler: kmmio making the page present, the return from
 *             the fault, the single step and the debug trap
 *   post      our post handler in full, delivery included
 *   consumer  the part of post spent in stap_mmio_event() calls: the
 *             probing script's kprobe and handler
 * Off, the fault path pays one predictable branch per handler.  The
 * clock is local_clock(): NMI-safe, per CPU, which is all an interval
 * that begins and ends on one CPU with interrupts off needs.
 */
#include <linux/module.h>
#include "internal.h"

bool smmio_profile;
module_param_named(profile, smmio_profile, bool, 0644);
MODULE_PARM_DESC(profile,
		 "time the fault path: sums in debugfs stats (profile_*)");

