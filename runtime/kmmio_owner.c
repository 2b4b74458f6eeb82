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
 *   load:   kmmio_init()'s work, unless the tracer is enabled (kmmio is up)
 *   unload: kmmio_cleanup()'s work, unless the tracer is enabled (it will
 *           do it)
 * In between, kprobes on kmmio_init() and kmmio_cleanup() turn the tracer's
 * calls into "return 0".  Both decisions are taken under the tracer's own
 * mmiotrace_mutex, so they cannot interleave with an enable or a disable.
 *
 * kmmio_init() and kmmio_cleanup() are never called from here: on IBT
 * hardware both are sealed (nothing in the kernel calls them through a
 * pointer), and a call through a pointer would be a #CP.  What they do is
 * small, and done here with data and exported API (6.12,
 * arch/x86/mm/kmmio.c):
 *   kmmio_init():    INIT_LIST_HEAD() on each of the 16 heads of the static
 *                    kmmio_page_table[], register_die_notifier(&nb_die)
 *   kmmio_cleanup(): unregister_die_notifier(&nb_die), WARN when a head of
 *                    kmmio_page_table[] is not empty
 * Both internals are found by name and checked before anything touches
 * them: nb_die.notifier_call must be kmmio_die_notifier, kallsyms must see
 * kmmio_page_table as exactly 16 list heads, and with the tracer disabled
 * each head must be all-zero (kmmio never initialised) or an empty list.
 * Anything else refuses the load with one line naming the internal.
 */
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/notifier.h>
#include <linux/kdebug.h>
#include <linux/kallsyms.h>
#include <linux/security.h>
#include "internal.h"

/* arch/x86/mm/kmmio.c: KMMIO_PAGE_TABLE_SIZE (1 << KMMIO_PAGE_HASH_BITS) */
#define SMMIO_KMMIO_PAGE_TABLE_SIZE	16

static struct mutex *smmio_tracer_mutex;
static atomic_t *smmio_tracer_state;
static unsigned int *smmio_kmmio_count_p;
static struct list_head *smmio_kmmio_page_table;
static struct notifier_block *smmio_kmmio_nb_die;

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

/*
 * Lockdown: the kernel refuses MMIO tracing under lockdown
 * (LOCKDOWN_MMIOTRACE, arch/x86/mm/testmmiotrace.c); so do we.
 * -EPERM (and one log line) when refused, else 0.  Any context: a
 * session's start() calls it from the script's begin probe.
 */
int smmio_lockdown_refuses(void)
{
	int ret = security_locked_down(LOCKDOWN_MMIOTRACE);

	if (!ret)
		return 0;
	pr_err_once(SMMIO_NAME ": refused: the kernel is locked down (MMIO tracing) (%d)\n",
		    ret);
	return -EPERM;
}

/*
 * Is @addr the start of kernel symbol @name, @size bytes long (0: any
 * size)?  kallsyms's own view, through the exported sprint_symbol():
 * "name+0x0/0xSIZE".
 */
static bool smmio_symbol_is(unsigned long addr, const char *name,
			    unsigned long size)
{
	char buf[KSYM_SYMBOL_LEN], want[KSYM_NAME_LEN + 8];
	size_t n;

	sprint_symbol(buf, addr);
	n = scnprintf(want, sizeof(want), "%s+0x0/", name);
	if (strncmp(buf, want, n))
		return false;
	if (!size)
		return true;
	scnprintf(want, sizeof(want), "%#lx", size);
	return !strcmp(buf + n, want);
}

/* One line naming the internal that is not what kmmio.c makes it. */
static int smmio_bad_shape(const char *what)
{
	pr_err(SMMIO_NAME ": refusing to load: kernel internal %s does not have the shape of 6.12's arch/x86/mm/kmmio.c\n",
	       what);
	return -EOPNOTSUPP;
}

