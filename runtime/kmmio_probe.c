// SPDX-License-Identifier: GPL-2.0
/*
 * The kmmio pre and post handlers: decode the faulting
 * instruction, capture the value, deliver one event per access.
 *
 * Contexts, as kmmio calls us:
 *   smmio_pre_handler()   page-fault handler, interrupts off, before the
 *                         instruction runs (the page is still not present)
 *   smmio_post_handler()  debug-trap die notifier, interrupts off, after
 *                         the single step (an NMI-like context)
 * Between the two, kmmio holds rcu_read_lock() and preemption is off, so
 * the per-CPU state below cannot be reused under us.  Nothing here sleeps,
 * allocates or takes a lock another CPU can hold across a fault.
 *
 * Values: a write's value is read from its source (register, immediate,
 * or the RAM a string op copies from) before the step; a read's value from
 * its destination after the step.  Where no register holds the value (a
 * read-modify-write, a compare), the event says so with
 * STAP_MMIO_EV_VALUE_UNKNOWN; a value is never invented.
 *
 * Memory other than the device is read only when it is RAM: reading an
 * armed page from here would fault inside kmmio, and reading another
 * device's page could have side effects.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <linux/sched/clock.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/kprobes.h>
#include <linux/swab.h>
#include <linux/hash.h>
#include <asm/ptrace.h>
#include "internal.h"
#include "mmio_decode.h"

/* What the pre handler learnt, for the post handler on the same CPU. */
struct smmio_cpu_state {
	bool active;
	bool decoded;
	bool smp_window;		/* other CPUs online during the step */
	u8 role;			/* MMIO_ACC_* of the faulting operand */
	u8 raw_len;
	u8 raw[MMIO_INSN_MAX];
	struct smmio_span *span;
	unsigned long fault_addr;
	unsigned long ip;
	u64 phys;
	unsigned long ax_before;
	unsigned long si_before;
	unsigned long di_before;
	unsigned long src_before;	/* source register, for CMPXCHG */
	u64 prof_pre_end;		/* profile=1: when pre handler ended */
	bool wvalue_known;
	u64 wvalue[8];			/* the value written, up to 64 bytes */
	struct mmio_insn insn;
};

static DEFINE_PER_CPU(struct smmio_cpu_state, smmio_state);

/*
 * Decodes by instruction address; the bytes are compared on every hit.
 * Hashed: the MMIO instructions of one accessor sit bytes apart.
 */
#define SMMIO_DECODE_BITS	6
#define SMMIO_DECODE_CACHE	(1 << SMMIO_DECODE_BITS)

struct smmio_decode_entry {
	unsigned long ip;
	u8 raw_len;
	u8 raw[MMIO_INSN_MAX];
	bool ok;
	struct mmio_insn insn;
};

static DEFINE_PER_CPU(struct smmio_decode_entry[SMMIO_DECODE_CACHE],
		      smmio_decode_cache);

/*
 * The event function: one call per access per matching session.  stap
 * scripts probe it (module("stap_mmio").function("stap_mmio_event")), so it
 * must stay a real, unclonable function.
 */
noinline __noclone void stap_mmio_event(const struct stap_mmio_event *ev)
{
	asm volatile("" : : "r"(ev) : "memory");
}
EXPORT_SYMBOL_GPL(stap_mmio_event);

static inline u64 smmio_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/* MOVBE: the @width-byte value as it is in memory. */
static u64 smmio_bswap(u64 v, unsigned int width)
{
	switch (width) {
	case 2: return swab16(v);
	case 4: return swab32(v);
	case 8: return swab64(v);
	default: return v;
	}
}

static unsigned long *smmio_gpr(struct pt_regs *regs, unsigned int reg)
{
	switch (reg & 15) {
	case 0: return &regs->ax;
	case 1: return &regs->cx;
	case 2: return &regs->dx;
	case 3: return &regs->bx;
	case 4: return &regs->sp;
	case 5: return &regs->bp;
	case 6: return &regs->si;
	case 7: return &regs->di;
	case 8: return &regs->r8;
	case 9: return &regs->r9;
	case 10: return &regs->r10;
	case 11: return &regs->r11;
	case 12: return &regs->r12;
	case 13: return &regs->r13;
	case 14: return &regs->r14;
	default: return &regs->r15;
	}
}

struct smmio_vec {
	u64 q[4];
} __aligned(32);

