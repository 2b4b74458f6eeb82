/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulate one decoded MMIO instruction: make its device access(es) through
 * the environment and update the registers as the CPU would, so the
 * faulting instruction never runs and the device page is never present.
 *
 * Self-contained like the decoder: builds in the kernel (runtime/) and in
 * user space (testsuite/emulate, which checks it against the CPU).  No
 * allocation, no locks, no global state: safe in the page-fault handler.
 *
 * The environment is bound at link time, not through function pointers:
 * whoever links mmio_emulate.c defines the mmio_env_*() functions below
 * (runtime/emulate_env.c in the kernel, the test harness in user space).
 * The fault path thus makes no indirect call.
 */
#ifndef MMIO_EMULATE_H
#define MMIO_EMULATE_H

#include "mmio_decode.h"

/* The register state the emulator reads and writes. */
struct mmio_regs {
	u64 gpr[16];		/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	u64 ip;
	u64 flags;		/* RFLAGS */
	/*
	 * Set by mmio_emulate(): bit N when it wrote gpr[N].  A caller that
	 * keeps the registers elsewhere copies back only those.
	 */
	u16 written;
};

/* How a vector register is written (mmio_env_vec_set()). */
enum mmio_vec_write {
	/* legacy SSE: bytes 0..15 from @val, bytes 16.. keep their value */
	MMIO_VEC_MERGE,
	/* VEX.128: bytes 0..15 from @val, bytes 16.. cleared */
	MMIO_VEC_ZERO_128,
	/* VEX.256: bytes 0..31 from @val, bytes 32.. cleared */
	MMIO_VEC_ZERO_256,
};

/* What mmio_emulate() did. */
enum mmio_emu_status {
	/*
	 * Done: every device access made, registers updated.  ip is past
	 * the instruction, or still at it when a REP string op stopped at
	 * the end of the device range with elements left (the next element
	 * faults again, or runs natively when its page is not armed).
	 */
	MMIO_EMU_OK = 0,
	/* A form this emulator does not do: nothing accessed, regs intact. */
	MMIO_EMU_UNSUPPORTED,
	/* The address computed from the registers is not the fault address. */
	MMIO_EMU_EA_MISMATCH,
	/* The ordinary-memory operand cannot be read or written. */
	MMIO_EMU_NO_MEM,
};

struct mmio_env;		/* the caller's: passed through untouched */

/*
 * Provided by the environment.  @addr is always an address the faulting
 * code used (the traced mapping's virtual address, or ordinary memory).
 *
 * mmio_env_dev_read/write: exactly one device access of @width bytes
 * (1, 2, 4, 8, 16 or 32) at @addr, which lies in the device range
 * (mmio_env_dev_range() said so).  @val is little-endian, @width bytes.
 */
void mmio_env_dev_read(struct mmio_env *env, unsigned long addr,
		       unsigned int width, void *val);
void mmio_env_dev_write(struct mmio_env *env, unsigned long addr,
			unsigned int width, const void *val);
/*
 * Is [addr, addr+width) inside the device range this fault may touch?
 * String ops stop before the first element that is not.
 */
int mmio_env_dev_range(struct mmio_env *env, unsigned long addr,
		       unsigned int width);
/*
 * Ordinary memory (a string op's other side).  mem_check() says, before
 * any device access, whether [addr, addr+len) may be read (@write 0) or
 * written (@write 1): 0 yes, -1 no.  mem_read/mem_write return 0 or -1.
 */
int mmio_env_mem_check(struct mmio_env *env, unsigned long addr,
		       unsigned int len, int write);
int mmio_env_mem_read(struct mmio_env *env, unsigned long addr, void *buf,
		      unsigned int len);
int mmio_env_mem_write(struct mmio_env *env, unsigned long addr,
		       const void *buf, unsigned int len);
/*
 * Vector registers xmm/ymm 0..15: get all 32 bytes of ymm@reg (0 or -1
 * when the register cannot be read); set as @how says.
 */
int mmio_env_vec_get(struct mmio_env *env, unsigned int reg, u8 val[32]);
int mmio_env_vec_set(struct mmio_env *env, unsigned int reg,
		     const u8 val[32], enum mmio_vec_write how);
/*
 * Called for each device access, in program order: for a read after the
 * device answered, for a write before the device sees it.  The
 * environment may change @val (what the instruction reads, or what the
 * device is given); for a write, nonzero means the device access is
 * skipped.
 */
int mmio_env_access(struct mmio_env *env, unsigned int dir,
		    unsigned long addr, unsigned int width, void *val);
/*
 * Called before each device read: nonzero means the read is skipped and
 * the instruction reads @val (@width bytes, zero unless the environment
 * set them) instead.
 */
int mmio_env_read_skip(struct mmio_env *env, unsigned long addr,
		       unsigned int width, void *val);

/*
 * Emulate @in (decoded from the bytes at @r->ip) that faulted at
 * @fault_addr.  Checks that the address the instruction computes from
 * @r is @fault_addr (else MMIO_EMU_EA_MISMATCH, nothing accessed).
 */
int mmio_emulate(const struct mmio_insn *in, struct mmio_regs *r,
		 unsigned long fault_addr, struct mmio_env *env);

/* Does mmio_emulate() handle this form at all? (no side effects) */
int mmio_emulate_supported(const struct mmio_insn *in);

/*
 * The same answer, noted in @in->emu_form, so that mmio_emulate() and
 * mmio_emulate_supported() of this decode need no lookup again.
 */
int mmio_emulate_prepare(struct mmio_insn *in);

/*
 * The address of the ModRM memory operand (base + index * scale + disp,
 * or the moffs address), from @r.  FS/GS bases are not applied: callers
 * refuse MMIO_XF_FSGS forms.  String ops: not meaningful (rsi/rdi).
 */
u64 mmio_insn_ea(const struct mmio_insn *in, const struct mmio_regs *r);

/*
 * General registers the instruction reads or writes as data, not as
 * address (bit N = gpr N): ModRM reg operands, implicit ones (rax of
 * CMPXCHG, rcx/rsi/rdi of string ops, rsp of PUSH/POP, rdx:rax...).
 * A fallback that rebases an address register onto another mapping uses
 * this to pick a register the instruction does not otherwise touch.
 */
u16 mmio_insn_data_regs(const struct mmio_insn *in);

/*
 * Every general register mmio_emulate() may read for @in (bit N = gpr N):
 * the data registers and those that address the memory operand.  A
 * caller may load only these into struct mmio_regs; the others may hold
 * anything (testsuite/emulate fills them with garbage to show it).
 */
u16 mmio_insn_regs_used(const struct mmio_insn *in);

#endif /* MMIO_EMULATE_H */