static int smmio_find_kmmio_symbols(void)
{
	unsigned long die_notifier;

	/* Each missing internal refuses the load with one line naming it. */
	smmio_tracer_mutex = (void *)smmio_require_symbol("mmiotrace_mutex");
	if (!smmio_tracer_mutex)
		return -EOPNOTSUPP;
	smmio_tracer_state = (void *)smmio_require_symbol("mmiotrace_enabled");
	if (!smmio_tracer_state)
		return -EOPNOTSUPP;
	smmio_kmmio_count_p = (void *)smmio_require_symbol("kmmio_count");
	if (!smmio_kmmio_count_p)
		return -EOPNOTSUPP;
	smmio_kmmio_page_table = (void *)smmio_require_symbol("kmmio_page_table");
	if (!smmio_kmmio_page_table)
		return -EOPNOTSUPP;
	smmio_kmmio_nb_die = (void *)smmio_require_symbol("nb_die");
	if (!smmio_kmmio_nb_die)
		return -EOPNOTSUPP;
	die_notifier = smmio_require_symbol("kmmio_die_notifier");
	if (!die_notifier)
		return -EOPNOTSUPP;

	/* Fixed at build time: checked once, before anything touches them. */
	if (!smmio_symbol_is((unsigned long)smmio_kmmio_nb_die, "nb_die", 0))
		return smmio_bad_shape("nb_die (kallsyms does not see it as a symbol of its own)");
	if (READ_ONCE(smmio_kmmio_nb_die->notifier_call) !=
	    (notifier_fn_t)die_notifier)
		return smmio_bad_shape("nb_die (its notifier_call is not kmmio_die_notifier)");
	if (!smmio_symbol_is((unsigned long)smmio_kmmio_page_table,
			     "kmmio_page_table",
			     SMMIO_KMMIO_PAGE_TABLE_SIZE * sizeof(struct list_head)))
		return smmio_bad_shape("kmmio_page_table (kallsyms does not size it as 16 list heads)");
	return 0;
}

/*
 * Under mmiotrace_mutex, the tracer disabled: may we initialise kmmio?
 * Each head must be all-zero (kmmio_init() never ran) or an empty list
 * (kmmio_cleanup() ran since, or our previous load); and no one may have a
 * kmmio probe registered.
 */
static int smmio_check_page_table(void)
{
	struct list_head *head;
	int i;

	for (i = 0; i < SMMIO_KMMIO_PAGE_TABLE_SIZE; i++) {
		head = &smmio_kmmio_page_table[i];
		if (!head->next && !head->prev)
			continue;
		if (head->next == head && head->prev == head)
			continue;
		return smmio_bad_shape("kmmio_page_table (a head is neither zero nor an empty list with the tracer off)");
	}
	if (smmio_kmmio_count())
		return smmio_bad_shape("kmmio_count (kmmio probes registered with the tracer off)");
	return 0;
}

/* kmmio_init()'s work; under mmiotrace_mutex, the tracer disabled. */
static int smmio_kmmio_init(void)
{
	int i, ret;

	ret = smmio_check_page_table();
	if (ret)
		return ret;
	for (i = 0; i < SMMIO_KMMIO_PAGE_TABLE_SIZE; i++)
		INIT_LIST_HEAD(&smmio_kmmio_page_table[i]);
	ret = register_die_notifier(smmio_kmmio_nb_die);
	if (ret)
		pr_err(SMMIO_NAME ": cannot register kmmio's die notifier: %d\n",
		       ret);
	return ret;
}

/* kmmio_cleanup()'s work; under mmiotrace_mutex, the tracer disabled. */
static void smmio_kmmio_cleanup(void)
{
	int i;

	unregister_die_notifier(smmio_kmmio_nb_die);
	for (i = 0; i < SMMIO_KMMIO_PAGE_TABLE_SIZE; i++)
		WARN_ONCE(!list_empty(&smmio_kmmio_page_table[i]),
			  SMMIO_NAME ": kmmio_page_table not empty at cleanup\n");
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
		unregister_kprobe(&smmio_cleanup_hook);
		unregister_kprobe(&smmio_init_hook);
	}
	return ret;
}

/*
 * Process context, with no probe of ours registered any more.  Waits for
 * kmmio's own RCU callbacks to take the released pages out of its page
 * table first: the cleanup WARNs when the table is not empty.
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