/* The low 16 bytes of xmm@reg into @buf. */
static void smmio_save_xmm(unsigned int reg, struct smmio_vec *buf)
{
	switch (reg) {
	case 0:
		asm volatile("movdqu %%xmm0, %0" : "=m"(*buf));
		break;
	case 1:
		asm volatile("movdqu %%xmm1, %0" : "=m"(*buf));
		break;
	case 2:
		asm volatile("movdqu %%xmm2, %0" : "=m"(*buf));
		break;
	case 3:
		asm volatile("movdqu %%xmm3, %0" : "=m"(*buf));
		break;
	case 4:
		asm volatile("movdqu %%xmm4, %0" : "=m"(*buf));
		break;
	case 5:
		asm volatile("movdqu %%xmm5, %0" : "=m"(*buf));
		break;
	case 6:
		asm volatile("movdqu %%xmm6, %0" : "=m"(*buf));
		break;
	case 7:
		asm volatile("movdqu %%xmm7, %0" : "=m"(*buf));
		break;
	case 8:
		asm volatile("movdqu %%xmm8, %0" : "=m"(*buf));
		break;
	case 9:
		asm volatile("movdqu %%xmm9, %0" : "=m"(*buf));
		break;
	case 10:
		asm volatile("movdqu %%xmm10, %0" : "=m"(*buf));
		break;
	case 11:
		asm volatile("movdqu %%xmm11, %0" : "=m"(*buf));
		break;
	case 12:
		asm volatile("movdqu %%xmm12, %0" : "=m"(*buf));
		break;
	case 13:
		asm volatile("movdqu %%xmm13, %0" : "=m"(*buf));
		break;
	case 14:
		asm volatile("movdqu %%xmm14, %0" : "=m"(*buf));
		break;
	case 15:
		asm volatile("movdqu %%xmm15, %0" : "=m"(*buf));
		break;
	}
}

/* All 32 bytes of ymm@reg into @buf. */
static void smmio_save_ymm(unsigned int reg, struct smmio_vec *buf)
{
	switch (reg) {
	case 0:
		asm volatile("vmovdqu %%ymm0, %0" : "=m"(*buf));
		break;
	case 1:
		asm volatile("vmovdqu %%ymm1, %0" : "=m"(*buf));
		break;
	case 2:
		asm volatile("vmovdqu %%ymm2, %0" : "=m"(*buf));
		break;
	case 3:
		asm volatile("vmovdqu %%ymm3, %0" : "=m"(*buf));
		break;
	case 4:
		asm volatile("vmovdqu %%ymm4, %0" : "=m"(*buf));
		break;
	case 5:
		asm volatile("vmovdqu %%ymm5, %0" : "=m"(*buf));
		break;
	case 6:
		asm volatile("vmovdqu %%ymm6, %0" : "=m"(*buf));
		break;
	case 7:
		asm volatile("vmovdqu %%ymm7, %0" : "=m"(*buf));
		break;
	case 8:
		asm volatile("vmovdqu %%ymm8, %0" : "=m"(*buf));
		break;
	case 9:
		asm volatile("vmovdqu %%ymm9, %0" : "=m"(*buf));
		break;
	case 10:
		asm volatile("vmovdqu %%ymm10, %0" : "=m"(*buf));
		break;
	case 11:
		asm volatile("vmovdqu %%ymm11, %0" : "=m"(*buf));
		break;
	case 12:
		asm volatile("vmovdqu %%ymm12, %0" : "=m"(*buf));
		break;
	case 13:
		asm volatile("vmovdqu %%ymm13, %0" : "=m"(*buf));
		break;
	case 14:
		asm volatile("vmovdqu %%ymm14, %0" : "=m"(*buf));
		break;
	case 15:
		asm volatile("vmovdqu %%ymm15, %0" : "=m"(*buf));
		break;
	}
}

/*
 * Copy @width bytes from byte @offset of vector register @reg (live: the
 * faulting code owns the FPU) into @out.  Returns false for what we cannot
 * read (zmm, xmm16..31).
 */
static bool smmio_read_vec(unsigned int reg, unsigned int offset,
			   unsigned int width, u64 *out)
{
	struct smmio_vec buf;

	if (reg > 15 || offset + width > 32)
		return false;
	if (offset + width <= 16)
		smmio_save_xmm(reg, &buf);
	else
		smmio_save_ymm(reg, &buf);
	memcpy(out, (u8 *)buf.q + offset, width);
	return true;
}

