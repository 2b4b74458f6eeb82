// SPDX-License-Identifier: GPL-2.0
/*
 * Find kernel symbols that are not exported.
 *
 * kallsyms_lookup_name() itself is not exported; a kprobe on it resolves
 * its address, which we then call.  Process context only (register_kprobe
 * sleeps).
 *
 * IBT.  On a kernel built with CONFIG_X86_KERNEL_IBT running on a CPU with
 * IBT, every function the kernel never calls through a pointer has its
 * ENDBR overwritten at boot ("sealed"), and kallsyms_lookup_name() is one
 * of them: an indirect call to it is a #CP, a kernel BUG ("Missing
 * ENDBR").  This is the one call the runtime cannot avoid making through a
 * pointer, so it is made in one place, smmio_ibt_call_lookup(), with
 * ENDBR enforcement switched off on this CPU for the duration of the call.
 * Everything else the runtime does reaches the kernel through exported
 * API, kprobes or data.  testsuite/ibt/check-ibt checks the built module
 * for indirect calls outside functions named smmio_ibt_call_*.
 */
#include <linux/kprobes.h>
#include <linux/stringify.h>
#include <linux/string.h>
#include <linux/irqflags.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include "internal.h"

typedef unsigned long (*smmio_kallsyms_fn)(const char *name);

static smmio_kallsyms_fn smmio_kallsyms_lookup;

#if defined(CONFIG_X86_KERNEL_IBT) && defined(CET_ENDBR_EN)
/* 6.16 renamed rdmsrl/wrmsrl to rdmsrq/wrmsrq. */
#ifdef rdmsrq
#define smmio_rdmsr64(msr, val)	rdmsrq(msr, val)
#define smmio_wrmsr64(msr, val)	wrmsrq(msr, val)
#else
#define smmio_rdmsr64(msr, val)	rdmsrl(msr, val)
#define smmio_wrmsr64(msr, val)	wrmsrl(msr, val)
#endif

static __always_inline bool smmio_ibt_enforced(void)
{
	return cpu_feature_enabled(X86_FEATURE_IBT);
}

/* The kernel's ibt_save(true)/ibt_restore() are not exported. */
static __always_inline u64 smmio_ibt_off(void)
{
	u64 cet;

	smmio_rdmsr64(MSR_IA32_S_CET, cet);
	smmio_wrmsr64(MSR_IA32_S_CET, cet & ~CET_ENDBR_EN);
	return cet;
}

/* Put back only the ENDBR enforcement bit: leave the rest of S_CET alone. */
static __always_inline void smmio_ibt_restore(u64 saved)
{
	u64 cet;

	smmio_rdmsr64(MSR_IA32_S_CET, cet);
	cet = (cet & ~CET_ENDBR_EN) | (saved & CET_ENDBR_EN);
	smmio_wrmsr64(MSR_IA32_S_CET, cet);
}
#else
static __always_inline bool smmio_ibt_enforced(void)
{
	return false;
}

static __always_inline u64 smmio_ibt_off(void)
{
	return 0;
}

static __always_inline void smmio_ibt_restore(u64 saved)
{
}
#endif

/*
 * The runtime's only call through a pointer into the kernel, IBT-safe:
 * interrupts (hence preemption) off, so the MSR we change is this CPU's
 * for the whole call and nothing else runs with enforcement off but the
 * callee (and an NMI that would hit meanwhile).  kallsyms_lookup_name()
 * neither sleeps nor enables interrupts.  @fn may be the address a kprobe
 * reports, past the (sealed) ENDBR: with enforcement off that is fine.
 *
 * noinline, and named smmio_ibt_call_*: testsuite/ibt/check-ibt allows
 * indirect calls only inside such functions.
 */
static noinline unsigned long smmio_ibt_call_lookup(smmio_kallsyms_fn fn,
						    const char *name)
{
	unsigned long flags, addr;
	u64 cet = 0;
	bool ibt = smmio_ibt_enforced();

	local_irq_save(flags);
	if (ibt)
		cet = smmio_ibt_off();
	addr = fn(name);
	if (ibt)
		smmio_ibt_restore(cet);
	local_irq_restore(flags);
	return addr;
}

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

/*
 * A test build (testsuite/systemtap.mmio/runtime-missing-internal.exp)
 * defines SMMIO_TEST_WRONG_SYMBOL=name: that one internal is then looked
 * up under a name no kernel has, as if this kernel had renamed it.
 */
#ifdef SMMIO_TEST_WRONG_SYMBOL
static const char *smmio_test_rename(const char *name)
{
	if (!strcmp(name, __stringify(SMMIO_TEST_WRONG_SYMBOL)))
		return "smmio_test_renamed_" __stringify(SMMIO_TEST_WRONG_SYMBOL);
	return name;
}
#else
static const char *smmio_test_rename(const char *name)
{
	return name;
}
#endif

/* Returns the symbol's address, or 0 when kallsyms does not know it. */
unsigned long smmio_lookup_symbol(const char *name)
{
	if (!smmio_kallsyms_lookup)
		smmio_kallsyms_lookup = smmio_find_kallsyms();
	if (!smmio_kallsyms_lookup) {
		pr_err(SMMIO_NAME ": refusing to load: kernel internal kallsyms_lookup_name cannot be found (kprobe)\n");
		return 0;
	}
	return smmio_ibt_call_lookup(smmio_kallsyms_lookup,
				     smmio_test_rename(name));
}

/*
 * An internal the runtime cannot work without: its address, or 0 after
 * the one log line that refuses the load, naming it.
 */
unsigned long smmio_require_symbol(const char *name)
{
	unsigned long addr = smmio_lookup_symbol(name);

	if (!addr && smmio_kallsyms_lookup)
		pr_err(SMMIO_NAME ": refusing to load: kernel internal %s is missing (kallsyms does not know it)\n",
		       name);
	return addr;
}
