/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decode one x86-64 instruction that faulted on an MMIO
 * page: which way it moves data, how wide, and where the value written
 * comes from or the value read goes.
 *
 * Self-contained: builds in the kernel (runtime/) and in user space (the
 * decoder tests), with no allocation, no locks and no global state, so it
 * may run in the page-fault handler.
 */
#ifndef MMIO_DECODE_H
#define MMIO_DECODE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int32_t s32;
typedef int64_t s64;
#endif

#define MMIO_INSN_MAX		15	/* longest x86 instruction */

/* Direction bits (mmio_insn.access). */
#define MMIO_ACC_READ		0x1	/* the instruction reads memory */
#define MMIO_ACC_WRITE		0x2	/* the instruction writes memory */

/* Operand kinds, for the value written (src) and the value read (dst). */
enum mmio_opnd_kind {
	MMIO_OPND_NONE = 0,	/* no such value (e.g. dst of a pure write) */
	MMIO_OPND_GPR,		/* general register, reg = 0..15 (rax..r15) */
	MMIO_OPND_GPR8H,	/* ah/ch/dh/bh, reg = 4..7 as encoded */
	MMIO_OPND_VEC,		/* xmm/ymm/zmm register, reg = 0..31 */
	MMIO_OPND_IMM,		/* immediate (src only): mmio_insn.imm */
	MMIO_OPND_MEM_SI,	/* string op: memory at [rsi] */
	MMIO_OPND_MEM_DI,	/* string op: memory at [rdi] */
	MMIO_OPND_PORT,		/* INS/OUTS: an I/O port (value unknown) */
	MMIO_OPND_COMPUTED,	/* RMW result or compare: no register holds it */
	/* CMPXCHG read: rax after if ZF=0, else rax before */
	MMIO_OPND_CMPXCHG_AX,
	/* MOVDIR64B/ENQCMD source: the 64 bytes at the ModRM operand */
	MMIO_OPND_MEM_MODRM,
	/* MOVDIR64B/ENQCMD destination: memory at the address in dst_reg */
	MMIO_OPND_MEM_REG,
};

/* Value extension into the destination register (mmio_insn.dst_ext). */
#define MMIO_EXT_NONE		0
#define MMIO_EXT_ZERO		1	/* MOVZX, 32-bit GPR writes */
#define MMIO_EXT_SIGN		2	/* MOVSX, MOVSXD */

/* String operations (mmio_insn.string_op). */
enum mmio_string_op {
	MMIO_STR_NONE = 0,
	MMIO_STR_MOVS, MMIO_STR_STOS, MMIO_STR_LODS,
	MMIO_STR_CMPS, MMIO_STR_SCAS, MMIO_STR_INS, MMIO_STR_OUTS,
};

/* Flags (mmio_insn.flags). */
#define MMIO_INSN_REP		0x01	/* REP/REPE/REPNE prefix */
#define MMIO_INSN_LOCK		0x02	/* LOCK prefix */
#define MMIO_INSN_RMW		0x04	/* reads and writes the operand */
#define MMIO_INSN_VEX		0x08	/* VEX-encoded */
#define MMIO_INSN_EVEX		0x10	/* EVEX-encoded */
#define MMIO_INSN_MASKED	0x20	/* EVEX masked: partial access */
#define MMIO_INSN_NONTEMPORAL	0x40	/* MOVNTI/MOVNTDQ/MOVNTDQA... */

/* More flags (mmio_insn.xflags). */
#define MMIO_XF_REPNE		0x01	/* the REP prefix is F2 (REPNE) */
/* MOVBE: the memory value is the byte-swapped register value */
#define MMIO_XF_BSWAP		0x02
#define MMIO_XF_ADDR32		0x04	/* 67 prefix: 32-bit addressing */
/*
 * BT/BTS/BTR/BTC with a register bit offset: the byte accessed may lie
 * outside the addressed operand.
 */
#define MMIO_XF_BITBASE		0x08
#define MMIO_XF_FSGS		0x10	/* FS or GS segment override */
/* The VEC value is one lane of the register, at vec_offset */
#define MMIO_XF_VECLANE		0x20