/* Is [addr, addr+len) ordinary RAM we may read without side effects? */
static bool smmio_is_ram(unsigned long addr, unsigned int len)
{
	unsigned long page;

	for (page = addr & PAGE_MASK; page < addr + len; page += PAGE_SIZE) {
		if (virt_addr_valid((void *)page))
			continue;
		if (!is_vmalloc_addr((void *)page) ||
		    !pfn_valid(vmalloc_to_pfn((void *)page)))
			return false;
	}
	return true;
}

static bool smmio_read_ram(unsigned long addr, unsigned int len, u64 *out)
{
	if (len > 64 || !smmio_is_ram(addr, len))
		return false;
	return !copy_from_kernel_nofault(out, (void *)addr, len);
}

/* Read the instruction at @ip; it ran, so its own bytes are mapped. */
static unsigned int smmio_fetch(unsigned long ip, u8 *raw)
{
	unsigned int n = MMIO_INSN_MAX;
	unsigned int to_page_end = PAGE_SIZE - (ip & ~PAGE_MASK);

	if (!copy_from_kernel_nofault(raw, (void *)ip, n))
		return n;
	n = min(n, to_page_end);
	if (!copy_from_kernel_nofault(raw, (void *)ip, n))
		return n;
	return 0;
}

/*
 * Decode the instruction at st->ip, through the per-CPU cache.  A hit
 * reads back only the bytes the cached decode used and compares them, so
 * code that was unloaded and replaced at the same address is decoded anew.
 */
static void smmio_decode(struct smmio_cpu_state *st)
{
	struct smmio_decode_entry *e;

	e = this_cpu_ptr(&smmio_decode_cache[hash_long(st->ip,
						      SMMIO_DECODE_BITS)]);
	if (e->ip == st->ip && e->raw_len &&
	    !copy_from_kernel_nofault(st->raw, (void *)st->ip, e->raw_len) &&
	    !memcmp(e->raw, st->raw, e->raw_len)) {
		st->raw_len = e->raw_len;
		st->decoded = e->ok;
		st->insn = e->insn;
		smmio_count(SMMIO_DECODE_HITS);
		return;
	}
	st->raw_len = smmio_fetch(st->ip, st->raw);
	st->decoded = st->raw_len &&
		      mmio_decode(st->raw, st->raw_len, &st->insn) == 0 &&
		      st->insn.access;
	e->ip = st->ip;
	e->ok = st->decoded;
	e->insn = st->insn;
	e->raw_len = st->decoded ? st->insn.length : st->raw_len;
	memcpy(e->raw, st->raw, e->raw_len);
}

/* Which way the faulting operand goes: a string op touches two. */
static u8 smmio_role(const struct smmio_cpu_state *st)
{
	const struct mmio_insn *in = &st->insn;
	unsigned long a = st->fault_addr;
	bool at_si = a >= st->si_before && a < st->si_before + in->width;

	switch (in->string_op) {
	case MMIO_STR_MOVS:
		return at_si ? MMIO_ACC_READ : MMIO_ACC_WRITE;
	case MMIO_STR_NONE:
		return in->access;
	default:
		return in->access & (MMIO_ACC_READ | MMIO_ACC_WRITE);
	}
}

/* The value a write will store, read before the step. */
static void smmio_capture_write(struct smmio_cpu_state *st,
				struct pt_regs *regs)
{
	const struct mmio_insn *in = &st->insn;
	unsigned int w = in->width;

	st->wvalue_known = true;
	st->wvalue[0] = 0;
	switch (in->src_kind) {
	case MMIO_OPND_GPR:
		st->wvalue[0] = *smmio_gpr(regs, in->src_reg) & smmio_mask(w);
		break;
	case MMIO_OPND_GPR8H:
		st->wvalue[0] = (*smmio_gpr(regs, in->src_reg - 4) >> 8) & 0xff;
		break;
	case MMIO_OPND_IMM:
		st->wvalue[0] = in->imm & smmio_mask(w);
		break;
	case MMIO_OPND_VEC:
		st->wvalue_known = smmio_read_vec(in->src_reg, in->vec_offset,
						  w, st->wvalue);
		break;
	case MMIO_OPND_MEM_SI:
		st->wvalue_known = smmio_read_ram(st->si_before, w,
						  st->wvalue);
		break;
	default:
		st->wvalue_known = false;
		break;
	}
	if (in->xflags & MMIO_XF_BSWAP)
		st->wvalue[0] = smmio_bswap(st->wvalue[0], w);
	if (in->dst_kind == MMIO_OPND_CMPXCHG_AX)
		st->src_before = *smmio_gpr(regs, in->src_reg);
}

