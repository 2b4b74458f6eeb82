// SPDX-License-Identifier: GPL-2.0
/*
 * Find kernel symbols that are not exported.
 *
 * kallsyms_lookup_name() itself is not exported; a kprobe on it resolves
 * its address, which we then call.  Process context only (register_kprobe
 * sleeps).
 */
#include <linux/kprobes.h>
#include "internal.h"

typedef unsigned long (*smmio_kallsyms_fn)(const char *name);

static smmio_kallsyms_fn smmio_kallsyms_lookup;

static smmio_kallsyms_fn smmio_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	smmio_kallsyms_fn fn;

	if (register_kprobe(&kp) < 0)
		return NULL;
	fn = (smmio_kallsyms_fn)kp.addr;
	unregister_kprobe(&kp);
	return fn;
}

/* Returns the symbol's address, or 0 (and logs why) when it is not found. */
unsigned long smmio_lookup_symbol(const char *name)
{
	unsigned long addr;

	if (!smmio_kallsyms_lookup)
		smmio_kallsyms_lookup = smmio_find_kallsyms();
	if (!smmio_kallsyms_lookup) {
		pr_err(SMMIO_NAME ": cannot find kallsyms_lookup_name\n");
		return 0;
	}
	addr = smmio_kallsyms_lookup(name);
	if (!addr)
		pr_err(SMMIO_NAME ": kernel symbol %s not found\n", name);
	return addr;
}
