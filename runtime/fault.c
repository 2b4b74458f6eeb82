// SPDX-License-Identifier: GPL-2.0
/*
 * Take every fault on an armed page of ours before kmmio does anything
 * with it, and handle it without ever making the page present.
 *
 * kmmio's own handler always disarms the faulting page and single-steps
 * the instruction: while it steps, the page is present for every CPU and
 * their accesses go unseen.  So an ftrace callback at the entry of
 * kmmio_handler(regs, addr) looks the page up among our armed spans and,
 * for ours, moves the call to smmio_fault(), which has kmmio_handler()'s
 * signature and returns 1 (handled) to the page-fault handler in its
 * place.  No function of the kernel is called through a pointer: ftrace
 * returns into ours.
 * Every other page, the kernel's mmiotrace tracer's included, is left to
 * kmmio untouched.
 *
 * How an access of ours is handled (enum smmio_plan):
 *   EMULATE  mmio_emulate() makes the access through the span's second
 *            mapping and writes the registers; RIP moves past the
 *            instruction.  One trap.
 *   REBASE   the register that addresses the memory operand is moved by
 *            (second mapping - first), the instruction is single-stepped
 *            with interrupts off, and the debug trap moves the register
 *            back and delivers the events.  Two traps; the page stays
 *            armed, so no other CPU's access is lost either.
 *   KMMIO    what is left (an instruction the decoder does not know, an
 *            address register the instruction also uses as data): kmmio
 *            steps it with the page present, calling our pre and post
 *            handlers (kmmio_probe.c).  Counted, and flagged when other
 *            CPUs were online.
 *
 * The functions every emulated access runs are NOKPROBE_SYMBOL and
 * notrace: no kprobe and no function tracer hooks the fault path (a
 * mcount-style entry costs an instruction per call even when off).  The
 * one exception is stap_mmio_event(), which stap probes through ftrace.
 *
 * smmio_fault() runs outside any ftrace callback, so stap's probe on
 * stap_mmio_event() fires in it (ftrace and kprobes do not nest).  The
 * decision is taken in the callback and passed in per-CPU state: interrupts
 * stay off from the fault to smmio_fault(), so nothing runs in between.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ftrace.h>
#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/err.h>
#include <linux/percpu.h>
#include <linux/mm.h>
#include <asm/debugreg.h>
#include "fault.h"

/* Allocated at load: a module's static per-CPU space is small. */
struct smmio_cpu_states __percpu *smmio_cpu;

/* Where @addr of @span is in the span's second mapping. */
static unsigned long smmio_alias_of(const struct smmio_span *span,
				    unsigned long addr)
{
	return (unsigned long)span->alias + (addr - span->probe.addr);
}

/* Does the operand at @ea, @width bytes wide, contain the fault? */
static bool smmio_covers(unsigned long ea, unsigned int width,
			 unsigned long fault)
{
	return fault >= ea && fault - ea < width;
}

/*
 * Which register to move, and by how much, so that the instruction's one
 * memory operand lands in the second mapping; false when no register can
 * be moved without changing what else the instruction computes.
 */
static bool smmio_rebase_plan(struct smmio_cpu_state *st,
			      struct pt_regs *regs)
{
	const struct mmio_insn *in = &st->dec->insn;
	long delta = smmio_alias_of(st->span, st->fault_addr) - st->fault_addr;
	u16 data = mmio_insn_data_regs(in);
	struct mmio_regs r smmio_noinit;
	unsigned int reg;

	if (in->xflags & (MMIO_XF_FSGS | MMIO_XF_ADDR32 | MMIO_XF_BITBASE) ||
	    !st->span->alias)
		return false;
	switch (in->string_op) {
	case MMIO_STR_NONE:
		break;
	case MMIO_STR_MOVS:
		/* The other side must be RAM: it is not moved. */
		st->rebase_delta = delta;
		if (smmio_covers(regs->si, in->width, st->fault_addr)) {
			st->rebase_reg = 6;
			return smmio_is_ram(regs->di, in->width);
		}
		st->rebase_reg = 7;
		return smmio_covers(regs->di, in->width, st->fault_addr) &&
		       smmio_is_ram(regs->si, in->width);
	case MMIO_STR_STOS:
		st->rebase_reg = 7;
		st->rebase_delta = delta;
		return smmio_covers(regs->di, in->width, st->fault_addr);
	case MMIO_STR_LODS:
		st->rebase_reg = 6;
		st->rebase_delta = delta;
		return smmio_covers(regs->si, in->width, st->fault_addr);
	default:
		return false;
	}
	if (!in->modrm_mem || in->ea_base == MMIO_EA_RIP ||
	    in->access == 0 || in->width == 0)
		return false;
	smmio_regs_load(&r, regs);
	if (!smmio_covers(mmio_insn_ea(in, &r), in->width, st->fault_addr))
		return false;
	/* Never rsp; never a register the instruction also reads as data. */
	reg = in->ea_base;
	if (reg < 16 && reg != 4 && reg != in->ea_index &&
	    !(data & BIT(reg))) {
		st->rebase_reg = reg;
		st->rebase_delta = delta;
		return true;
	}
	reg = in->ea_index;
	if (reg < 16 && reg != 4 && reg != in->ea_base &&
	    !(data & BIT(reg)) && in->ea_scale &&
	    delta % in->ea_scale == 0) {
		st->rebase_reg = reg;
		st->rebase_delta = delta / in->ea_scale;
		return true;
	}
	return false;
}

