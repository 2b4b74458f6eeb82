// SPDX-License-Identifier: GPL-2.0
/*
 * Bring the kernel's kmmio up, and share it with the
 * kernel's own mmiotrace tracer.
 *
 * kmmio is not initialised until the mmiotrace tracer is enabled
 * (register_kmmio_probe() before kmmio_init() oopses).  The tracer calls
 * kmmio_init() on every enable, which re-initialises the page hash table
 * (losing pages armed by anyone else) and registers the die notifier a
 * second time (a WARN); it calls kmmio_cleanup() on disable, which removes
 * the notifier that runs every post handler.
 *
 * The rule while this module is loaded: only this module initialises and
 * tears down kmmio.
 *   load:   kmmio_init(), unless the tracer is enabled (kmmio is up already)
 *   unload: kmmio_cleanup(), unless the tracer is enabled (it will do it)
 * In between, kprobes on kmmio_init() and kmmio_cleanup() turn the tracer's
 * calls into "return 0".  Both decisions are taken under the tracer's own
 * mmiotrace_mutex, so they cannot interleave with an enable or a disable.
 */
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/security.h>
#include "internal.h"

static struct mutex *smmio_tracer_mutex;
static atomic_t *smmio_tracer_state;
static unsigned int *smmio_kmmio_count_p;
static int (*smmio_kmmio_init)(void);
static void (*smmio_kmmio_cleanup)(void);

/* Written under smmio_tracer_mutex; read by the kprobe handlers. */
static bool smmio_owns_kmmio;

/* Where a skipped kmmio_init()/kmmio_cleanup() call goes instead. */
static noinline int smmio_return_zero(void)
{
	barrier();
	return 0;
}

/*
 * kprobe pre-handler on kmmio_init() and kmmio_cleanup(): while we own
 * kmmio, send the call to smmio_return_zero(), which returns straight to
 * the caller.  Returning 1 tells kprobes we changed regs->ip.
 */
static int smmio_skip_call(struct kprobe *p, struct pt_regs *regs)
{
	if (!READ_ONCE(smmio_owns_kmmio))
		return 0;
	instruction_pointer_set(regs, (unsigned long)smmio_return_zero);
	return 1;
}

static struct kprobe smmio_init_hook = {
	.symbol_name = "kmmio_init",
	.pre_handler = smmio_skip_call,
};

static struct kprobe smmio_cleanup_hook = {
	.symbol_name = "kmmio_cleanup",
	.pre_handler = smmio_skip_call,
};

/* kmmio's count of registered probes (everyone's, not only ours). */
unsigned int smmio_kmmio_count(void)
{
	return smmio_kmmio_count_p ? READ_ONCE(*smmio_kmmio_count_p) : 0;
}

bool smmio_tracer_enabled(void)
{
	return smmio_tracer_state && atomic_read(smmio_tracer_state);
}

static int smmio_find_kmmio_symbols(void)
{
	smmio_kmmio_init = (void *)smmio_lookup_symbol("kmmio_init");
	smmio_kmmio_cleanup = (void *)smmio_lookup_symbol("kmmio_cleanup");
	smmio_tracer_mutex = (void *)smmio_lookup_symbol("mmiotrace_mutex");
	smmio_tracer_state = (void *)smmio_lookup_symbol("mmiotrace_enabled");
	smmio_kmmio_count_p = (void *)smmio_lookup_symbol("kmmio_count");
	if (!smmio_kmmio_init || !smmio_kmmio_cleanup ||
	    !smmio_tracer_mutex || !smmio_tracer_state) {
		pr_err(SMMIO_NAME ": this kernel's kmmio/mmiotrace symbols are missing (needs CONFIG_MMIOTRACE=y and CONFIG_KALLSYMS_ALL=y)\n");
		return -ENOENT;
	}
	return 0;
}

/* Process context: may sleep. */
int smmio_kmmio_acquire(void)
{
	int ret;

	ret = smmio_find_kmmio_symbols();
	if (ret)
		return ret;
	ret = register_kprobe(&smmio_init_hook);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot hook kmmio_init: %d\n", ret);
		return ret;
	}
	ret = register_kprobe(&smmio_cleanup_hook);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot hook kmmio_cleanup: %d\n", ret);
		unregister_kprobe(&smmio_init_hook);
		return ret;
	}

	mutex_lock(smmio_tracer_mutex);
	if (!smmio_tracer_enabled())
		ret = smmio_kmmio_init();
	if (!ret)
		WRITE_ONCE(smmio_owns_kmmio, true);
	mutex_unlock(smmio_tracer_mutex);

	if (ret) {
		pr_err(SMMIO_NAME ": kmmio_init failed: %d\n", ret);
		unregister_kprobe(&smmio_cleanup_hook);
		unregister_kprobe(&smmio_init_hook);
	}
	return ret;
}

/*
 * Process context, with no probe of ours registered any more.  Waits for
 * kmmio's own RCU callbacks to take the released pages out of its page
 * table first: kmmio_cleanup() WARNs when the table is not empty.
 */
void smmio_kmmio_release(void)
{
	synchronize_rcu();
	rcu_barrier();
	rcu_barrier();

	mutex_lock(smmio_tracer_mutex);
	WRITE_ONCE(smmio_owns_kmmio, false);
	if (!smmio_tracer_enabled())
		smmio_kmmio_cleanup();
	mutex_unlock(smmio_tracer_mutex);

	unregister_kprobe(&smmio_cleanup_hook);
	unregister_kprobe(&smmio_init_hook);
}

/*
 * The kernel's own tracer refuses to run when the kernel is locked down
 * (LOCKDOWN_MMIOTRACE): so do sessions.  Any context.
 */
int smmio_lockdown_refuses(void)
{
	int ret = security_locked_down(LOCKDOWN_MMIOTRACE);

	if (ret)
		pr_warn_ratelimited(SMMIO_NAME ": the kernel is locked down (LOCKDOWN_MMIOTRACE): refusing to trace MMIO\n");
	return ret;
}
