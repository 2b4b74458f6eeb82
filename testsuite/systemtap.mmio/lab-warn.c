// SPDX-License-Identifier: GPL-2.0
/*
 * lab-warn: a module whose load triggers WARN_ON(1), so that lab-warn.exp
 * can check that the guest runner reports a kernel-log fault.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init lab_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit lab_warn_exit(void)
{
}

module_init(lab_warn_init);
module_exit(lab_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stap-mmio test: WARN_ON(1) at load");
