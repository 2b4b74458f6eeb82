// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent MMIO from every online CPU, for runtime-smp.exp: one kthread
 * per CPU (at most two), each doing nr x (writel, readl) on its own edu
 * register (CPU 0: 0x80, CPU 1: 0x88).  Loading returns when all are done.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/completion.h>

static int nr = 2000;
module_param(nr, int, 0444);

static void __iomem *smp_base;
static struct completion smp_done[2];

static int smp_worker(void *arg)
{
	long slot = (long)arg;
	void __iomem *reg = smp_base + 0x80 + 8 * slot;
	int i;

	for (i = 0; i < nr; i++) {
		writel(i, reg);
		readl(reg);
	}
	complete(&smp_done[slot]);
	return 0;
}

static int __init smp_load_init(void)
{
	struct pci_dev *pdev = pci_get_device(0x1234, 0x11e8, NULL);
	struct task_struct *t;
	long slot = 0;
	int cpu, i;

	if (!pdev)
		return -ENODEV;
	smp_base = ioremap(pci_resource_start(pdev, 0), 0x1000);
	pci_dev_put(pdev);
	if (!smp_base)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		if (slot == 2)
			break;
		init_completion(&smp_done[slot]);
		t = kthread_create_on_cpu(smp_worker, (void *)slot, cpu,
					  "smmio_smp/%u");
		if (IS_ERR(t))
			break;
		wake_up_process(t);
		slot++;
	}
	for (i = 0; i < slot; i++)
		wait_for_completion(&smp_done[i]);
	pr_info("runtime-smp-load: %ld CPU(s) x %d x (writel, readl)\n",
		slot, nr);
	return 0;
}

static void __exit smp_load_exit(void)
{
	iounmap(smp_base);
}

module_init(smp_load_init);
module_exit(smp_load_exit);
MODULE_LICENSE("GPL");