/*
 * The fault path is off limits to kprobes: it runs inside the page-fault
 * and debug-trap handlers.  stap_mmio_event() is the one exception, by
 * design; it is reached through an ftrace-based kprobe.
 */
static void smmio_pre(struct smmio_cpu_state *st, struct smmio_span *span,
		      struct pt_regs *regs, unsigned long addr)
{
	smmio_step_begin();
	smmio_count(SMMIO_FAULTS);
	st->active = true;
	st->span = span;
	st->fault_addr = addr;
	st->phys = span->phys + (addr - span->probe.addr);
	st->ip = instruction_pointer(regs);
	st->ax_before = regs->ax;
	st->si_before = regs->si;
	st->di_before = regs->di;
	st->wvalue_known = false;
	st->decoded = false;
	if (!user_mode(regs))
		smmio_decode(st);
	if (!st->decoded)
		return;
	st->role = smmio_role(st);
	if (st->role & MMIO_ACC_WRITE)
		smmio_capture_write(st, regs);
	/* While we step, the page is present for every CPU. */
	st->smp_window = num_online_cpus() > 1;
	if (st->smp_window)
		smmio_count(SMMIO_MAYBE_MISSED);
}

void smmio_pre_handler(struct kmmio_probe *p, struct pt_regs *regs,
		       unsigned long addr)
{
	struct smmio_cpu_state *st = this_cpu_ptr(&smmio_state);
	u64 t0 = smmio_prof_start();

	smmio_pre(st, p->private, regs, addr);
	st->prof_pre_end = 0;
	if (t0) {
		st->prof_pre_end = local_clock();
		this_cpu_add(smmio_counters[SMMIO_PROF_PRE_NS],
			     st->prof_pre_end - t0);
	}
}

/* The value a read fetched, from where it went; false when unknown. */
static bool smmio_capture_read(const struct smmio_cpu_state *st,
			       struct pt_regs *regs, struct stap_mmio_event *ev)
{
	const struct mmio_insn *in = &st->insn;
	unsigned int w = in->width;
	u64 v[8];

	switch (in->dst_kind) {
	case MMIO_OPND_GPR:
		ev->value = *smmio_gpr(regs, in->dst_reg) & smmio_mask(w);
		if (in->xflags & MMIO_XF_BSWAP)
			ev->value = smmio_bswap(ev->value, w);
		return true;
	case MMIO_OPND_GPR8H:
		ev->value = (*smmio_gpr(regs, in->dst_reg - 4) >> 8) & 0xff;
		return true;
	case MMIO_OPND_CMPXCHG_AX:
		/* Equal (ZF=1): memory held rax; else rax got memory. */
		ev->value = (regs->flags & X86_EFLAGS_ZF ? st->ax_before :
			     regs->ax) & smmio_mask(w);
		return true;
	case MMIO_OPND_MEM_DI:
		if (!smmio_read_ram(st->di_before, w, v))
			return false;
		break;
	case MMIO_OPND_VEC:
		if (!smmio_read_vec(in->dst_reg, in->vec_offset, w, v))
			return false;
		break;
	default:
		return false;
	}
	ev->value = v[0] & smmio_mask(w);
	if (w > 8) {
		memcpy(ev->value_hi, &v[1], min_t(unsigned int, w - 8,
						  sizeof(ev->value_hi)));
		ev->flags |= STAP_MMIO_EV_WIDE;
	}
	return true;
}

/* What CMPXCHG wrote: the source if it matched, else the old value back. */
static u64 smmio_cmpxchg_written(const struct smmio_cpu_state *st,
				 struct pt_regs *regs)
{
	if (regs->flags & X86_EFLAGS_ZF)
		return st->src_before & smmio_mask(st->insn.width);
	return regs->ax & smmio_mask(st->insn.width);
}

