// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the stap_mmio runtime, for the translator's -p2 tests:
 * only the event function (with its DWARF) that lowered probes attach to,
 * and the ops symbol the tapset takes.  It never delivers an event.
 */
#include <linux/module.h>
#include "stap_mmio.h"

noinline void stap_mmio_event(const struct stap_mmio_event *ev)
{
	barrier();
}
EXPORT_SYMBOL_GPL(stap_mmio_event);

static int stub_open(struct module *owner, const char *name) { return -ENODEV; }
static int stub_add(int s, unsigned int p, __u64 a, __u64 l, unsigned int f) { return -ENODEV; }
static int stub_start(int s) { return -ENODEV; }
static void stub_close(int s) { }
static int stub_stats(int s, struct stap_mmio_stats *st) { return -ENODEV; }

const struct stap_mmio_ops stap_mmio_ops = {
	.version = STAP_MMIO_API_VERSION,
	.open = stub_open,
	.add_range = stub_add,
	.start = stub_start,
	.close = stub_close,
	.get_stats = stub_stats,
};
EXPORT_SYMBOL_GPL(stap_mmio_ops);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stap_mmio stand-in for translator tests");
