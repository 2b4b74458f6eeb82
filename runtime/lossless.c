// SPDX-License-Identifier: GPL-2.0
/*
 * The opt-in lossless mode: stap_mmio lossless=1.
 *
 * While kmmio single-steps an access, the page is present for every CPU,
 * so another CPU's access to it in that window goes unseen.  With
 * lossless=1 the runtime takes every CPU but one offline while it is
 * loaded, as the kernel's mmiotrace tracer does, and brings them back on
 * unload.  Process context only: CPU hotplug sleeps.
 */
#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include "internal.h"

static bool lossless;
module_param(lossless, bool, 0444);
MODULE_PARM_DESC(lossless,
		 "take all CPUs but one offline while loaded, so no access is missed");

static cpumask_var_t smmio_offlined;

int smmio_lossless_init(void)
{
	int cpu, first, ret;

	if (!lossless)
		return 0;
	if (!zalloc_cpumask_var(&smmio_offlined, GFP_KERNEL))
		return -ENOMEM;
	first = cpumask_first(cpu_online_mask);
	for_each_online_cpu(cpu) {
		if (cpu == first)
			continue;
		ret = remove_cpu(cpu);
		if (ret) {
			pr_warn(SMMIO_NAME ": lossless: cannot take CPU %d offline (%d): accesses from it may be missed\n",
				cpu, ret);
			continue;
		}
		cpumask_set_cpu(cpu, smmio_offlined);
	}
	pr_info(SMMIO_NAME ": lossless: %u CPU(s) taken offline, %u online\n",
		cpumask_weight(smmio_offlined), num_online_cpus());
	return 0;
}

void smmio_lossless_exit(void)
{
	int cpu, ret;

	if (!lossless)
		return;
	for_each_cpu(cpu, smmio_offlined) {
		ret = add_cpu(cpu);
		if (ret)
			pr_warn(SMMIO_NAME ": lossless: cannot bring CPU %d back online (%d)\n",
				cpu, ret);
	}
	free_cpumask_var(smmio_offlined);
}
