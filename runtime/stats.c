// SPDX-License-Identifier: GPL-2.0
/*
 * Counters, and the debugfs files that show them:
 *   /sys/kernel/debug/stap_mmio/stats     totals, one "name: value" a line
 *   /sys/kernel/debug/stap_mmio/forms     accesses by how they were made
 * (and mappings.c's "mappings": every mapping followed, its spans)
 *
 * Counters are per CPU and only ever incremented on the fault path; the
 * debugfs readers sum them (a racy but monotonic snapshot).
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include "fault.h"

DEFINE_PER_CPU(u64, smmio_counters[SMMIO_NR_COUNTERS]);

static const char *const smmio_counter_names[SMMIO_NR_COUNTERS] = {
	[SMMIO_FAULTS] = "faults",
	[SMMIO_EVENTS] = "events",
	[SMMIO_UNKNOWN] = "unknown_instructions",
	[SMMIO_VALUE_UNKNOWN] = "values_unknown",
	[SMMIO_FILTERED] = "filtered",
	[SMMIO_MAYBE_MISSED] = "maybe_missed",
	[SMMIO_DECODE_HITS] = "decode_cache_hits",
	[SMMIO_MAP_EVENTS] = "map_events",
	[SMMIO_UNDELIVERED] = "undelivered",
	[SMMIO_PROF_ACCESSES] = "profile_accesses",
	[SMMIO_PROF_EMULATE_NS] = "profile_emulate_ns",
	[SMMIO_PROF_PRE_NS] = "profile_pre_ns",
	[SMMIO_PROF_STEP_NS] = "profile_step_ns",
	[SMMIO_PROF_POST_NS] = "profile_post_ns",
	[SMMIO_PROF_CONSUMER_NS] = "profile_consumer_ns",
	[SMMIO_PCI_GONE] = "pci_devices_gone",
};

/* The runtime's debugfs directory; mappings.c adds its own file. */
struct dentry *smmio_debugfs_dir;

/*
 * Accesses per way of handling and mnemonic (debugfs "forms").  Allocated
 * at load: a module's static per-CPU space is small.
 */
struct smmio_form_counts __percpu *smmio_form_counts;

/* The total of one (plan, mnemonic) cell over all CPUs. */
static u64 smmio_form_count(enum smmio_plan plan, unsigned int mnem)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(smmio_form_counts, cpu)->n[plan][mnem];
	return sum;
}


u64 smmio_counter_sum(enum smmio_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(smmio_counters[c], cpu);
	return sum;
}

static int smmio_stats_show(struct seq_file *m, void *v)
{
	int i;

	seq_printf(m, "sessions: %d\n", atomic_read(&smmio_nr_armed));
	seq_printf(m, "sessions_open: %d\n",
		   atomic_read(&smmio_nr_sessions));
	seq_printf(m, "mappings: %d\n", atomic_read(&smmio_nr_mappings));
	seq_printf(m, "armed_pages: %d\n", atomic_read(&smmio_armed_pages));
	for (i = 0; i < SMMIO_NR_COUNTERS; i++)
		seq_printf(m, "%s: %llu\n", smmio_counter_names[i],
			   smmio_counter_sum(i));
	seq_printf(m, "hooks_missed: %lu\n", smmio_ioremap_hook.nmissed +
		   smmio_iounmap_hook.nmissed);
	seq_printf(m, "kmmio_count: %u\n", smmio_kmmio_count());
	seq_printf(m, "mmiotrace_tracer: %s\n",
		   smmio_tracer_enabled() ? "on" : "off");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmio_stats);


/* Accesses by how they were handled and by instruction form. */
static int smmio_forms_show(struct seq_file *m, void *v)
{
	static const char *const plan[] = {
		[SMMIO_PLAN_KMMIO] = "present_step",
		[SMMIO_PLAN_EMULATE] = "emulated",
		[SMMIO_PLAN_REBASE] = "stepped",
	};
	struct mmio_insn in = {};
	unsigned int p, mnem;
	u64 n;

	for (p = 0; p < ARRAY_SIZE(plan); p++)
		for (mnem = 0; mnem < 256; mnem++) {
			n = smmio_form_count(p, mnem);
			if (!n)
				continue;
			in.mnem = mnem;
			seq_printf(m, "%s %s: %llu\n", plan[p],
				   mnem ? mmio_decode_mnemonic(&in) : "unknown",
				   n);
		}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmio_forms);


int smmio_stats_init(void)
{
	smmio_form_counts = alloc_percpu(struct smmio_form_counts);
	if (!smmio_form_counts)
		return -ENOMEM;
	smmio_debugfs_dir = debugfs_create_dir(SMMIO_NAME, NULL);
	debugfs_create_file("stats", 0444, smmio_debugfs_dir, NULL,
			    &smmio_stats_fops);
	debugfs_create_file("forms", 0444, smmio_debugfs_dir, NULL,
			    &smmio_forms_fops);
	return 0;
}

void smmio_stats_exit(void)
{
	debugfs_remove_recursive(smmio_debugfs_dir);
	free_percpu(smmio_form_counts);
}
