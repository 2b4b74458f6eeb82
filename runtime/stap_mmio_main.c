// SPDX-License-Identifier: GPL-2.0
/*
 * The stap_mmio runtime module: kernel.mmio probes for
 * SystemTap, on the kernel's kmmio.
 *
 * Load order matters: kmmio must be up before any page is armed, and the
 * ioremap hooks must be in place before existing mappings are read, so no
 * mapping made in between is missed.  Unload runs in reverse; no session
 * can be open then (each holds a reference on this module).
 */
#include <linux/module.h>
#include "internal.h"
#include "fault.h"

static int __init stap_mmio_init(void)
{
	int ret;

	ret = smmio_stats_init();
	if (ret)
		return ret;
	ret = smmio_pci_init();
	if (ret)
		goto out_stats;
	ret = smmio_lossless_init();
	if (ret)
		goto out_pci;
	ret = smmio_kmmio_acquire();
	if (ret)
		goto out_lossless;
	smmio_step_serialise_init();
	ret = smmio_fault_init();
	if (ret)
		goto out_kmmio;
	ret = smmio_session_init();
	if (ret)
		goto out_fault;
	ret = smmio_map_events_init();
	if (ret)
		goto out_session;
	ret = smmio_mappings_init();
	if (ret)
		goto out_events;
	return 0;

out_events:
	smmio_map_events_exit();
out_session:
	smmio_session_exit();
out_fault:
	smmio_fault_exit();
out_kmmio:
	smmio_kmmio_release();
out_lossless:
	smmio_lossless_exit();
out_pci:
	smmio_pci_exit();
out_stats:
	smmio_stats_exit();
	return ret;
}

static void __exit stap_mmio_exit(void)
{
	smmio_pci_exit();
	smmio_mappings_exit();
	smmio_kmmio_smp_exit();
	smmio_map_events_exit();
	smmio_session_exit();
	smmio_fault_exit();
	smmio_kmmio_release();
	smmio_lossless_exit();
	smmio_stats_exit();
}

module_init(stap_mmio_init);
module_exit(stap_mmio_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kernel.mmio probes for SystemTap, on the kernel's kmmio");
