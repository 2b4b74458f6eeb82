/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fault path's parts share: one access in flight per CPU.
 *
 * The path, in the order an access takes it:
 *   fault.c        the hook at the entry of kmmio_handler(): is the page
 *                  ours, which way to handle it (emulate, step through the
 *                  second mapping, or leave it to kmmio's own step)
 *   insn_cache.c   fetch and decode the instruction, cached per CPU
 *   emulate_env.c  the emulator's world in the kernel: the second
 *                  mapping, RAM, registers; each access becomes an event
 *   capture.c      values of single-stepped accesses, before and after
 *   kmmio_probe.c  kmmio's pre/post handlers: the step with the page
 *                  present, for what cannot be emulated or redirected
 *   dispatch.c     the event to every session that wants it
 *
 * Everything here runs with interrupts off, in the page-fault handler or
 * the debug trap, on the CPU that faulted: per-CPU state needs no lock.
 */
#ifndef STAP_MMIO_FAULT_H
#define STAP_MMIO_FAULT_H

#include <linux/ptrace.h>
#include "internal.h"
#include "mmio_decode.h"
#include "mmio_emulate.h"

/* How an access is handled (smmio_cpu_state.plan). */
enum smmio_plan {
	SMMIO_PLAN_KMMIO = 0,	/* kmmio's step, page present for all CPUs */
	SMMIO_PLAN_EMULATE,	/* emulated in the fault, one trap */
	SMMIO_PLAN_REBASE,	/* stepped with an address register moved */
};

/*
 * One instruction as fetched and decoded, kept in the per-CPU decode
 * cache (insn_cache.c); the fault being handled points at its entry.
 */
struct smmio_decoded {
	unsigned long ip;
	u8 raw_len;			/* bytes of raw[] fetched or decoded */
	u8 raw[MMIO_INSN_MAX];
	bool ok;			/* decoded, and it touches memory */
	bool emulatable;		/* smmio_emulatable(&insn) */
	u32 ev_flags;			/* smmio_insn_flags(&insn) */
	u16 regs_used;			/* mmio_insn_regs_used(&insn) */
	struct mmio_insn insn;
};

/* What a fault with no instruction to decode points at. */
extern const struct smmio_decoded smmio_not_decoded;

struct smmio_cpu_state {
	/* The fault being handled. */
	struct smmio_span *span;
	struct pt_regs *regs;		/* EMULATE: the faulting context */
	unsigned long fault_addr;
	unsigned long ip;
	const struct smmio_decoded *dec;	/* the instruction at ip */
	u8 plan;			/* enum smmio_plan */
	/* A single step in flight (REBASE or KMMIO). */
	bool stepping;
	u8 role;			/* MMIO_ACC_* of the faulting operand */
	u8 rebase_reg;			/* REBASE: the register moved */
	bool smp_window;		/* KMMIO: other CPUs were online */
	long rebase_delta;		/* ... by this much */
	unsigned long saved_flags;	/* REBASE: TF and IF before the step */
	unsigned long ax_before;
	unsigned long si_before;
	unsigned long di_before;
	unsigned long src_before;	/* source register, for CMPXCHG */
	bool wvalue_known;
	u64 wvalue[8];			/* the value written, up to 64 bytes */
	/* An emulation that gave up: the same fault again goes to kmmio. */
	unsigned long retry_ip;
	unsigned long retry_addr;
	u64 prof_t0;			/* profile=1: when the fault began */
	u64 prof_pre_end;		/* ... when the step began */
	/*
	 * EMULATE: the emulator's registers and the event being delivered
	 * (emulate_env.c).  Here, not on the stack: an array in a local
	 * costs a stack-protector check per call.
	 */
	struct mmio_regs emu_regs;
	struct stap_mmio_event ev;
};

/*
 * A handler may itself touch a traced page (guru-mode code reading a
 * register, a console on a traced device): that fault is handled with the
 * next state while the outer access waits for its delivery to return.
 * Depth 0: an access of the traced code; 1: one made while an access's
 * events were being delivered; at 2 the hook leaves the access to kmmio,
 * whose own step uses the last state and does not nest.
 */
#define SMMIO_NEST_MAX		3

struct smmio_cpu_states {
	unsigned int depth;		/* emulations in progress */
	struct smmio_cpu_state st[SMMIO_NEST_MAX];
};

extern struct smmio_cpu_states __percpu *smmio_cpu;

/* The state of the fault being handled on this CPU. */
static __always_inline struct smmio_cpu_state *smmio_state(void)
{
	struct smmio_cpu_states *s = this_cpu_ptr(smmio_cpu);

	return &s->st[s->depth];
}

/* insn_cache.c */
void smmio_decode_insn(struct smmio_cpu_state *st);

/* capture.c */
extern const u8 smmio_gpr_offset[16];

/* General register @reg (0..15, encoding order: rax rcx rdx rbx rsp ...). */
static __always_inline unsigned long *smmio_gpr(struct pt_regs *regs,
						unsigned int reg)
{
	return (unsigned long *)((u8 *)regs + smmio_gpr_offset[reg & 15]);
}

/*
 * The general registers between pt_regs and the emulator's struct
 * mmio_regs (numbered as encoded), one field at a time: once per access.
 */
static __always_inline void smmio_regs_load(struct mmio_regs *r,
					    const struct pt_regs *regs)
{
	r->gpr[0] = regs->ax;
	r->gpr[1] = regs->cx;
	r->gpr[2] = regs->dx;
	r->gpr[3] = regs->bx;
	r->gpr[4] = regs->sp;
	r->gpr[5] = regs->bp;
	r->gpr[6] = regs->si;
	r->gpr[7] = regs->di;
	r->gpr[8] = regs->r8;
	r->gpr[9] = regs->r9;
	r->gpr[10] = regs->r10;
	r->gpr[11] = regs->r11;
	r->gpr[12] = regs->r12;
	r->gpr[13] = regs->r13;
	r->gpr[14] = regs->r14;
	r->gpr[15] = regs->r15;
	r->ip = regs->ip;
	r->flags = regs->flags;
}

/*
 * Only the general registers in @used (mmio_insn_regs_used()): the
 * emulator reads no other, and a plain MOV uses one or two of sixteen.
 */
static __always_inline void smmio_regs_load_used(struct mmio_regs *r,
						 const struct pt_regs *regs,
						 unsigned long used)
{
	for (; used; used &= used - 1)
		r->gpr[__ffs(used)] =
			*smmio_gpr((struct pt_regs *)regs, __ffs(used));
	r->ip = regs->ip;
	r->flags = regs->flags;
}

/*
 * ... and back: the registers the emulator wrote (mmio_regs.written) and
 * ip; not the flags (the caller merges those the instruction defines).
 */
static __always_inline void smmio_regs_store(struct pt_regs *regs,
					     const struct mmio_regs *r)
{
	unsigned long w;

	for (w = r->written; w; w &= w - 1)
		*smmio_gpr(regs, __ffs(w)) = r->gpr[__ffs(w)];
	regs->ip = r->ip;
}

bool smmio_read_vec(unsigned int reg, unsigned int offset, unsigned int width,
		    u64 *out);
bool smmio_read_ram(unsigned long addr, unsigned int len, void *out);
bool smmio_is_ram(unsigned long addr, unsigned int len);
u32 smmio_insn_flags(const struct mmio_insn *in);
void smmio_capture_before(struct smmio_cpu_state *st, struct pt_regs *regs);
void smmio_emit_stepped(struct smmio_cpu_state *st, struct pt_regs *regs,
			u32 flags);
void smmio_emit_unknown(struct smmio_cpu_state *st, struct pt_regs *regs);

/* emulate_env.c */
int smmio_emulate_fault(struct smmio_cpu_state *st, struct pt_regs *regs);
bool smmio_emulatable(const struct mmio_insn *in);

/* fault.c */
int smmio_fault_init(void);
void smmio_fault_exit(void);

/* stats.c */
struct smmio_form_counts {
	u32 n[3][256];			/* [enum smmio_plan][insn mnem] */
};
extern struct smmio_form_counts __percpu *smmio_form_counts;

/* Fault path: count one access handled by @plan. */
static __always_inline void smmio_count_form(enum smmio_plan plan,
					     const struct mmio_insn *insn)
{
	this_cpu_inc(smmio_form_counts->n[plan][insn ? insn->mnem : 0]);
}

#endif /* STAP_MMIO_FAULT_H */
