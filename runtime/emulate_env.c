// SPDX-License-Identifier: GPL-2.0
/*
 * The emulator's world in the kernel (the mmio_env_*() functions that
 * mmio_emulate.c calls): the device is the faulting span, reached through
 * its second mapping, which has the first one's cache attributes, so each
 * access is exactly one access of the instruction's width; ordinary
 * memory is RAM only; registers are the faulting context's pt_regs and
 * its live vector registers.  Every device access becomes an event, in
 * program order, delivered before the instruction completes.
 *
 * Vector registers: a fault in a vector move comes from code between
 * kernel_fpu_begin() and kernel_fpu_end(), so its xmm/ymm registers are
 * live in the CPU, and this file reads and writes them directly.  A
 * 16- or 32-byte device access goes through the instruction's own vector
 * register (the one it loads or stores), never through another: a VEX
 * write to a scratch register would clear its upper (zmm) bits.
 *
 * Context: smmio_fault(), in the page-fault handler, interrupts off,
 * under RCU.
 */
#include <linux/kernel.h>
#include <linux/io.h>
#include <linux/uaccess.h>
#include <linux/kprobes.h>
#include "fault.h"
#include "mmio_emulate.h"

struct mmio_env {
	struct smmio_cpu_state *st;
	unsigned long base;		/* the span's first address */
	unsigned long end;		/* ... and its end (exclusive) */
	unsigned long alias;		/* where base is in the 2nd mapping */
	u32 flags;			/* STAP_MMIO_EV_* of every event */
};

static void __iomem *smmio_env_alias(struct mmio_env *env, unsigned long a)
{
	return (void __iomem *)(env->alias + (a - env->base));
}

/* One 16/32-byte device access through xmm/ymm @reg: 0 or -1. */
#define SMMIO_VEC_CASE(n, insn, op0, op1)				\
	case n:								\
		asm volatile(insn " " op0 ", " op1			\
			     : "+m"(*(u8 (*)[32])mem));			\
		break

#define SMMIO_VEC_SWITCH(reg, insn, x0, x1)				\
	switch (reg) {							\
	SMMIO_VEC_CASE(0, insn, x0 "0", x1);				\
	SMMIO_VEC_CASE(1, insn, x0 "1", x1);				\
	SMMIO_VEC_CASE(2, insn, x0 "2", x1);				\
	SMMIO_VEC_CASE(3, insn, x0 "3", x1);				\
	SMMIO_VEC_CASE(4, insn, x0 "4", x1);				\
	SMMIO_VEC_CASE(5, insn, x0 "5", x1);				\
	SMMIO_VEC_CASE(6, insn, x0 "6", x1);				\
	SMMIO_VEC_CASE(7, insn, x0 "7", x1);				\
	SMMIO_VEC_CASE(8, insn, x0 "8", x1);				\
	SMMIO_VEC_CASE(9, insn, x0 "9", x1);				\
	SMMIO_VEC_CASE(10, insn, x0 "10", x1);				\
	SMMIO_VEC_CASE(11, insn, x0 "11", x1);				\
	SMMIO_VEC_CASE(12, insn, x0 "12", x1);				\
	SMMIO_VEC_CASE(13, insn, x0 "13", x1);				\
	SMMIO_VEC_CASE(14, insn, x0 "14", x1);				\
	SMMIO_VEC_CASE(15, insn, x0 "15", x1);				\
	default:							\
		return -1;						\
	}

#define SMMIO_VEC_SWITCH_R(reg, insn, x0, x1)				\
	switch (reg) {							\
	SMMIO_VEC_CASE(0, insn, x1, x0 "0");				\
	SMMIO_VEC_CASE(1, insn, x1, x0 "1");				\
	SMMIO_VEC_CASE(2, insn, x1, x0 "2");				\
	SMMIO_VEC_CASE(3, insn, x1, x0 "3");				\
	SMMIO_VEC_CASE(4, insn, x1, x0 "4");				\
	SMMIO_VEC_CASE(5, insn, x1, x0 "5");				\
	SMMIO_VEC_CASE(6, insn, x1, x0 "6");				\
	SMMIO_VEC_CASE(7, insn, x1, x0 "7");				\
	SMMIO_VEC_CASE(8, insn, x1, x0 "8");				\
	SMMIO_VEC_CASE(9, insn, x1, x0 "9");				\
	SMMIO_VEC_CASE(10, insn, x1, x0 "10");				\
	SMMIO_VEC_CASE(11, insn, x1, x0 "11");				\
	SMMIO_VEC_CASE(12, insn, x1, x0 "12");				\
	SMMIO_VEC_CASE(13, insn, x1, x0 "13");				\
	SMMIO_VEC_CASE(14, insn, x1, x0 "14");				\
	SMMIO_VEC_CASE(15, insn, x1, x0 "15");				\
	default:							\
		return -1;						\
	}

