// SPDX-License-Identifier: GPL-2.0
/*
 * ibt-bad: what check-ibt must catch.  Finds kallsyms_lookup_name with a
 * kprobe (as the runtime does), looks up kmmio_init with it, and calls
 * both through pointers outside any IBT-safe helper: on IBT hardware each
 * call is a #CP.  Built only, never loaded: its init refuses to load
 * before calling anything unless call=1.
 */
#include <linux/module.h>
#include <linux/kprobes.h>

static bool call;
module_param(call, bool, 0);

static unsigned long (*ibt_bad_lookup)(const char *name);
static int (*ibt_bad_kmmio_init)(void);

static int __init ibt_bad_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!call)
		return -EPERM;
	if (register_kprobe(&kp))
		return -ENOENT;
	ibt_bad_lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	ibt_bad_kmmio_init = (void *)ibt_bad_lookup("kmmio_init");
	if (!ibt_bad_kmmio_init)
		return -ENOENT;
	return ibt_bad_kmmio_init() ?: -EPERM;
}

module_init(ibt_bad_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("check-ibt's negative test: indirect calls into sealed functions");
