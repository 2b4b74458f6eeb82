// SPDX-License-Identifier: GPL-2.0
/*
 * Make kmmio work with several CPUs online: one single step at a time,
 * and no stale TLB entry left on the other CPUs.
 *
 * 1. Serialised steps.
 * kmmio is not safe when two CPUs fault on the same armed page at once:
 * both disarm it, both single-step, both re-arm it; the second re-arm
 * WARNs ("kmmio page already armed") and saves the already cleared entry
 * as the page's old state, so a later access oopses.  The kernel's own
 * mmiotrace avoids this by taking all CPUs but one offline.
 *
 * We serialise instead: our pre handler runs inside kmmio_handler() before
 * kmmio disarms anything, and a CPU that faults waits there until the CPU
 * that stepped last has left kmmio's handlers (its kmmio context is no
 * longer active, which kmmio clears after re-arming the page).  The wait
 * is short: the other CPU is single-stepping one instruction with
 * interrupts off, and needs nothing from us to finish.
 *
 * kmmio's per-CPU context is not exported; we find it by name and mirror
 * the layout of struct kmmio_context (arch/x86/mm/kmmio.c, unchanged since
 * 2008).  Without it, sessions on more than one online CPU are refused
 * unless the runtime was loaded with lossless=1.
 *
 * 2. TLB shootdown.  While a page is disarmed for a step, another CPU may
 * access it and cache the present entry in its TLB; kmmio re-arms with a
 * local flush only, and kernel mappings are global, so that CPU would
 * bypass the armed page for good.  After a step on an SMP system the post
 * handler raises an irq_work (NMI-safe: the debug trap is NMI-like); as
 * soon as interrupts are back on, it sends every other CPU an asynchronous
 * IPI that flushes its TLB (smp_call_function_single_async() may be called
 * with interrupts off).  Accesses by other CPUs in the step window and
 * before the flush lands go unseen, and are counted as maybe_missed.
 *
 * The flush is the whole TLB, global entries and every PCID included (a
 * CPU may have cached the page under another address space's kernel PCID
 * when page table isolation is on, and INVLPG reaches only the current
 * one).  The kernel's own __flush_tlb_all() was exported to modules up to
 * 6.x and only to KVM's module namespace since, as are cr4_update_irqsoff()
 * and cr4_read_shadow(); flush_tlb_kernel_range() and
 * flush_tlb_one_kernel() are not exported at all.  So it is done with what
 * every kernel's headers inline, as the kernel's native_flush_tlb_global()
 * and flush_tlb_local() do: INVPCID "all contexts, global included" when
 * the CPU has it, else CR4.PGE off and back on (which flushes every entry
 * of every PCID; CR4 ends as it was, so the kernel's shadow of it stays
 * right), else a CR3 reload (no PGE: no global pages, and the kernel
 * enables PCIDs only with PGE).
 */
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/irq_work.h>
#include <asm/tlbflush.h>
#include <asm/invpcid.h>
#include <asm/special_insns.h>
#include "internal.h"

/* Mirror of arch/x86/mm/kmmio.c's struct kmmio_context. */
struct smmio_kmmio_context {
	void *fpage;
	void *probe;
	unsigned long saved_flags;
	unsigned long addr;
	int active;
};

static struct smmio_kmmio_context __percpu *smmio_kmmio_ctx;
static atomic_t smmio_step_owner = ATOMIC_INIT(-1);

/* Can concurrent faults on several CPUs be made safe? */
bool smmio_steps_serialised(void)
{
	return smmio_kmmio_ctx || num_online_cpus() == 1;
}

/* Has @cpu left kmmio's handlers since its last step? */
static bool smmio_cpu_done_stepping(int cpu)
{
	return !READ_ONCE(per_cpu_ptr(smmio_kmmio_ctx, cpu)->active);
}

/*
 * Called from the pre handler, interrupts off, before kmmio disarms the
 * page: take the step, waiting for the last stepper to be done.
 */
void smmio_step_begin(void)
{
	int me = smp_processor_id(), owner;

	if (!smmio_kmmio_ctx)
		return;
	for (;;) {
		owner = atomic_read(&smmio_step_owner);
		if ((owner < 0 || owner == me ||
		     smmio_cpu_done_stepping(owner)) &&
		    atomic_cmpxchg(&smmio_step_owner, owner, me) == owner)
			return;
		cpu_relax();
	}
}

/* CR4 as it is, written back with PGE flipped and then as it was. */
static __always_inline void smmio_toggle_cr4_pge(void)
{
	unsigned long cr4 = native_read_cr4();

	asm volatile("mov %0, %%cr4" : : "r" (cr4 ^ X86_CR4_PGE) : "memory");
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
}

/*
 * IPI, interrupts off: flush this CPU's whole TLB (see the top).  Also
 * what mappings.c has every CPU do after arming pages.
 */
void smmio_flush_local_tlb(void *unused)
{
	if (boot_cpu_has(X86_FEATURE_INVPCID))
		invpcid_flush_all();
	else if (native_read_cr4() & X86_CR4_PGE)
		smmio_toggle_cr4_pge();
	else
		native_write_cr3(__native_read_cr3());
}

/* One async IPI slot per target CPU; a busy slot means a flush is due. */
static DEFINE_PER_CPU(call_single_data_t, smmio_flush_csd);

/* Hardirq context: send every other CPU a flush, without waiting. */
static void smmio_tlb_irq_work_fn(struct irq_work *work)
{
	int me = smp_processor_id(), cpu;

	for_each_online_cpu(cpu)
		if (cpu != me)
			smp_call_function_single_async(cpu,
					per_cpu_ptr(&smmio_flush_csd, cpu));
}

static DEFINE_IRQ_WORK(smmio_tlb_irq_work, smmio_tlb_irq_work_fn);

/* Post handler, NMI-like context: ask for a TLB flush on every CPU. */
void smmio_step_end(void)
{
	if (num_online_cpus() > 1)
		irq_work_queue(&smmio_tlb_irq_work);
}

static void smmio_nothing(void *unused)
{
}

/* Process context, at load. */
void smmio_step_serialise_init(void)
{
	int cpu;

	smmio_kmmio_ctx = (void __percpu *)smmio_lookup_symbol("kmmio_ctx");
	if (!smmio_kmmio_ctx)
		pr_warn(SMMIO_NAME ": kernel internal kmmio_ctx is missing: sessions with several CPUs online need lossless=1\n");
	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(&smmio_flush_csd, cpu),
			 smmio_flush_local_tlb, NULL);
}

/*
 * Process context, at unload: nothing of ours may run after this.  A CPU
 * runs its queued cross-CPU calls in order, so once a waited-for call has
 * run everywhere, our async flushes have too.
 */
void smmio_kmmio_smp_exit(void)
{
	irq_work_sync(&smmio_tlb_irq_work);
	on_each_cpu(smmio_nothing, NULL, 1);
}
