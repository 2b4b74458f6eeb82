// SPDX-License-Identifier: GPL-2.0
/*
 * kmmio's pre and post handlers: the step with the page present, for the
 * accesses of ours that the fault path (fault.c) leaves to kmmio: an
 * instruction the decoder does not know, or one that can be neither
 * emulated nor stepped through the second mapping.
 *
 * While kmmio steps, the page is present for every CPU: their accesses in
 * that window go unseen.  Each access handled here is counted by form
 * (debugfs "forms"), and flagged STAP_MMIO_EV_SMP_WINDOW (maybe_missed)
 * when other CPUs were online.
 *
 * Contexts, as kmmio calls us:
 *   smmio_pre_handler()   page-fault handler, interrupts off, before the
 *                         instruction runs (the page is still not present)
 *   smmio_post_handler()  debug-trap die notifier, interrupts off, after
 *                         the single step (an NMI-like context)
 * Between the two, kmmio holds the RCU read lock and preemption is off, so
 * the per-CPU state cannot be reused under us.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include "fault.h"

void smmio_pre_handler(struct kmmio_probe *p, struct pt_regs *regs,
		       unsigned long addr)
{
	struct smmio_cpu_state *st = smmio_state();
	u64 t0 = smmio_prof_start();

	smmio_step_begin();
	smmio_count(SMMIO_FAULTS);
	st->span = p->private;
	st->fault_addr = addr;
	st->ip = instruction_pointer(regs);
	st->dec = &smmio_not_decoded;
	if (!user_mode(regs))
		smmio_decode_insn(st);
	if (st->dec->ok)
		smmio_capture_before(st, regs);
	smmio_count_form(SMMIO_PLAN_KMMIO, st->dec->ok ? &st->dec->insn : NULL);
	st->smp_window = num_online_cpus() > 1;
	if (st->smp_window)
		smmio_count(SMMIO_MAYBE_MISSED);
	st->prof_pre_end = 0;
	if (t0) {
		st->prof_pre_end = local_clock();
		this_cpu_add(smmio_counters[SMMIO_PROF_PRE_NS],
			     st->prof_pre_end - t0);
	}
}

void smmio_post_handler(struct kmmio_probe *p, unsigned long condition,
			struct pt_regs *regs)
{
	struct smmio_cpu_state *st = smmio_state();
	u64 t0 = smmio_prof_start();

	if (st->span != p->private)
		return;
	smmio_step_end();
	if (t0 && st->prof_pre_end)
		this_cpu_add(smmio_counters[SMMIO_PROF_STEP_NS],
			     t0 - st->prof_pre_end);
	rcu_read_lock();
	if (!st->dec->ok)
		smmio_emit_unknown(st, regs);
	else
		smmio_emit_stepped(st, regs, st->smp_window ?
				   STAP_MMIO_EV_SMP_WINDOW : 0);
	rcu_read_unlock();
	st->span = NULL;
	if (t0) {
		smmio_count(SMMIO_PROF_ACCESSES);
		smmio_prof_add(SMMIO_PROF_POST_NS, t0);
	}
}

NOKPROBE_SYMBOL(smmio_pre_handler);
NOKPROBE_SYMBOL(smmio_post_handler);
NOKPROBE_SYMBOL(smmio_step_begin);
NOKPROBE_SYMBOL(smmio_step_end);