/*
 * Step the instruction with its address register moved: values written
 * are captured now, values read in the debug trap.  Interrupts stay off
 * for the step; RCU is held until the trap (the span must not go).
 */
static void smmio_rebase_begin(struct smmio_cpu_state *st,
			       struct pt_regs *regs)
{
	smmio_capture_before(st, regs);
	*smmio_gpr(regs, st->rebase_reg) += st->rebase_delta;
	st->saved_flags = regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_IF);
	regs->flags |= X86_EFLAGS_TF;
	regs->flags &= ~X86_EFLAGS_IF;
	st->stepping = true;
	rcu_read_lock_sched_notrace();
	if (st->prof_t0)
		st->prof_pre_end = local_clock();
}

/* The debug trap after a REBASE step: undo, deliver. */
static int smmio_step_notify(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct smmio_cpu_state *st = smmio_state();
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	unsigned long *dr6;
	u64 t0;

	/* DIE_DEBUG passes a pointer to DR6 in ->err (as kmmio reads it). */
	if (val != DIE_DEBUG || !st->stepping)
		return NOTIFY_DONE;
	dr6 = (unsigned long *)ERR_PTR(args->err);
	if (!(*dr6 & DR_STEP))
		return NOTIFY_DONE;
	st->stepping = false;
	t0 = smmio_prof_start();
	if (t0 && st->prof_pre_end)
		this_cpu_add(smmio_counters[SMMIO_PROF_STEP_NS],
			     t0 - st->prof_pre_end);
	*smmio_gpr(regs, st->rebase_reg) -= st->rebase_delta;
	regs->flags &= ~(X86_EFLAGS_TF | X86_EFLAGS_IF);
	regs->flags |= st->saved_flags;
	smmio_emit_stepped(st, regs, STAP_MMIO_EV_STEPPED);
	rcu_read_unlock_sched_notrace();
	if (t0) {
		smmio_count(SMMIO_PROF_ACCESSES);
		smmio_prof_add(SMMIO_PROF_POST_NS, t0);
	}
	/* Someone else single-steps this code too: let them see the trap. */
	if (st->saved_flags & X86_EFLAGS_TF)
		return NOTIFY_DONE;
	*dr6 &= ~DR_STEP;	/* consumed */
	return NOTIFY_STOP;
}

static struct notifier_block smmio_step_nb = {
	.notifier_call = smmio_step_notify,
	.priority = INT_MAX,	/* before kmmio's, which ignores our steps */
};

/*
 * Runs in place of kmmio_handler() for a fault on one of our pages, in
 * the page-fault handler with interrupts off.  Returns 1: the fault is
 * handled (the instruction was emulated, is being stepped, or is to be
 * retried).
 */
static noinline notrace int smmio_fault(struct pt_regs *regs,
					unsigned long addr)
{
	struct smmio_cpu_state *st = smmio_state();
	u64 t0 = st->prof_t0;

	if (st->plan == SMMIO_PLAN_EMULATE) {
		int ret;

		/* Interrupts are off: this is an RCU read side already. */
		rcu_read_lock_sched_notrace();
		this_cpu_inc(smmio_cpu->depth);
		ret = smmio_emulate_fault(st, regs);
		this_cpu_dec(smmio_cpu->depth);
		if (ret == MMIO_EMU_OK) {
			rcu_read_unlock_sched_notrace();
			smmio_count_form(SMMIO_PLAN_EMULATE, &st->dec->insn);
			if (t0) {
				smmio_count(SMMIO_PROF_ACCESSES);
				smmio_prof_add(SMMIO_PROF_EMULATE_NS, t0);
			}
			return 1;
		}
		rcu_read_unlock_sched_notrace();
		if (!smmio_rebase_plan(st, regs)) {
			/*
			 * Nothing was accessed: run the instruction again;
			 * its next fault goes to kmmio (smmio_kmmio_hook()).
			 */
			st->retry_ip = st->ip;
			st->retry_addr = addr;
			return 1;
		}
		st->plan = SMMIO_PLAN_REBASE;
	}
	smmio_count_form(SMMIO_PLAN_REBASE, &st->dec->insn);
	if (t0)
		smmio_prof_add(SMMIO_PROF_PRE_NS, t0);
	smmio_rebase_begin(st, regs);
	return 1;
}

