// SPDX-License-Identifier: GPL-2.0
/*
 * The values of a single-stepped access: what a write stores is read
 * before the step (register, immediate, or the RAM a string op copies
 * from), what a read fetched after it (from where it went).  Used by both
 * steps: through the second mapping (fault.c) and with the page present
 * (kmmio_probe.c).  Also the register and memory access the emulator's
 * environment shares.
 *
 * Where no register holds the value (a read-modify-write, a compare), the
 * event says so with STAP_MMIO_EV_VALUE_UNKNOWN; a value is never
 * invented.  Memory other than the device is read only when it is RAM:
 * reading an armed page from here would fault inside the fault handler,
 * and reading another device's page could have side effects.
 *
 * Context: the page-fault handler and the debug trap, interrupts off.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/kprobes.h>
#include <linux/swab.h>
#include <asm/ptrace.h>
#include "fault.h"

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

/* Where general register N (encoding order) is in struct pt_regs. */
const u8 smmio_gpr_offset[16] = {
	offsetof(struct pt_regs, ax), offsetof(struct pt_regs, cx),
	offsetof(struct pt_regs, dx), offsetof(struct pt_regs, bx),
	offsetof(struct pt_regs, sp), offsetof(struct pt_regs, bp),
	offsetof(struct pt_regs, si), offsetof(struct pt_regs, di),
	offsetof(struct pt_regs, r8), offsetof(struct pt_regs, r9),
	offsetof(struct pt_regs, r10), offsetof(struct pt_regs, r11),
	offsetof(struct pt_regs, r12), offsetof(struct pt_regs, r13),
	offsetof(struct pt_regs, r14), offsetof(struct pt_regs, r15),
};

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
bool smmio_read_vec(unsigned int reg, unsigned int offset,
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
bool smmio_is_ram(unsigned long addr, unsigned int len)
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

bool smmio_read_ram(unsigned long addr, unsigned int len, void *out)
{
	if (len > 64 || !smmio_is_ram(addr, len))
		return false;
	return !copy_from_kernel_nofault(out, (void *)addr, len);
}

/* Which way the faulting operand goes: a string op touches two. */
static u8 smmio_role(const struct smmio_cpu_state *st)
{
	const struct mmio_insn *in = &st->dec->insn;
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
	const struct mmio_insn *in = &st->dec->insn;
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

/* The value a read fetched, from where it went; false when unknown. */
static bool smmio_capture_read(const struct smmio_cpu_state *st,
			       struct pt_regs *regs, struct stap_mmio_event *ev)
{
	const struct mmio_insn *in = &st->dec->insn;
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
		return st->src_before & smmio_mask(st->dec->insn.width);
	return regs->ax & smmio_mask(st->dec->insn.width);
}


/* The STAP_MMIO_EV_* flags an access of @in carries. */
u32 smmio_insn_flags(const struct mmio_insn *in)
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

/* Before the step: which way the access goes, and the value written. */
void smmio_capture_before(struct smmio_cpu_state *st, struct pt_regs *regs)
{
	st->ax_before = regs->ax;
	st->si_before = regs->si;
	st->di_before = regs->di;
	st->wvalue_known = false;
	st->role = smmio_role(st);
	if (st->role & MMIO_ACC_WRITE)
		smmio_capture_write(st, regs);
}

/* After the step: the access's events, the read before the write. */
void smmio_emit_stepped(struct smmio_cpu_state *st, struct pt_regs *regs,
			u32 flags)
{
	const struct smmio_dispatch *d = smmio_dispatch_now();
	struct stap_mmio_event ev;

	smmio_send_pending_map(st->span->map);
	smmio_event_init(&ev, d, st->span, regs, st->fault_addr, st->ip,
			 st->dec->raw, st->dec->insn.length);
	memset(ev.value_hi, 0, sizeof(ev.value_hi));
	flags |= st->dec->ev_flags;
	ev.width = st->dec->insn.width;
	if (st->role & MMIO_ACC_READ) {
		ev.type = STAP_MMIO_READ;
		ev.flags = flags;
		ev.value = 0;
		if (!smmio_capture_read(st, regs, &ev)) {
			ev.flags |= STAP_MMIO_EV_VALUE_UNKNOWN;
			smmio_count(SMMIO_VALUE_UNKNOWN);
		}
		smmio_deliver_access(d, &ev);
	}
	if (st->role & MMIO_ACC_WRITE) {
		ev.type = STAP_MMIO_WRITE;
		ev.flags = flags;
		memset(ev.value_hi, 0, sizeof(ev.value_hi));
		if (st->dec->insn.dst_kind == MMIO_OPND_CMPXCHG_AX) {
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
		smmio_deliver_access(d, &ev);
	}
}

/* An instruction the decoder does not know: one UNKNOWN event. */
void smmio_emit_unknown(struct smmio_cpu_state *st, struct pt_regs *regs)
{
	const struct smmio_dispatch *d = smmio_dispatch_now();
	struct stap_mmio_event ev;

	smmio_send_pending_map(st->span->map);
	smmio_event_init(&ev, d, st->span, regs, st->fault_addr, st->ip,
			 st->dec->raw, st->dec->raw_len);
	memset(ev.value_hi, 0, sizeof(ev.value_hi));
	ev.type = STAP_MMIO_UNKNOWN;
	ev.flags = STAP_MMIO_EV_VALUE_UNKNOWN;
	ev.value = 0;
	smmio_count(SMMIO_UNKNOWN);
	smmio_deliver_access(d, &ev);
}

NOKPROBE_SYMBOL(smmio_save_xmm);
NOKPROBE_SYMBOL(smmio_save_ymm);
NOKPROBE_SYMBOL(smmio_read_vec);
NOKPROBE_SYMBOL(smmio_is_ram);
NOKPROBE_SYMBOL(smmio_read_ram);
NOKPROBE_SYMBOL(smmio_role);
NOKPROBE_SYMBOL(smmio_capture_write);
NOKPROBE_SYMBOL(smmio_capture_read);
NOKPROBE_SYMBOL(smmio_cmpxchg_written);
NOKPROBE_SYMBOL(smmio_insn_flags);
NOKPROBE_SYMBOL(smmio_capture_before);
NOKPROBE_SYMBOL(smmio_emit_stepped);
NOKPROBE_SYMBOL(smmio_emit_unknown);