struct mmio_insn {
	u8 length;		/* instruction length in bytes */
	u8 access;		/* MMIO_ACC_* (0: touches no memory) */
	u8 width;		/* bytes per memory access: 1..64 */
	u8 flags;		/* MMIO_INSN_* */
	u8 src_kind;		/* enum mmio_opnd_kind: value written */
	u8 src_reg;
	u8 dst_kind;		/* enum mmio_opnd_kind: value read */
	u8 dst_reg;
	u8 dst_width;		/* bytes of the destination register written */
	u8 dst_ext;		/* MMIO_EXT_* */
	u8 string_op;		/* enum mmio_string_op */
	u8 opcode_map;		/* 0: one-byte, 1: 0f, 2: 0f38, 3: 0f3a */
	u8 opcode;		/* primary opcode byte */
	u8 modrm_mem;		/* 1 if an explicit ModRM memory operand */
	u64 imm;		/* MMIO_OPND_IMM: value, truncated to width */
	u8 xflags;		/* MMIO_XF_* */
	/* MMIO_OPND_VEC: the value's byte offset in the register (pextrd) */
	u8 vec_offset;
	u8 opmask;		/* EVEX: opmask register k1..k7, 0 none */
	u8 mnem;		/* mnemonic index: mmio_decode_mnemonic() */
	u8 modrm_reg;		/* ModRM reg field (/digit), 0..7 */
	/*
	 * Where the memory operand is, for ModRM forms and moffs:
	 * base + index * scale + disp (mmio_emulate.h: mmio_insn_ea()).
	 * String ops address memory through rsi/rdi instead.
	 */
	u8 ea_base;		/* 0..15, MMIO_EA_NONE or MMIO_EA_RIP */
	u8 ea_index;		/* 0..15 or MMIO_EA_NONE */
	u8 ea_scale;		/* 1, 2, 4 or 8 */
	s64 ea_disp;		/* sign-extended displacement, or moffs */
	/*
	 * The ModRM.reg general register the ALU forms (ADD..CMP r/m,r and
	 * r,r/m; TEST r/m,r) compute with: kind GPR or GPR8H and number as
	 * for src_kind/src_reg; kind NONE for every other instruction.
	 */
	u8 reg_kind;
	u8 reg_num;
	/*
	 * Not the decoder's: mmio_emulate_prepare() notes here which of the
	 * emulator's forms this is (0: not looked up yet), so a decode kept
	 * in a cache needs no lookup when it runs again.
	 */
	u8 emu_form;
};

#define MMIO_EA_NONE		0xff	/* no base / no index register */
#define MMIO_EA_RIP		0xfe	/* RIP-relative: disp from the next ip */

/*
 * Conventions:
 * - width is the size of one memory access (one element for string ops).
 *   access has both bits for read-modify-write forms (MMIO_INSN_RMW set)
 *   and for MOVS (reads [rsi], writes [rdi]: two locations, no RMW flag)
 *   and MOVDIR64B/ENQCMD(S) (read ModRM memory, write [dst_reg]).
 * - src (the value written): GPR = the low @width bytes of that register;
 *   GPR8H = byte 1 of register src_reg & 3 (ah/ch/dh/bh); VEC = @width
 *   bytes of the vector register from byte vec_offset (normally 0); IMM =
 *   imm (already sign-extended as the CPU does and truncated to @width);
 *   MEM_SI = what MOVS read at [rsi]; PORT = what INS read from port dx;
 *   MEM_MODRM = the 64 bytes MOVDIR64B/ENQCMD(S) read at the ModRM operand;
 *   COMPUTED = the result of an ALU operation, SETcc, POP...
 * - dst (where the value read goes): GPR/GPR8H/VEC = that register, of
 *   which dst_width bytes are written (from vec_offset for VEC);
 *   CMPXCHG_AX = rax (dst_width bytes) receives it only when the compare
 *   failed (ZF=0); MEM_DI = MOVS stores it at [rdi]; MEM_REG = MOVDIR64B
 *   and ENQCMD(S) store it at the address in register dst_reg (a 64-byte
 *   write, e.g. iosubmit_cmds512() to a device portal); PORT = OUTS sends it
 *   to port dx; COMPUTED = it only feeds a computation or compare.
 * - dst_ext, from @width up to dst_width bytes: ZERO = zero-extended,
 *   SIGN = sign-extended, NONE = no extension (@width == dst_width).
 *   Beyond dst_width a GPR keeps its bytes, except that a dst_width of 4
 *   clears bits 63:32 (the x86-64 rule; dst_ext is then ZERO or SIGN).
 *   For VEC, ZERO means the rest of the register is cleared, NONE that it
 *   keeps its value (legacy SSE loads, movlps/movhps, pinsr*).
 * - MMIO_INSN_LOCK reports a LOCK prefix; XCHG with memory is locked
 *   without one.  MMIO_INSN_REP is set for F3 and F2 on string ops, with
 *   MMIO_XF_REPNE for F2.
 * - Refused (-1): register-only forms, control transfers through memory,
 *   LEA, prefetch/cache/TLB hints, MMX register moves, segment register
 *   moves, FXSAVE/XSAVE and other state-area instructions, descriptor
 *   table instructions, VMX, and anything invalid or unknown.
 */

/*
 * Decode the instruction at @code (@avail bytes readable).  Returns 0 and
 * fills @insn when the instruction is understood, -1 when it is not (the
 * caller reports an UNKNOWN event).  Never reads past @avail bytes.
 */
int mmio_decode(const u8 *code, unsigned int avail, struct mmio_insn *insn);

/* A short mnemonic for tests and debug output ("mov", "movzx", "stos"...). */
const char *mmio_decode_mnemonic(const struct mmio_insn *insn);

#endif /* MMIO_DECODE_H */