/* How many ranges of @d start before @end: they are sorted by start. */
static unsigned int smmio_ranges_before(const struct smmio_dispatch *d,
					u64 end)
{
	unsigned int lo = 0, hi = d->nranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->range[mid].start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Set in ev->match the probes of session @slot whose ranges of kind @want
 * overlap [start, end): range[0..top) start before @end, and walking back
 * from top stops where no earlier range reaches past @start (max_end).
 */
static void smmio_match_slot(struct stap_mmio_event *ev,
			     const struct smmio_dispatch *d, unsigned int top,
			     unsigned int slot, u32 want, u64 start)
{
	const struct smmio_drange *r;
	unsigned int i;

	memset(ev->match, 0, sizeof(ev->match));
	for (i = top; i-- > 0 && d->range[i].max_end > start; ) {
		r = &d->range[i];
		if (r->slot == slot && (r->flags & want) && r->end > start)
			ev->match[r->probe / 64] |= 1ULL << (r->probe % 64);
	}
}

/*
 * Deliver @ev to every session with a range of kind @want overlapping it
 * (only to @only_session when that is not 0).  @ev->match is filled per
 * session.  Under RCU.
 */
void smmio_deliver(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		   u32 want, int only_session)
{
	u64 len = ev->type == STAP_MMIO_MAP || ev->type == STAP_MMIO_UNMAP ?
		  ev->map_len : max_t(u32, ev->width, 1);
	u64 start = ev->phys, end = ev->phys + len;
	unsigned int top = smmio_ranges_before(d, end);
	u32 slots = 0;
	unsigned int i, slot;
	int cur = -1;		/* the session ev->match is filled for */
	u64 t0;

	/*
	 * One pass over the ranges that can overlap finds the sessions hit
	 * and fills ev->match for the first of them (usually the only one);
	 * any other session gets a pass of its own below.
	 */
	memset(ev->match, 0, sizeof(ev->match));
	for (i = top; i-- > 0 && d->range[i].max_end > start; ) {
		const struct smmio_drange *r = &d->range[i];

		if (!(r->flags & want) || r->end <= start)
			continue;
		slots |= 1U << r->slot;
		if (cur < 0)
			cur = r->slot;
		if (r->slot == cur)
			ev->match[r->probe / 64] |= 1ULL << (r->probe % 64);
	}
	if (!slots) {
		if (want & STAP_MMIO_RANGE_ACCESS)
			smmio_count(SMMIO_FILTERED);
		return;
	}
	for (; slots; slots &= slots - 1) {
		struct smmio_session *s;

		slot = __ffs(slots);
		s = d->session[slot];
		if (!s || (only_session && s->id != only_session))
			continue;
		if (slot != cur) {
			smmio_match_slot(ev, d, top, slot, want, start);
			cur = slot;
		}
		ev->session = s->id;
		ev->seq = atomic64_inc_return(&s->seq);
		atomic64_inc(&s->events);
		if (ev->type == STAP_MMIO_UNKNOWN)
			atomic64_inc(&s->unknown);
		if (ev->flags & STAP_MMIO_EV_VALUE_UNKNOWN)
			atomic64_inc(&s->value_unknown);
		if (ev->flags & STAP_MMIO_EV_SMP_WINDOW)
			atomic64_inc(&s->maybe_missed);
		if (ev->type == STAP_MMIO_MAP || ev->type == STAP_MMIO_UNMAP)
			smmio_count(SMMIO_MAP_EVENTS);
		else
			smmio_count(SMMIO_EVENTS);
		t0 = smmio_prof_start();
		stap_mmio_event(ev);
		smmio_prof_add(SMMIO_PROF_CONSUMER_NS, t0);
	}
}

/*
 * Every field but match[] (smmio_deliver() fills it) and value_hi[]
 * (zeroed where a value is set).  Field by field, not a memset of the
 * whole record: this runs once per access.
 */
static void smmio_event_init(struct stap_mmio_event *ev,
			     const struct smmio_cpu_state *st)
{
	ev->phys = st->phys;
	ev->virt = st->fault_addr;
	ev->value = 0;
	ev->pc = st->ip;
	ev->width = 0;
	ev->type = 0;
	ev->cpu = raw_smp_processor_id();
	ev->map_id = st->span->map->id;
	ev->session = 0;
	ev->flags = 0;
	ev->map_len = 0;
	ev->seq = 0;
	ev->timestamp = local_clock();
	ev->insn_len = st->decoded ? st->insn.length : st->raw_len;
	/* All of raw[]: bytes past insn_len are not part of the contract. */
	BUILD_BUG_ON(sizeof(ev->insn) != sizeof(st->raw));
	memcpy(ev->insn, st->raw, sizeof(ev->insn));
}

static u32 smmio_insn_flags(const struct mmio_insn *in)
{
	u32 f = 0;

	if (in->string_op)
		f |= STAP_MMIO_EV_STRING;
	if (in->flags & MMIO_INSN_REP)
		f |= STAP_MMIO_EV_REP;
	if (in->access == (MMIO_ACC_READ | MMIO_ACC_WRITE) && !in->string_op)
		f |= STAP_MMIO_EV_RMW;
	return f;
}

static void smmio_emit(struct smmio_cpu_state *st, struct pt_regs *regs,
		       const struct smmio_dispatch *d)
{
	struct stap_mmio_event ev;
	u32 flags;

	smmio_event_init(&ev, st);
	memset(ev.value_hi, 0, sizeof(ev.value_hi));
	if (!st->decoded) {
		ev.type = STAP_MMIO_UNKNOWN;
		ev.flags = STAP_MMIO_EV_VALUE_UNKNOWN;
		smmio_count(SMMIO_UNKNOWN);
		smmio_deliver(&ev, d, STAP_MMIO_RANGE_ACCESS, 0);
		return;
	}
	flags = smmio_insn_flags(&st->insn);
	if (st->smp_window)
		flags |= STAP_MMIO_EV_SMP_WINDOW;
	ev.width = st->insn.width;
	if (st->role & MMIO_ACC_READ) {
		ev.type = STAP_MMIO_READ;
		ev.flags = flags;
		if (!smmio_capture_read(st, regs, &ev)) {
			ev.flags |= STAP_MMIO_EV_VALUE_UNKNOWN;
			smmio_count(SMMIO_VALUE_UNKNOWN);
		}
		smmio_deliver(&ev, d, STAP_MMIO_RANGE_READ, 0);
	}
	if (st->role & MMIO_ACC_WRITE) {
		ev.type = STAP_MMIO_WRITE;
		ev.flags = flags;
		memset(ev.value_hi, 0, sizeof(ev.value_hi));
		if (st->insn.dst_kind == MMIO_OPND_CMPXCHG_AX) {
			ev.value = smmio_cmpxchg_written(st, regs);
		} else if (st->wvalue_known) {
			ev.value = st->wvalue[0];
			if (ev.width > 8) {
				memcpy(ev.value_hi, &st->wvalue[1],
				       min_t(unsigned int, ev.width - 8,
					     sizeof(ev.value_hi)));
				ev.flags |= STAP_MMIO_EV_WIDE;
			}
		} else {
			ev.value = 0;
			ev.flags |= STAP_MMIO_EV_VALUE_UNKNOWN;
			smmio_count(SMMIO_VALUE_UNKNOWN);
		}
		smmio_deliver(&ev, d, STAP_MMIO_RANGE_WRITE, 0);
	}
}

void smmio_post_handler(struct kmmio_probe *p, unsigned long condition,
			struct pt_regs *regs)
{
	struct smmio_cpu_state *st = this_cpu_ptr(&smmio_state);
	u64 t0 = smmio_prof_start();
	struct smmio_map_event *me;
	struct smmio_dispatch *d;

	if (!st->active)
		return;
	st->active = false;
	smmio_step_end();
	if (t0 && st->prof_pre_end)
		this_cpu_add(smmio_counters[SMMIO_PROF_STEP_NS],
			     t0 - st->prof_pre_end);

	rcu_read_lock();
	/* The mapping's MAP event goes out before its first access. */
	me = READ_ONCE(st->span->map->pending_map);
	if (me && cmpxchg(&st->span->map->pending_map, me, NULL) == me)
		smmio_claim_map_event(me);
	d = rcu_dereference(smmio_dispatch);
	if (d)
		smmio_emit(st, regs, d);
	rcu_read_unlock();
	if (t0) {
		smmio_count(SMMIO_PROF_ACCESSES);
		smmio_prof_add(SMMIO_PROF_POST_NS, t0);
	}
}
NOKPROBE_SYMBOL(smmio_pre);
NOKPROBE_SYMBOL(smmio_pre_handler);
NOKPROBE_SYMBOL(smmio_post_handler);
NOKPROBE_SYMBOL(smmio_deliver);
NOKPROBE_SYMBOL(smmio_ranges_before);
NOKPROBE_SYMBOL(smmio_match_slot);
NOKPROBE_SYMBOL(smmio_emit);
NOKPROBE_SYMBOL(smmio_decode);
NOKPROBE_SYMBOL(smmio_capture_read);
NOKPROBE_SYMBOL(smmio_capture_write);
NOKPROBE_SYMBOL(mmio_decode);
NOKPROBE_SYMBOL(smmio_step_begin);
NOKPROBE_SYMBOL(smmio_step_end);