/*
 * The hooked call's arguments, and where it is to continue.  With
 * DYNAMIC_FTRACE_WITH_ARGS (x86 since 5.11) the plain trampoline saves the
 * argument registers and honours a new ip, as livepatch relies on: no
 * need to save every register.
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define SMMIO_HOOK_FLAGS	FTRACE_OPS_FL_IPMODIFY
#define smmio_hook_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#define smmio_hook_set_ip(fregs, ip)	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define SMMIO_HOOK_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY)
#define smmio_hook_arg(fregs, n) \
	regs_get_kernel_argument(ftrace_get_regs(fregs), n)
#define smmio_hook_set_ip(fregs, ip) \
	instruction_pointer_set(ftrace_get_regs(fregs), ip)
#endif

/*
 * ftrace callback at the entry of kmmio_handler(regs, addr): for our
 * pages, decide how to handle the access and make ftrace return into
 * smmio_fault() instead (IPMODIFY); else let kmmio run.  Interrupts are
 * off (the page-fault handler has not enabled them yet).  Nothing here
 * calls a function that kmmio_handler() could be reached from, so the
 * callback needs no recursion guard.
 */
static void notrace smmio_kmmio_hook(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct smmio_cpu_states *all = this_cpu_ptr(smmio_cpu);
	struct pt_regs *regs = (struct pt_regs *)smmio_hook_arg(fregs, 0);
	unsigned long addr = smmio_hook_arg(fregs, 1);
	struct smmio_cpu_state *st;
	struct smmio_span *span;

	/* Every page fault comes here while kmmio has a page armed. */
	span = smmio_span_lookup(addr);
	if (!span || user_mode(regs) || all->depth >= SMMIO_NEST_MAX - 1)
		return;
	st = &all->st[all->depth];
	if (st->stepping)
		return;
	st->prof_t0 = smmio_prof_start();
	st->prof_pre_end = 0;
	st->span = span;
	st->fault_addr = addr;
	st->ip = instruction_pointer(regs);
	st->plan = SMMIO_PLAN_KMMIO;
	if (st->retry_ip == st->ip && st->retry_addr == addr) {
		st->retry_ip = 0;
		return;
	}
	smmio_decode_insn(st);
	if (!st->dec->ok)
		return;
	if (st->dec->emulatable && span->alias)
		st->plan = SMMIO_PLAN_EMULATE;
	else if (smmio_rebase_plan(st, regs))
		st->plan = SMMIO_PLAN_REBASE;
	else
		return;
	smmio_count(SMMIO_FAULTS);
	smmio_hook_set_ip(fregs, (unsigned long)smmio_fault);
}

/*
 * IPMODIFY to move the call.  Not FTRACE_OPS_FL_RECURSION: the trampoline
 * calls the hook directly, with no list function between.
 */
static struct ftrace_ops smmio_kmmio_ops = {
	.func = smmio_kmmio_hook,
	.flags = SMMIO_HOOK_FLAGS,
};

static unsigned long smmio_kmmio_handler_addr;

/* Process context, at load: before any page of ours is armed. */
int smmio_fault_init(void)
{
	unsigned long addr;
	int ret;

	addr = smmio_require_symbol("kmmio_handler");
	if (!addr)
		return -ENOENT;
	smmio_cpu = alloc_percpu(struct smmio_cpu_states);
	if (!smmio_cpu)
		return -ENOMEM;
	ret = ftrace_set_filter_ip(&smmio_kmmio_ops, addr, 0, 0);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot trace kmmio_handler: %d\n", ret);
		goto out_free;
	}
	ret = register_die_notifier(&smmio_step_nb);
	if (ret)
		goto out_filter;
	ret = register_ftrace_function(&smmio_kmmio_ops);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot hook kmmio_handler: %d\n", ret);
		goto out_die;
	}
	smmio_kmmio_handler_addr = addr;
	return 0;
out_die:
	unregister_die_notifier(&smmio_step_nb);
out_filter:
	ftrace_set_filter_ip(&smmio_kmmio_ops, addr, 1, 0);
out_free:
	free_percpu(smmio_cpu);
	return ret;
}

/* Process context, at unload: no page of ours is armed any more. */
void smmio_fault_exit(void)
{
	unregister_ftrace_function(&smmio_kmmio_ops);
	ftrace_set_filter_ip(&smmio_kmmio_ops, smmio_kmmio_handler_addr, 1, 0);
	unregister_die_notifier(&smmio_step_nb);
	free_percpu(smmio_cpu);
}

NOKPROBE_SYMBOL(smmio_alias_of);
NOKPROBE_SYMBOL(smmio_covers);
NOKPROBE_SYMBOL(smmio_rebase_plan);
NOKPROBE_SYMBOL(smmio_rebase_begin);
NOKPROBE_SYMBOL(smmio_step_notify);
NOKPROBE_SYMBOL(smmio_fault);
NOKPROBE_SYMBOL(smmio_kmmio_hook);
NOKPROBE_SYMBOL(mmio_insn_ea);
NOKPROBE_SYMBOL(mmio_insn_data_regs);
