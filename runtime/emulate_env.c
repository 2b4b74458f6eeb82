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
	const struct smmio_dispatch *d;	/* where this instruction's events go */
	unsigned long base;		/* the span's first address */
	unsigned long end;		/* ... and its end (exclusive) */
	unsigned long alias;		/* where base is in the 2nd mapping */
	u32 flags;			/* STAP_MMIO_EV_* of every event */
	bool reads_before;		/* smmio_wants_reads_before(d) */
};

static void __iomem *smmio_env_alias(struct mmio_env *env, unsigned long a)
{
	return (void __iomem *)(env->alias + (a - env->base));
}

/* Legacy load of xmm@reg from @mem: bytes 16.. keep their value. */
static int smmio_xmm_load(unsigned int reg, const void *mem)
{
	switch (reg) {
	case 0:
		asm volatile("movdqu %0, %%xmm0" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 1:
		asm volatile("movdqu %0, %%xmm1" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 2:
		asm volatile("movdqu %0, %%xmm2" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 3:
		asm volatile("movdqu %0, %%xmm3" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 4:
		asm volatile("movdqu %0, %%xmm4" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 5:
		asm volatile("movdqu %0, %%xmm5" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 6:
		asm volatile("movdqu %0, %%xmm6" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 7:
		asm volatile("movdqu %0, %%xmm7" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 8:
		asm volatile("movdqu %0, %%xmm8" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 9:
		asm volatile("movdqu %0, %%xmm9" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 10:
		asm volatile("movdqu %0, %%xmm10" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 11:
		asm volatile("movdqu %0, %%xmm11" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 12:
		asm volatile("movdqu %0, %%xmm12" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 13:
		asm volatile("movdqu %0, %%xmm13" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 14:
		asm volatile("movdqu %0, %%xmm14" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 15:
		asm volatile("movdqu %0, %%xmm15" : : "m"(*(const u8 (*)[32])mem));
		break;
	default:
		return -1;
	}
	return 0;
}

/* VEX.128 load of xmm@reg from @mem: bytes 16.. are cleared. */
static int smmio_xmm_load_vex(unsigned int reg, const void *mem)
{
	switch (reg) {
	case 0:
		asm volatile("vmovdqu %0, %%xmm0" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 1:
		asm volatile("vmovdqu %0, %%xmm1" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 2:
		asm volatile("vmovdqu %0, %%xmm2" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 3:
		asm volatile("vmovdqu %0, %%xmm3" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 4:
		asm volatile("vmovdqu %0, %%xmm4" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 5:
		asm volatile("vmovdqu %0, %%xmm5" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 6:
		asm volatile("vmovdqu %0, %%xmm6" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 7:
		asm volatile("vmovdqu %0, %%xmm7" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 8:
		asm volatile("vmovdqu %0, %%xmm8" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 9:
		asm volatile("vmovdqu %0, %%xmm9" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 10:
		asm volatile("vmovdqu %0, %%xmm10" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 11:
		asm volatile("vmovdqu %0, %%xmm11" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 12:
		asm volatile("vmovdqu %0, %%xmm12" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 13:
		asm volatile("vmovdqu %0, %%xmm13" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 14:
		asm volatile("vmovdqu %0, %%xmm14" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 15:
		asm volatile("vmovdqu %0, %%xmm15" : : "m"(*(const u8 (*)[32])mem));
		break;
	default:
		return -1;
	}
	return 0;
}

/* VEX.256 load of ymm@reg from @mem: bytes 32.. are cleared. */
static int smmio_ymm_load(unsigned int reg, const void *mem)
{
	switch (reg) {
	case 0:
		asm volatile("vmovdqu %0, %%ymm0" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 1:
		asm volatile("vmovdqu %0, %%ymm1" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 2:
		asm volatile("vmovdqu %0, %%ymm2" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 3:
		asm volatile("vmovdqu %0, %%ymm3" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 4:
		asm volatile("vmovdqu %0, %%ymm4" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 5:
		asm volatile("vmovdqu %0, %%ymm5" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 6:
		asm volatile("vmovdqu %0, %%ymm6" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 7:
		asm volatile("vmovdqu %0, %%ymm7" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 8:
		asm volatile("vmovdqu %0, %%ymm8" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 9:
		asm volatile("vmovdqu %0, %%ymm9" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 10:
		asm volatile("vmovdqu %0, %%ymm10" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 11:
		asm volatile("vmovdqu %0, %%ymm11" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 12:
		asm volatile("vmovdqu %0, %%ymm12" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 13:
		asm volatile("vmovdqu %0, %%ymm13" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 14:
		asm volatile("vmovdqu %0, %%ymm14" : : "m"(*(const u8 (*)[32])mem));
		break;
	case 15:
		asm volatile("vmovdqu %0, %%ymm15" : : "m"(*(const u8 (*)[32])mem));
		break;
	default:
		return -1;
	}
	return 0;
}

/* One 16-byte store of xmm@reg to @mem. */
static int smmio_xmm_store(unsigned int reg, void *mem)
{
	switch (reg) {
	case 0:
		asm volatile("movdqu %%xmm0, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 1:
		asm volatile("movdqu %%xmm1, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 2:
		asm volatile("movdqu %%xmm2, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 3:
		asm volatile("movdqu %%xmm3, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 4:
		asm volatile("movdqu %%xmm4, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 5:
		asm volatile("movdqu %%xmm5, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 6:
		asm volatile("movdqu %%xmm6, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 7:
		asm volatile("movdqu %%xmm7, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 8:
		asm volatile("movdqu %%xmm8, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 9:
		asm volatile("movdqu %%xmm9, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 10:
		asm volatile("movdqu %%xmm10, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 11:
		asm volatile("movdqu %%xmm11, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 12:
		asm volatile("movdqu %%xmm12, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 13:
		asm volatile("movdqu %%xmm13, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 14:
		asm volatile("movdqu %%xmm14, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 15:
		asm volatile("movdqu %%xmm15, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	default:
		return -1;
	}
	return 0;
}

/* One 32-byte store of ymm@reg to @mem. */
static int smmio_ymm_store(unsigned int reg, void *mem)
{
	switch (reg) {
	case 0:
		asm volatile("vmovdqu %%ymm0, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 1:
		asm volatile("vmovdqu %%ymm1, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 2:
		asm volatile("vmovdqu %%ymm2, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 3:
		asm volatile("vmovdqu %%ymm3, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 4:
		asm volatile("vmovdqu %%ymm4, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 5:
		asm volatile("vmovdqu %%ymm5, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 6:
		asm volatile("vmovdqu %%ymm6, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 7:
		asm volatile("vmovdqu %%ymm7, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 8:
		asm volatile("vmovdqu %%ymm8, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 9:
		asm volatile("vmovdqu %%ymm9, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 10:
		asm volatile("vmovdqu %%ymm10, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 11:
		asm volatile("vmovdqu %%ymm11, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 12:
		asm volatile("vmovdqu %%ymm12, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 13:
		asm volatile("vmovdqu %%ymm13, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 14:
		asm volatile("vmovdqu %%ymm14, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	case 15:
		asm volatile("vmovdqu %%ymm15, %0" : "=m"(*(u8 (*)[32])mem));
		break;
	default:
		return -1;
	}
	return 0;
}

/* One store of 16 or 32 bytes of register @reg to @mem. */
static int smmio_vec_store(unsigned int reg, unsigned int width, void *mem)
{
	return width == 16 ? smmio_xmm_store(reg, mem) : smmio_ymm_store(reg, mem);
}

/*
 * Load @mem into register @reg: 16 bytes with a legacy load (bytes 16..
 * keep their value), 32 with a VEX.256 load (the rest is cleared).
 */
static int smmio_vec_load(unsigned int reg, unsigned int width,
			  const void *mem)
{
	return width == 16 ? smmio_xmm_load(reg, mem) : smmio_ymm_load(reg, mem);
}

notrace void mmio_env_dev_read(struct mmio_env *env, unsigned long addr,
			       unsigned int width, void *val)
{
	void __iomem *p = smmio_env_alias(env, addr);
	const struct mmio_insn *in = &env->st->dec->insn;

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

notrace void mmio_env_dev_write(struct mmio_env *env, unsigned long addr,
				unsigned int width, const void *val)
{
	void __iomem *p = smmio_env_alias(env, addr);
	const struct mmio_insn *in = &env->st->dec->insn;

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
		return smmio_xmm_load_vex(reg, buf);
	case MMIO_VEC_ZERO_256:
		return smmio_vec_load(reg, 32, buf);
	}
	return -1;
}

/*
 * Copy an access's 1, 2, 4 or 8 bytes as one move (every access runs
 * this, both ways); false for any other width (vector operands).
 */
static __always_inline bool smmio_env_copy(void *dst, const void *src,
					   unsigned int width)
{
	switch (width) {
	case 1:
		memcpy(dst, src, 1);
		return true;
	case 2:
		memcpy(dst, src, 2);
		return true;
	case 4:
		memcpy(dst, src, 4);
		return true;
	case 8:
		memcpy(dst, src, 8);
		return true;
	}
	return false;
}

/* An event for one emulated access of @width bytes of @val at @addr. */
static __always_inline void
smmio_env_event(struct mmio_env *env, struct stap_mmio_event *ev,
		unsigned int dir, unsigned long addr, unsigned int width,
		const void *val, u32 flags)
{
	struct smmio_cpu_state *st = env->st;

	smmio_event_init(ev, env->d, st->span, st->regs, addr, st->ip,
			 st->dec->raw, st->dec->insn.length);
	ev->type = dir == MMIO_ACC_READ ? STAP_MMIO_READ : STAP_MMIO_WRITE;
	ev->width = width;
	ev->flags = env->flags | flags | STAP_MMIO_EV_CHANGEABLE;
	ev->value = 0;
	if (smmio_env_copy(&ev->value, val, width))
		return;
	memcpy(&ev->value, val, min_t(unsigned int, width, sizeof(ev->value)));
	if (width > sizeof(ev->value)) {
		memset(ev->value_hi, 0, sizeof(ev->value_hi));
		memcpy(ev->value_hi, (const u8 *)val + sizeof(ev->value),
		       min_t(unsigned int, width - sizeof(ev->value),
			     sizeof(ev->value_hi)));
		ev->flags &= ~STAP_MMIO_EV_CHANGEABLE;
		ev->flags |= STAP_MMIO_EV_WIDE;
	}
}

/*
 * Deliver the access; a read after the device answered, a write before
 * the device sees it.  What the handlers assigned to $value becomes the
 * value (dispatch.c refused it where it cannot be), and a write they
 * asked to skip is skipped: returns 1 then.
 */
notrace int mmio_env_access(struct mmio_env *env, unsigned int dir,
			    unsigned long addr, unsigned int width, void *val)
{
	struct stap_mmio_event *ev = &env->st->ev;

	if (!env->d)
		return 0;	/* no session started: nobody to tell */
	smmio_env_event(env, ev, dir, addr, width, val, 0);
	smmio_deliver_access(env->d, ev);
	if (!(ev->flags & STAP_MMIO_EV_CHANGEABLE))
		return 0;
	smmio_env_copy(val, &ev->value, width);
	return dir == MMIO_ACC_WRITE && (ev->action & STAP_MMIO_ACT_SKIP);
}

/*
 * Before a read, for the probes that may skip it (their ranges ask for
 * reads before the device access): a skipped read reads what they
 * assigned to $value, else 0.  Returns 1 when the read is skipped.
 */
static noinline int smmio_env_read_before(struct mmio_env *env,
					  unsigned long addr,
					  unsigned int width, void *val)
{
	struct stap_mmio_event *ev = &env->st->ev;

	smmio_env_event(env, ev, MMIO_ACC_READ, addr, width, val,
			STAP_MMIO_EV_BEFORE);
	smmio_deliver_access(env->d, ev);
	if (!(ev->flags & STAP_MMIO_EV_CHANGEABLE) ||
	    !(ev->action & STAP_MMIO_ACT_SKIP))
		return 0;
	smmio_env_copy(val, &ev->value, width);
	return 1;
}

/* Every read asks: out of line only when some range wants it. */
notrace int mmio_env_read_skip(struct mmio_env *env, unsigned long addr,
			       unsigned int width, void *val)
{
	if (likely(!env->reads_before))
		return 0;
	return smmio_env_read_before(env, addr, width, val);
}

/*
 * Could the emulator take this instruction?  Decided once per decode (the
 * cache keeps the answer); the fault also needs the span's second mapping.
 */
bool smmio_emulatable(const struct mmio_insn *in)
{
	if (!mmio_emulate_supported(in))
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
notrace int smmio_emulate_fault(struct smmio_cpu_state *st,
				struct pt_regs *regs)
{
	const struct smmio_dispatch *d = smmio_dispatch_now();
	struct mmio_env env = {
		.st = st,
		.d = d,
		.base = st->span->probe.addr,
		.end = st->span->probe.addr + st->span->probe.len,
		.alias = (unsigned long)st->span->alias,
		.flags = STAP_MMIO_EV_EMULATED | st->dec->ev_flags,
		.reads_before = smmio_wants_reads_before(d),
	};
	struct mmio_regs *r = &st->emu_regs;
	int ret;

	st->regs = regs;
	smmio_send_pending_map(st->span->map);
	smmio_regs_load_used(r, regs, st->dec->regs_used);
	ret = mmio_emulate(&st->dec->insn, r, st->fault_addr, &env);
	if (ret != MMIO_EMU_OK)
		return ret;
	smmio_regs_store(regs, r);
	regs->flags = (regs->flags & ~smmio_arith_flags) |
		      (r->flags & smmio_arith_flags);
	return MMIO_EMU_OK;
}

NOKPROBE_SYMBOL(smmio_env_alias);
NOKPROBE_SYMBOL(smmio_vec_store);
NOKPROBE_SYMBOL(smmio_vec_load);
NOKPROBE_SYMBOL(smmio_xmm_load);
NOKPROBE_SYMBOL(smmio_xmm_load_vex);
NOKPROBE_SYMBOL(smmio_ymm_load);
NOKPROBE_SYMBOL(smmio_xmm_store);
NOKPROBE_SYMBOL(smmio_ymm_store);
NOKPROBE_SYMBOL(mmio_env_dev_read);
NOKPROBE_SYMBOL(mmio_env_dev_write);
NOKPROBE_SYMBOL(mmio_env_dev_range);
NOKPROBE_SYMBOL(mmio_env_mem_check);
NOKPROBE_SYMBOL(mmio_env_mem_read);
NOKPROBE_SYMBOL(mmio_env_mem_write);
NOKPROBE_SYMBOL(mmio_env_vec_get);
NOKPROBE_SYMBOL(mmio_env_vec_set);
NOKPROBE_SYMBOL(mmio_env_access);
NOKPROBE_SYMBOL(mmio_env_read_skip);
NOKPROBE_SYMBOL(smmio_env_read_before);
NOKPROBE_SYMBOL(smmio_emulatable);
NOKPROBE_SYMBOL(smmio_emulate_fault);
NOKPROBE_SYMBOL(mmio_emulate);
NOKPROBE_SYMBOL(mmio_emulate_supported);