/* Store register @reg (16 or 32 bytes) to @mem. */
static int smmio_vec_store(unsigned int reg, unsigned int width, void *mem)
{
	if (width == 16) {
		SMMIO_VEC_SWITCH(reg, "movdqu", "%%xmm", "%0");
	} else {
		SMMIO_VEC_SWITCH(reg, "vmovdqu", "%%ymm", "%0");
	}
	return 0;
}

/*
 * Load @mem into register @reg: 16 bytes with a legacy load (bytes 16..
 * keep their value), 32 with a VEX.256 load (the rest is cleared).
 */
static int smmio_vec_load(unsigned int reg, unsigned int width, void *mem)
{
	if (width == 16) {
		SMMIO_VEC_SWITCH_R(reg, "movdqu", "%%xmm", "%0");
	} else {
		SMMIO_VEC_SWITCH_R(reg, "vmovdqu", "%%ymm", "%0");
	}
	return 0;
}

/* Clear bytes 16.. of ymm@reg (and zmm beyond): a VEX.128 self-move. */
static int smmio_vec_clear_upper(unsigned int reg)
{
	u8 mem[32];

	if (smmio_vec_store(reg, 16, mem))
		return -1;
	switch (reg) {
#define SMMIO_VZ(n)							\
	case n:								\
		asm volatile("vmovdqu %0, %%xmm" #n : : "m"(mem));	\
		break
	SMMIO_VZ(0); SMMIO_VZ(1); SMMIO_VZ(2); SMMIO_VZ(3);
	SMMIO_VZ(4); SMMIO_VZ(5); SMMIO_VZ(6); SMMIO_VZ(7);
	SMMIO_VZ(8); SMMIO_VZ(9); SMMIO_VZ(10); SMMIO_VZ(11);
	SMMIO_VZ(12); SMMIO_VZ(13); SMMIO_VZ(14); SMMIO_VZ(15);
#undef SMMIO_VZ
	default:
		return -1;
	}
	return 0;
}

void mmio_env_dev_read(struct mmio_env *env, unsigned long addr,
		       unsigned int width, void *val)
{
	void __iomem *p = smmio_env_alias(env, addr);
	const struct mmio_insn *in = &env->st->insn;

	switch (width) {
	case 1:
		*(u8 *)val = __raw_readb(p);
		break;
	case 2:
		*(u16 *)val = __raw_readw(p);
		break;
	case 4:
		*(u32 *)val = __raw_readl(p);
		break;
	case 8:
		*(u64 *)val = __raw_readq(p);
		break;
	default:
		/*
		 * Through the destination register itself, which the
		 * emulator then sets from @val (mmio_env_vec_set()).
		 */
		if (!smmio_vec_load(in->dst_reg, width, (__force void *)p))
			smmio_vec_store(in->dst_reg, width, val);
		break;
	}
}

void mmio_env_dev_write(struct mmio_env *env, unsigned long addr,
			unsigned int width, const void *val)
{
	void __iomem *p = smmio_env_alias(env, addr);
	const struct mmio_insn *in = &env->st->insn;

	switch (width) {
	case 1:
		__raw_writeb(*(const u8 *)val, p);
		break;
	case 2:
		__raw_writew(*(const u16 *)val, p);
		break;
	case 4:
		__raw_writel(*(const u32 *)val, p);
		break;
	case 8:
		__raw_writeq(*(const u64 *)val, p);
		break;
	default:
		/* From the source register itself: it holds @val. */
		smmio_vec_store(in->src_reg, width, (__force void *)p);
		break;
	}
}

int mmio_env_dev_range(struct mmio_env *env, unsigned long addr,
		       unsigned int width)
{
	return addr >= env->base && addr + width <= env->end &&
	       addr + width > addr;
}

int mmio_env_mem_check(struct mmio_env *env, unsigned long addr,
		       unsigned int len, int write)
{
	return smmio_is_ram(addr, len) ? 0 : -1;
}

int mmio_env_mem_read(struct mmio_env *env, unsigned long addr, void *buf,
		      unsigned int len)
{
	return copy_from_kernel_nofault(buf, (void *)addr, len) ? -1 : 0;
}

/*
 * copy_to_kernel_nofault() is not exported; its building block is.  RAM
 * that cannot be written (read-only data) gives -1, not a fault.
 */
int mmio_env_mem_write(struct mmio_env *env, unsigned long addr,
		       const void *buf, unsigned int len)
{
	const u8 *src = buf;
	u8 *dst = (u8 *)addr;

	for (; len >= 8; len -= 8, src += 8, dst += 8)
		__put_kernel_nofault(dst, src, u64, fail);
	for (; len; len--, src++, dst++)
		__put_kernel_nofault(dst, src, u8, fail);
	return 0;
fail:
	return -1;
}

int mmio_env_vec_get(struct mmio_env *env, unsigned int reg, u8 val[32])
{
	memset(val, 0, 32);
	if (boot_cpu_has(X86_FEATURE_AVX))
		return smmio_vec_store(reg, 32, val);
	return smmio_vec_store(reg, 16, val);
}

int mmio_env_vec_set(struct mmio_env *env, unsigned int reg,
		     const u8 val[32], enum mmio_vec_write how)
{
	u8 buf[32];

	memcpy(buf, val, 32);
	switch (how) {
	case MMIO_VEC_MERGE:
		return smmio_vec_load(reg, 16, buf);
	case MMIO_VEC_ZERO_128:
		if (smmio_vec_load(reg, 16, buf))
			return -1;
		return smmio_vec_clear_upper(reg);
	case MMIO_VEC_ZERO_256:
		return smmio_vec_load(reg, 32, buf);
	}
	return -1;
}

void mmio_env_access(struct mmio_env *env, unsigned int dir,
		     unsigned long addr, unsigned int width, const void *val)
{
	struct smmio_cpu_state *st = env->st;
	struct stap_mmio_event ev;

	smmio_event_init(&ev, st->span, addr, st->ip, st->raw,
			 st->insn.length);
	ev.type = dir == MMIO_ACC_READ ? STAP_MMIO_READ : STAP_MMIO_WRITE;
	ev.width = width;
	ev.flags = env->flags;
	ev.value = 0;
	memset(ev.value_hi, 0, sizeof(ev.value_hi));
	memcpy(&ev.value, val, min_t(unsigned int, width, sizeof(ev.value)));
	if (width > sizeof(ev.value)) {
		memcpy(ev.value_hi, (const u8 *)val + sizeof(ev.value),
		       min_t(unsigned int, width - sizeof(ev.value),
			     sizeof(ev.value_hi)));
		ev.flags |= STAP_MMIO_EV_WIDE;
	}
	smmio_deliver_access(st->span->map, &ev);
}

/* Could the emulator take this fault?  Checked in the kprobe handler. */
bool smmio_emulate_plausible(struct smmio_cpu_state *st, struct pt_regs *regs)
{
	const struct mmio_insn *in = &st->insn;

	if (!st->span->alias || !mmio_emulate_supported(in))
		return false;
	if (in->xflags & (MMIO_XF_FSGS | MMIO_XF_ADDR32))
		return false;
	/* Vector registers: only with the FPU in the kernel's hands. */
	if ((in->src_kind == MMIO_OPND_VEC || in->dst_kind == MMIO_OPND_VEC) &&
	    (in->flags & MMIO_INSN_VEX) && !boot_cpu_has(X86_FEATURE_AVX))
		return false;
	return true;
}

static const u32 smmio_arith_flags = X86_EFLAGS_CF | X86_EFLAGS_PF |
	X86_EFLAGS_AF | X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF;

/* Emulate the fault in @st on @regs: an enum mmio_emu_status. */
int smmio_emulate_fault(struct smmio_cpu_state *st, struct pt_regs *regs)
{
	struct mmio_env env = {
		.st = st,
		.base = st->span->probe.addr,
		.end = st->span->probe.addr + st->span->probe.len,
		.alias = (unsigned long)st->span->alias,
		.flags = STAP_MMIO_EV_EMULATED,
	};
	struct mmio_regs r;
	unsigned int i;
	int ret;

	if (st->insn.string_op)
		env.flags |= STAP_MMIO_EV_STRING;
	if (st->insn.flags & MMIO_INSN_REP)
		env.flags |= STAP_MMIO_EV_REP;
	if (st->insn.flags & MMIO_INSN_RMW)
		env.flags |= STAP_MMIO_EV_RMW;
	for (i = 0; i < 16; i++)
		r.gpr[i] = *smmio_gpr(regs, i);
	r.ip = regs->ip;
	r.flags = regs->flags;
	ret = mmio_emulate(&st->insn, &r, st->fault_addr, &env);
	if (ret != MMIO_EMU_OK)
		return ret;
	for (i = 0; i < 16; i++)
		*smmio_gpr(regs, i) = r.gpr[i];
	regs->ip = r.ip;
	regs->flags = (regs->flags & ~smmio_arith_flags) |
		      (r.flags & smmio_arith_flags);
	return MMIO_EMU_OK;
}

NOKPROBE_SYMBOL(smmio_env_alias);
NOKPROBE_SYMBOL(smmio_vec_store);
NOKPROBE_SYMBOL(smmio_vec_load);
NOKPROBE_SYMBOL(smmio_vec_clear_upper);
NOKPROBE_SYMBOL(mmio_env_dev_read);
NOKPROBE_SYMBOL(mmio_env_dev_write);
NOKPROBE_SYMBOL(mmio_env_dev_range);
NOKPROBE_SYMBOL(mmio_env_mem_check);
NOKPROBE_SYMBOL(mmio_env_mem_read);
NOKPROBE_SYMBOL(mmio_env_mem_write);
NOKPROBE_SYMBOL(mmio_env_vec_get);
NOKPROBE_SYMBOL(mmio_env_vec_set);
NOKPROBE_SYMBOL(mmio_env_access);
NOKPROBE_SYMBOL(smmio_emulate_plausible);
NOKPROBE_SYMBOL(smmio_emulate_fault);
NOKPROBE_SYMBOL(mmio_emulate);
NOKPROBE_SYMBOL(mmio_emulate_supported);
