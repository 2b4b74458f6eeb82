// SPDX-License-Identifier: GPL-2.0
/*
 * Emulate one decoded MMIO instruction (see mmio_emulate.h): the device
 * access(es) go through the environment, the registers are updated as the
 * CPU would update them (Intel SDM semantics), and ip moves past the
 * instruction.
 *
 * Structure: one table pairs each emulated form (opcode map and opcode
 * range, the ModRM /digit when it matters, the encodings allowed, and the
 * operand kinds the decoder reported) with a handler; mmio_emulate() looks
 * the form up, checks the address against the fault address and calls the
 * handler through a switch (no indirect call in the fault path).
 *
 * Flags of the read-modify-write forms are not computed by hand: the
 * operation runs natively on the values, with the instruction's flags
 * loaded, and the status flags are taken back with pushf.
 *
 * No allocation, no locks, no global state written, no recursion: safe in
 * the page-fault handler.  Builds in the kernel and in user space.
 */
#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#define EMU_NOKPROBE(f)	NOKPROBE_SYMBOL(f)
#define EMU_NOTRACE	notrace
#else
#define EMU_NOKPROBE(f)
#define EMU_NOTRACE
/* __always_inline: the harness's command line defines it (emulate.mk) */
#include <stddef.h>
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#include "mmio_emulate.h"

#define EFL_CF		0x0001
#define EFL_PF		0x0004
#define EFL_AF		0x0010
#define EFL_ZF		0x0040
#define EFL_SF		0x0080
#define EFL_DF		0x0400
#define EFL_OF		0x0800
#define EFL_STATUS	(EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

#define REG_RAX		0
#define REG_RCX		1
#define REG_RDX		2
#define REG_RBX		3
#define REG_RSP		4
#define REG_RSI		6
#define REG_RDI		7

/* ---- the forms ---------------------------------------------------------- */

enum emu_handler {
	H_LOAD = 1,	/* memory -> GPR or vector register */
	H_STORE,	/* GPR, immediate or vector register -> memory */
	H_STRING,	/* MOVS/STOS/LODS, with or without REP */
	H_XCHG,		/* XCHG mem, reg */
	H_CMPXCHG,	/* CMPXCHG mem, reg */
	H_XADD,		/* XADD mem, reg */
	H_UNARY,	/* INC/DEC/NOT/NEG mem */
	H_ALU_IMM,	/* ADD..CMP r/m, imm (80/81/83); TEST r/m, imm */
	H_SHIFT,	/* ROL..SAR r/m by 1, imm8 or CL (c0/c1, d0-d3) */
	H_BT_IMM,	/* BT/BTS/BTR/BTC r/m, imm8 (0f ba /4-/7) */
	H_ALU_REG,	/* ADD..CMP r/m, r and r, r/m; TEST r/m, r */
};

#define K(kind)		(1u << (kind))
#define K_GPRS		(K(MMIO_OPND_GPR) | K(MMIO_OPND_GPR8H))
#define K_VEC		K(MMIO_OPND_VEC)
#define K_NONE		K(MMIO_OPND_NONE)

#define ENC_LEG		0x1	/* legacy encoding */
#define ENC_VEX		0x2	/* VEX encoding */

#define ANY_REG		0xff	/* any ModRM.reg */

struct emu_form {
	u8 map, lo, hi;		/* opcode map, opcode range */
	u8 modrm_reg;		/* ModRM /digit, or ANY_REG */
	u8 enc;			/* ENC_* allowed */
	u8 handler;		/* enum emu_handler */
	u16 src, dst;		/* operand kinds allowed (K()) */
};

#define FORM(m, l, h, r, e, hd, s, d) \
	{ .map = (m), .lo = (l), .hi = (h), .modrm_reg = (r), .enc = (e), \
	  .handler = (hd), .src = (s), .dst = (d) }

static const struct emu_form emu_forms[] = {
	/* MOV r/m, r and MOV r, r/m (88-8b) */
	FORM(0, 0x88, 0x89, ANY_REG, ENC_LEG, H_STORE, K_GPRS, K_NONE),
	FORM(0, 0x8a, 0x8b, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	/* MOVSXD (63) */
	FORM(0, 0x63, 0x63, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	/* MOV AL/rAX <-> moffs (a0-a3) */
	FORM(0, 0xa0, 0xa1, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	FORM(0, 0xa2, 0xa3, ANY_REG, ENC_LEG, H_STORE, K_GPRS, K_NONE),
	/* MOV r/m, imm (c6/c7 /0) */
	FORM(0, 0xc6, 0xc7, 0, ENC_LEG, H_STORE, K(MMIO_OPND_IMM), K_NONE),
	/* MOVS, STOS, LODS (a4/a5, aa/ab, ac/ad) */
	FORM(0, 0xa4, 0xa5, ANY_REG, ENC_LEG, H_STRING,
	     K(MMIO_OPND_MEM_SI), K(MMIO_OPND_MEM_DI)),
	FORM(0, 0xaa, 0xab, ANY_REG, ENC_LEG, H_STRING,
	     K(MMIO_OPND_GPR), K_NONE),
	FORM(0, 0xac, 0xad, ANY_REG, ENC_LEG, H_STRING,
	     K_NONE, K(MMIO_OPND_GPR)),
	/* XCHG r/m, r (86/87) */
	FORM(0, 0x86, 0x87, ANY_REG, ENC_LEG, H_XCHG, K_GPRS, K_GPRS),
	/* NOT, NEG (f6/f7 /2, /3); INC, DEC (fe/ff /0, /1) */
	FORM(0, 0xf6, 0xf7, 2, ENC_LEG, H_UNARY, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xf6, 0xf7, 3, ENC_LEG, H_UNARY, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xfe, 0xff, 0, ENC_LEG, H_UNARY, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xfe, 0xff, 1, ENC_LEG, H_UNARY, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	/*
	 * ALU r/m, imm (80/81/83 /0-/7: CMP only reads), TEST r/m, imm
	 * (f6/f7 /0, /1), shifts and rotates (c0/c1, d0-d3).  The forms with
	 * a register operand (00-3b, 84/85...) are not here: the decoder does
	 * not report that register for COMPUTED forms.
	 */
	FORM(0, 0x00, 0x3b, ANY_REG, ENC_LEG, H_ALU_REG,
	     K(MMIO_OPND_COMPUTED) | K_NONE, K(MMIO_OPND_COMPUTED)),
	FORM(0, 0x84, 0x85, ANY_REG, ENC_LEG, H_ALU_REG, K_NONE,
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0x80, 0x83, ANY_REG, ENC_LEG, H_ALU_IMM,
	     K(MMIO_OPND_COMPUTED) | K_NONE, K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xf6, 0xf7, 0, ENC_LEG, H_ALU_IMM, K_NONE,
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xf6, 0xf7, 1, ENC_LEG, H_ALU_IMM, K_NONE,
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xc0, 0xc1, ANY_REG, ENC_LEG, H_SHIFT, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	FORM(0, 0xd0, 0xd3, ANY_REG, ENC_LEG, H_SHIFT, K(MMIO_OPND_COMPUTED),
	     K(MMIO_OPND_COMPUTED)),
	/*
	 * BT/BTS/BTR/BTC r/m, imm8 (0f ba); the register forms may reach
	 * outside the operand (MMIO_XF_BITBASE) and are refused.
	 */
	FORM(1, 0xba, 0xba, ANY_REG, ENC_LEG, H_BT_IMM,
	     K(MMIO_OPND_COMPUTED) | K_NONE, K(MMIO_OPND_COMPUTED)),
	/* MOVZX, MOVSX (0f b6/b7, be/bf) */
	FORM(1, 0xb6, 0xb7, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	FORM(1, 0xbe, 0xbf, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	/* MOVNTI (0f c3) */
	FORM(1, 0xc3, 0xc3, ANY_REG, ENC_LEG, H_STORE, K_GPRS, K_NONE),
	/* CMPXCHG (0f b0/b1), XADD (0f c0/c1) */
	FORM(1, 0xb0, 0xb1, ANY_REG, ENC_LEG, H_CMPXCHG, K_GPRS,
	     K(MMIO_OPND_CMPXCHG_AX)),
	FORM(1, 0xc0, 0xc1, ANY_REG, ENC_LEG, H_XADD, K(MMIO_OPND_COMPUTED),
	     K_GPRS),
	/* MOVBE (0f38 f0/f1; CRC32 shares them and is COMPUTED) */
	FORM(2, 0xf0, 0xf0, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_GPRS),
	FORM(2, 0xf1, 0xf1, ANY_REG, ENC_LEG, H_STORE, K_GPRS, K_NONE),
	/*
	 * Vector moves.  movups/movupd/movss/movsd (0f 10/11),
	 * movaps/movapd (0f 28/29), movntps/pd (0f 2b), movd/movq (0f 6e/7e,
	 * 0f d6), movdqa/movdqu (0f 6f/7f), movntdq (0f e7), movntdqa
	 * (0f38 2a): plain copies, legacy and VEX.
	 */
	FORM(1, 0x10, 0x10, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x11, 0x11, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0x28, 0x28, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x29, 0x29, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0x2b, 0x2b, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0x6e, 0x6e, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x7e, 0x7e, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x7e, 0x7e, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0xd6, 0xd6, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0x6f, 0x6f, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x7f, 0x7f, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0xe7, 0xe7, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(2, 0x2a, 0x2a, ANY_REG, ENC_LEG | ENC_VEX, H_LOAD, K_NONE, K_VEC),
	/*
	 * movlps/movlpd/movhps/movhpd (0f 12/13/16/17): legacy loads merge
	 * into the register; the VEX loads take the other half from vvvv,
	 * which the decoder does not report, so only their stores are here.
	 */
	FORM(1, 0x12, 0x12, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x16, 0x16, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_VEC),
	FORM(1, 0x13, 0x13, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(1, 0x17, 0x17, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	/*
	 * pinsrw (0f c4), pinsrb/d/q (0f3a 20/22): legacy lane loads (VEX
	 * ones merge with vvvv); pextrb/w/d/q, extractps (0f3a 14-17) and
	 * vextractf128/i128 (0f3a 19/39): lane stores.
	 */
	FORM(1, 0xc4, 0xc4, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_VEC),
	FORM(3, 0x20, 0x20, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_VEC),
	FORM(3, 0x22, 0x22, ANY_REG, ENC_LEG, H_LOAD, K_NONE, K_VEC),
	FORM(3, 0x14, 0x17, ANY_REG, ENC_LEG | ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(3, 0x19, 0x19, ANY_REG, ENC_VEX, H_STORE, K_VEC, K_NONE),
	FORM(3, 0x39, 0x39, ANY_REG, ENC_VEX, H_STORE, K_VEC, K_NONE),
};

#define EMU_NFORMS	ARRAY_SIZE(emu_forms)

static const struct emu_form *emu_find(const struct mmio_insn *in)
{
	unsigned int i, enc;

	if (in->flags & (MMIO_INSN_EVEX | MMIO_INSN_MASKED))
		return NULL;
	if (in->xflags & (MMIO_XF_FSGS | MMIO_XF_ADDR32 | MMIO_XF_REPNE |
			  MMIO_XF_BITBASE))
		return NULL;
	if (in->src_kind >= 16 || in->dst_kind >= 16)
		return NULL;
	if ((in->src_kind == MMIO_OPND_VEC && in->src_reg >= 16) ||
	    (in->dst_kind == MMIO_OPND_VEC && in->dst_reg >= 16))
		return NULL;
	enc = (in->flags & MMIO_INSN_VEX) ? ENC_VEX : ENC_LEG;
	for (i = 0; i < EMU_NFORMS; i++) {
		const struct emu_form *f = &emu_forms[i];

		if (f->map != in->opcode_map || in->opcode < f->lo ||
		    in->opcode > f->hi || !(f->enc & enc) ||
		    !(f->src & K(in->src_kind)) ||
		    !(f->dst & K(in->dst_kind)))
			continue;
		if (f->modrm_reg != ANY_REG &&
		    (!in->modrm_mem || f->modrm_reg != in->modrm_reg))
			continue;
		/* MOVBE only, not CRC32 (a COMPUTED read) */
		if (f->map == 2 && f->lo >= 0xf0 &&
		    !(in->xflags & MMIO_XF_BSWAP))
			continue;
		/* REP only on string ops; LOCK only on RMW forms */
		if ((in->flags & MMIO_INSN_REP) && f->handler != H_STRING)
			continue;
		if ((in->flags & MMIO_INSN_LOCK) && f->handler != H_XCHG &&
		    f->handler != H_CMPXCHG && f->handler != H_XADD &&
		    f->handler != H_UNARY && f->handler != H_ALU_IMM &&
		    f->handler != H_BT_IMM && f->handler != H_ALU_REG)
			continue;
		return f;
	}
	return NULL;
}

/* The form of @in when it is emulated, else NULL. */
static const struct emu_form *emu_form(const struct mmio_insn *in)
{
	const struct emu_form *f = emu_find(in);
	int ok;

	if (!f)
		return NULL;
	/*
	 * A 16- or 32-byte device access is made through the instruction's
	 * own vector register (runtime/emulate_env.c: one access of the
	 * full width), so the value must be that register's low bytes: no
	 * upper-lane store (vextractf128 with imm 1).
	 */
	if (f->handler == H_STRING)
		ok = in->width >= 1 && in->width <= 8;
	else if (in->src_kind == MMIO_OPND_VEC ||
		 in->dst_kind == MMIO_OPND_VEC)
		ok = in->width <= 32 &&
		     (in->width < 16 || in->vec_offset == 0) &&
		     in->vec_offset + in->width <= 32;
	else
		ok = in->width == 1 || in->width == 2 || in->width == 4 ||
		     in->width == 8;
	return ok ? f : NULL;
}

#define EMU_FORM_NONE	0xff	/* mmio_insn.emu_form: looked up, none */

/* The form of @in, through the note mmio_emulate_prepare() left. */
static const struct emu_form *emu_form_of(const struct mmio_insn *in)
{
	if (in->emu_form == EMU_FORM_NONE)
		return NULL;
	if (in->emu_form && in->emu_form <= EMU_NFORMS)
		return &emu_forms[in->emu_form - 1];
	return emu_form(in);
}

int mmio_emulate_supported(const struct mmio_insn *in)
{
	return emu_form_of(in) != NULL;
}

int mmio_emulate_prepare(struct mmio_insn *in)
{
	const struct emu_form *f = emu_form(in);

	in->emu_form = f ? (u8)(f - emu_forms) + 1 : EMU_FORM_NONE;
	return f != NULL;
}

/* ---- helpers ------------------------------------------------------------ */

/*
 * Copies of the access widths are single moves (a fault pays for every
 * instruction); any other length goes byte by byte.
 */
static void emu_copy(u8 *d, const u8 *s, unsigned int n)
{
	switch (n) {
	case 1:
		*d = *s;
		return;
	case 2:
		__builtin_memcpy(d, s, 2);
		return;
	case 4:
		__builtin_memcpy(d, s, 4);
		return;
	case 8:
		__builtin_memcpy(d, s, 8);
		return;
	case 16:
		__builtin_memcpy(d, s, 16);
		return;
	case 32:
		__builtin_memcpy(d, s, 32);
		return;
	}
	while (n--)
		*d++ = *s++;
}

/* Clear @n bytes: only vector operands and registers, 32 at most. */
static void emu_zero(u8 *p, unsigned int n)
{
	static const u8 zero[32];

	emu_copy(p, zero, n < sizeof(zero) ? n : sizeof(zero));
}

static __always_inline u64 width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

static u64 bswap_n(u64 v, unsigned int width)
{
	u64 r = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		r |= ((v >> (8 * i)) & 0xff) << (8 * (width - 1 - i));
	return r;
}

static __always_inline u64 sign_extend(u64 v, unsigned int width)
{
	unsigned int sh = 64 - 8 * width;

	return width >= 8 ? v : (u64)((s64)(v << sh) >> sh);
}

/* The value of a GPR or GPR8H source operand, @width bytes. */
static __always_inline u64 gpr_get(const struct mmio_regs *r, u8 kind,
				   u8 reg, unsigned int width)
{
	if (kind == MMIO_OPND_GPR8H)
		return (r->gpr[reg & 3] >> 8) & 0xff;
	return r->gpr[reg & 15] & width_mask(width);
}

/*
 * Write @v (already @dwidth bytes) to a GPR as the CPU does: 8 and 16-bit
 * destinations keep the rest, 32-bit ones clear bits 63:32.
 */
static __always_inline void gpr_set(struct mmio_regs *r, u8 kind, u8 reg,
				    unsigned int dwidth, u64 v)
{
	u64 *g;

	if (kind == MMIO_OPND_GPR8H) {
		r->written |= 1U << (reg & 3);
		g = &r->gpr[reg & 3];
		*g = (*g & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	r->written |= 1U << (reg & 15);
	g = &r->gpr[reg & 15];
	if (dwidth == 4)
		*g = v & 0xffffffffULL;
	else if (dwidth >= 8)
		*g = v;
	else
		*g = (*g & ~width_mask(dwidth)) | (v & width_mask(dwidth));
}

/* The value read (@width bytes) extended per dst_ext, into the dst GPR. */
static __always_inline void gpr_load(struct mmio_regs *r,
				     const struct mmio_insn *in, u64 v,
				     unsigned int width)
{
	unsigned int dw = in->dst_width ? in->dst_width : width;

	v &= width_mask(width);
	if (in->dst_ext == MMIO_EXT_SIGN)
		v = sign_extend(v, width);
	gpr_set(r, in->dst_kind, in->dst_reg, dw, v & width_mask(dw));
}

/*
 * One device read of 16 or 32 bytes (a vector operand) into @val: the
 * environment may skip it or change the value.
 */
static void dev_read(struct mmio_env *env, unsigned long addr,
		     unsigned int width, void *val)
{
	emu_zero(val, width);
	if (mmio_env_read_skip(env, addr, width, val))
		return;
	mmio_env_dev_read(env, addr, width, val);
	mmio_env_access(env, MMIO_ACC_READ, addr, width, val);
}

/* One device write of a vector operand's @width bytes at @val. */
static void dev_write(struct mmio_env *env, unsigned long addr,
		      unsigned int width, const void *val)
{
	u8 buf[32];

	emu_copy(buf, val, width);
	if (mmio_env_access(env, MMIO_ACC_WRITE, addr, width, buf))
		return;
	mmio_env_dev_write(env, addr, width, buf);
}

/*
 * One device read of 1, 2, 4 or 8 bytes: its value, zero-extended.  The
 * value travels in a u64 the environment sees as @width little-endian
 * bytes (x86 is little-endian): no buffer, no copies.  Inlined: every
 * traced load runs it.
 */
static __always_inline u64 dev_load(struct mmio_env *env, unsigned long addr,
				    unsigned int width)
{
	u64 v = 0;

	if (!mmio_env_read_skip(env, addr, width, &v)) {
		mmio_env_dev_read(env, addr, width, &v);
		mmio_env_access(env, MMIO_ACC_READ, addr, width, &v);
	}
	return v;
}

/* One device write of the low @width (1, 2, 4 or 8) bytes of @v. */
static __always_inline void dev_store(struct mmio_env *env,
				      unsigned long addr, unsigned int width,
				      u64 v)
{
	v &= width_mask(width);
	if (!mmio_env_access(env, MMIO_ACC_WRITE, addr, width, &v))
		mmio_env_dev_write(env, addr, width, &v);
}

static void next_ip(const struct mmio_insn *in, struct mmio_regs *r)
{
	r->ip += in->length;
}

/* ---- native operations for the flags ------------------------------------ */

/*
 * Run "op" natively on @d (and @s) with the status flags of @fl loaded;
 * return the result and update the status flags of *@fl from the CPU.
 * The host's other flags (IF, AC, DF...) are kept as they were.  In user
 * space the pushes must not clobber the red zone.
 */
#ifdef __KERNEL__
#define FOP_ENTER	""
#define FOP_LEAVE	""
#else
#define FOP_ENTER	"lea -128(%%rsp), %%rsp\n\t"
#define FOP_LEAVE	"\n\tlea 128(%%rsp), %%rsp"
#endif

#define FOP_PRE	FOP_ENTER "pushf\n\tpop %[t]\n\t" \
		"and $~0x8d5, %[t]\n\tor %[f], %[t]\n\t" \
		"push %[t]\n\tpopf\n\t"
#define FOP_POST "\n\tpushf\n\tpop %[t]" FOP_LEAVE

#define FOP2_W(op, type, dv, sv, fl) do {				\
	type d_ = (type)(dv), s_ = (type)(sv);				\
	u64 t_;								\
	asm volatile(FOP_PRE op " %[s], %[d]" FOP_POST			\
		     : [d] "+r" (d_), [t] "=&r" (t_)			\
		     : [s] "r" (s_), [f] "r" ((fl) & EFL_STATUS)	\
		     : "cc", "memory");					\
	(dv) = d_;							\
	(fl) = ((fl) & ~(u64)EFL_STATUS) | (t_ & EFL_STATUS);		\
} while (0)

#define FOP1_W(op, type, dv, fl) do {					\
	type d_ = (type)(dv);						\
	u64 t_;								\
	asm volatile(FOP_PRE op " %[d]" FOP_POST			\
		     : [d] "+r" (d_), [t] "=&r" (t_)			\
		     : [f] "r" ((fl) & EFL_STATUS)			\
		     : "cc", "memory");					\
	(dv) = d_;							\
	(fl) = ((fl) & ~(u64)EFL_STATUS) | (t_ & EFL_STATUS);		\
} while (0)

/* Shifts and rotates: the count in cl. */
#define FOPS_W(op, type, dv, cnt, fl) do {				\
	type d_ = (type)(dv);						\
	u64 t_;								\
	asm volatile(FOP_PRE op " %%cl, %[d]" FOP_POST			\
		     : [d] "+r" (d_), [t] "=&r" (t_)			\
		     : "c" ((u8)(cnt)), [f] "r" ((fl) & EFL_STATUS)	\
		     : "cc", "memory");					\
	(dv) = d_;							\
	(fl) = ((fl) & ~(u64)EFL_STATUS) | (t_ & EFL_STATUS);		\
} while (0)

#define FOP_WIDTHS(FOP, w, ...) do {					\
	switch (w) {							\
	case 1:								\
		FOP(u8, __VA_ARGS__);					\
		break;							\
	case 2:								\
		FOP(u16, __VA_ARGS__);					\
		break;							\
	case 4:								\
		FOP(u32, __VA_ARGS__);					\
		break;							\
	default:							\
		FOP(u64, __VA_ARGS__);					\
		break;							\
	}								\
} while (0)

#define FOP_ADD(type, d, s, f)	FOP2_W("add", type, d, s, f)
#define FOP_OR(type, d, s, f)	FOP2_W("or", type, d, s, f)
#define FOP_ADC(type, d, s, f)	FOP2_W("adc", type, d, s, f)
#define FOP_SBB(type, d, s, f)	FOP2_W("sbb", type, d, s, f)
#define FOP_AND(type, d, s, f)	FOP2_W("and", type, d, s, f)
#define FOP_SUB(type, d, s, f)	FOP2_W("sub", type, d, s, f)
#define FOP_XOR(type, d, s, f)	FOP2_W("xor", type, d, s, f)
#define FOP_CMP(type, d, s, f)	FOP2_W("cmp", type, d, s, f)
#define FOP_TEST(type, d, s, f)	FOP2_W("test", type, d, s, f)
#define FOP_BT(type, d, s, f)	FOP2_W("bt", type, d, s, f)
#define FOP_BTS(type, d, s, f)	FOP2_W("bts", type, d, s, f)
#define FOP_BTR(type, d, s, f)	FOP2_W("btr", type, d, s, f)
#define FOP_BTC(type, d, s, f)	FOP2_W("btc", type, d, s, f)
#define FOP_ROL(type, d, n, f)	FOPS_W("rol", type, d, n, f)
#define FOP_ROR(type, d, n, f)	FOPS_W("ror", type, d, n, f)
#define FOP_RCL(type, d, n, f)	FOPS_W("rcl", type, d, n, f)
#define FOP_RCR(type, d, n, f)	FOPS_W("rcr", type, d, n, f)
#define FOP_SHL(type, d, n, f)	FOPS_W("shl", type, d, n, f)
#define FOP_SHR(type, d, n, f)	FOPS_W("shr", type, d, n, f)
#define FOP_SAR(type, d, n, f)	FOPS_W("sar", type, d, n, f)
#define FOP_INC(type, d, f)	FOP1_W("inc", type, d, f)
#define FOP_DEC(type, d, f)	FOP1_W("dec", type, d, f)
#define FOP_NEG(type, d, f)	FOP1_W("neg", type, d, f)

/* ---- handlers ----------------------------------------------------------- */

struct emu_ctx {
	const struct mmio_insn *in;
	struct mmio_regs *r;
	struct mmio_env *env;
	unsigned long ea;	/* where the access is made */
};

/*
 * Vector loads.  VEX: the value, the rest of the register cleared up to
 * the maximum vector length.  Legacy SSE: bytes 16.. of the register keep
 * their value; below that, a zero-extending load (movd/movq/movss/movsd)
 * clears the rest of the low 128 bits and a lane load (movlps, pinsr*)
 * keeps it.
 */
static int em_vec_load(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width, off = in->vec_offset;
	enum mmio_vec_write how = MMIO_VEC_MERGE;
	u8 val[32], reg[32];

	emu_zero(reg, sizeof(reg));
	if (in->flags & MMIO_INSN_VEX) {
		if (off)
			return MMIO_EMU_UNSUPPORTED;
		how = w > 16 ? MMIO_VEC_ZERO_256 : MMIO_VEC_ZERO_128;
	} else if (w > 16 || off + w > 16) {
		return MMIO_EMU_UNSUPPORTED;
	} else if (in->dst_ext != MMIO_EXT_ZERO &&
		   mmio_env_vec_get(c->env, in->dst_reg, reg)) {
		return MMIO_EMU_UNSUPPORTED;
	}
	dev_read(c->env, c->ea, w, val);
	emu_copy(reg + off, val, w);
	mmio_env_vec_set(c->env, in->dst_reg, reg, how);
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/* Inlined, as em_store(): the commonest forms by far. */
static __always_inline int em_load(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	u64 v;

	if (in->dst_kind == MMIO_OPND_VEC)
		return em_vec_load(c);
	v = dev_load(c->env, c->ea, in->width);
	if (in->xflags & MMIO_XF_BSWAP)
		v = bswap_n(v, in->width);
	gpr_load(c->r, in, v, in->width);
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/* A store from a vector register: its bytes at vec_offset. */
static int em_vec_store(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	u8 buf[32];

	if (mmio_env_vec_get(c->env, in->src_reg, buf))
		return MMIO_EMU_UNSUPPORTED;
	dev_write(c->env, c->ea, in->width, buf + in->vec_offset);
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

static __always_inline int em_store(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	u64 v;

	if (in->src_kind == MMIO_OPND_VEC)
		return em_vec_store(c);
	if (in->src_kind == MMIO_OPND_IMM)
		v = in->imm;
	else
		v = gpr_get(c->r, in->src_kind, in->src_reg, in->width);
	if (in->xflags & MMIO_XF_BSWAP)
		v = bswap_n(v, in->width);
	dev_store(c->env, c->ea, in->width, v);
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

static int em_xchg(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	u64 nv = gpr_get(c->r, in->src_kind, in->src_reg, in->width);
	u64 old = dev_load(c->env, c->ea, in->width);

	dev_store(c->env, c->ea, in->width, nv);
	gpr_load(c->r, in, old, in->width);
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/*
 * CMPXCHG: the processor always writes: the source when the accumulator
 * equals the destination (ZF=1), else the old value back, which is then
 * loaded into the accumulator.  Flags as CMP accumulator, destination.
 */
static int em_cmpxchg(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	u64 old, acc = c->r->gpr[REG_RAX] & width_mask(w);
	u64 fl = c->r->flags;

	old = dev_load(c->env, c->ea, w);
	FOP_WIDTHS(FOP_CMP, w, acc, old, fl);
	if (fl & EFL_ZF) {
		dev_store(c->env, c->ea, w,
			  gpr_get(c->r, in->src_kind, in->src_reg, w));
	} else {
		dev_store(c->env, c->ea, w, old);
		gpr_set(c->r, MMIO_OPND_GPR, REG_RAX, w, old);
	}
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/* XADD: destination := destination + source, source := old destination. */
static int em_xadd(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	u64 old, sum, fl = c->r->flags;

	old = dev_load(c->env, c->ea, w);
	sum = old;
	FOP_WIDTHS(FOP_ADD, w, sum,
		   gpr_get(c->r, in->dst_kind, in->dst_reg, w), fl);
	dev_store(c->env, c->ea, w, sum);
	gpr_load(c->r, in, old, w);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/* INC, DEC (CF kept), NEG (flags), NOT (no flags). */
static int em_unary(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	u64 v, fl = c->r->flags;

	v = dev_load(c->env, c->ea, w);
	if (in->opcode >= 0xfe) {
		if (in->modrm_reg == 0)
			FOP_WIDTHS(FOP_INC, w, v, fl);
		else
			FOP_WIDTHS(FOP_DEC, w, v, fl);
	} else if (in->modrm_reg == 3) {
		FOP_WIDTHS(FOP_NEG, w, v, fl);
	} else {
		v = ~v;
	}
	dev_store(c->env, c->ea, w, v);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/*
 * ALU r/m, imm and TEST r/m, imm: one read, then (not CMP, TEST) one
 * write of the result.  The immediate is in in->imm, sign-extended and
 * truncated to the width by the decoder.
 */
/*
 * ALU operation @op (the /digit of 80-83: ADD OR ADC SBB AND SUB XOR CMP;
 * 8: TEST) on @v and @s, @w bytes wide, run natively: the result, and
 * the status flags in *@fl (which carries CF in for ADC and SBB).
 */
static u64 alu_op(unsigned int op, unsigned int w, u64 v, u64 s, u64 *fl)
{
	u64 f = *fl;

	switch (op) {
	case 0:
		FOP_WIDTHS(FOP_ADD, w, v, s, f);
		break;
	case 1:
		FOP_WIDTHS(FOP_OR, w, v, s, f);
		break;
	case 2:
		FOP_WIDTHS(FOP_ADC, w, v, s, f);
		break;
	case 3:
		FOP_WIDTHS(FOP_SBB, w, v, s, f);
		break;
	case 4:
		FOP_WIDTHS(FOP_AND, w, v, s, f);
		break;
	case 5:
		FOP_WIDTHS(FOP_SUB, w, v, s, f);
		break;
	case 6:
		FOP_WIDTHS(FOP_XOR, w, v, s, f);
		break;
	case 7:
		FOP_WIDTHS(FOP_CMP, w, v, s, f);
		break;
	default:
		FOP_WIDTHS(FOP_TEST, w, v, s, f);
		break;
	}
	*fl = f;
	return v;
}

/*
 * ADD..CMP with a register: r/m OP= reg (00-39 with bit 1 clear), reg OP=
 * r/m (bit 1 set), TEST r/m, reg (84/85).  CMP and TEST only read.
 */
static int em_alu_reg(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	unsigned int op = in->opcode >= 0x84 ? 8 : (in->opcode >> 3) & 7;
	int to_reg = in->opcode < 0x40 && (in->opcode & 2);
	u64 g, m, v, s, fl = c->r->flags;

	if ((in->opcode < 0x40 && (in->opcode & 7) > 3) ||
	    (in->reg_kind != MMIO_OPND_GPR && in->reg_kind != MMIO_OPND_GPR8H))
		return MMIO_EMU_UNSUPPORTED;
	g = gpr_get(c->r, in->reg_kind, in->reg_num, w);
	m = dev_load(c->env, c->ea, w);
	v = to_reg ? g : m;
	s = to_reg ? m : g;
	v = alu_op(op, w, v, s, &fl);
	if (op < 7 && to_reg)
		gpr_set(c->r, in->reg_kind, in->reg_num, w, v & width_mask(w));
	else if (op < 7)
		dev_store(c->env, c->ea, w, v);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

static int em_alu_imm(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	unsigned int op = in->opcode >= 0xf6 ? 8 : in->modrm_reg;
	u64 v, s = in->imm, fl = c->r->flags;

	v = dev_load(c->env, c->ea, w);
	v = alu_op(op, w, v, s, &fl);
	if (op < 7)
		dev_store(c->env, c->ea, w, v);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/*
 * Rotates and shifts by 1 (d0/d1), imm8 (c0/c1) or CL (d2/d3), the count
 * masked by the CPU itself; /6 is SHL's alias.  One read, one write.
 */
static int em_shift(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	u64 v, fl = c->r->flags;
	u8 n;

	if (in->opcode <= 0xc1)
		n = in->imm;
	else if (in->opcode <= 0xd1)
		n = 1;
	else
		n = c->r->gpr[REG_RCX];
	v = dev_load(c->env, c->ea, w);
	switch (in->modrm_reg) {
	case 0:
		FOP_WIDTHS(FOP_ROL, w, v, n, fl);
		break;
	case 1:
		FOP_WIDTHS(FOP_ROR, w, v, n, fl);
		break;
	case 2:
		FOP_WIDTHS(FOP_RCL, w, v, n, fl);
		break;
	case 3:
		FOP_WIDTHS(FOP_RCR, w, v, n, fl);
		break;
	case 5:
		FOP_WIDTHS(FOP_SHR, w, v, n, fl);
		break;
	case 7:
		FOP_WIDTHS(FOP_SAR, w, v, n, fl);
		break;
	default:
		FOP_WIDTHS(FOP_SHL, w, v, n, fl);
		break;
	}
	dev_store(c->env, c->ea, w, v);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/*
 * BT/BTS/BTR/BTC r/m, imm8: the offset is taken modulo the operand size
 * (as the register form of the native instruction does); one read, then
 * one write for BTS/BTR/BTC.  No byte form exists.
 */
static int em_bt_imm(struct emu_ctx *c)
{
	const struct mmio_insn *in = c->in;
	unsigned int w = in->width;
	u64 v, s = in->imm & 0xff, fl = c->r->flags;

	if (w < 2)
		return MMIO_EMU_UNSUPPORTED;
	v = dev_load(c->env, c->ea, w);
	switch (in->modrm_reg) {
	case 4:
		FOP_WIDTHS(FOP_BT, w, v, s, fl);
		break;
	case 5:
		FOP_WIDTHS(FOP_BTS, w, v, s, fl);
		break;
	case 6:
		FOP_WIDTHS(FOP_BTR, w, v, s, fl);
		break;
	default:
		FOP_WIDTHS(FOP_BTC, w, v, s, fl);
		break;
	}
	if (in->modrm_reg != 4)
		dev_store(c->env, c->ea, w, v);
	c->r->flags = fl;
	next_ip(in, c->r);
	return MMIO_EMU_OK;
}

/*
 * MOVS/STOS/LODS, one device access per element.  @dev_si: the device
 * side is [rsi] (else [rdi]).  With REP the loop runs while rcx != 0 and
 * the next device element is in the device range and its other side is
 * accessible; ip moves on only when rcx reaches 0.
 */
static int em_string(struct emu_ctx *c, int dev_si)
{
	const struct mmio_insn *in = c->in;
	struct mmio_regs *r = c->r;
	unsigned int w = in->width;
	int rep = !!(in->flags & MMIO_INSN_REP);
	u64 step = (r->flags & EFL_DF) ? -(u64)w : w;
	u64 done = 0, v;

	if (rep && r->gpr[REG_RCX] == 0) {
		next_ip(in, r);
		return MMIO_EMU_OK;
	}
	/* Only the pointers the instruction moves: the others were not read. */
	if (in->string_op != MMIO_STR_STOS)
		r->written |= 1U << REG_RSI;
	if (in->string_op != MMIO_STR_LODS)
		r->written |= 1U << REG_RDI;
	if (rep)
		r->written |= 1U << REG_RCX;
	for (;;) {
		u64 si = r->gpr[REG_RSI], di = r->gpr[REG_RDI];
		u64 dev = dev_si ? si : di;

		if (done && !mmio_env_dev_range(c->env, dev, w))
			break;
		if (in->string_op == MMIO_STR_MOVS &&
		    mmio_env_mem_check(c->env, dev_si ? di : si, w, dev_si)) {
			if (!done)
				return MMIO_EMU_NO_MEM;
			break;
		}
		switch (in->string_op) {
		case MMIO_STR_MOVS:
			if (dev_si) {
				v = dev_load(c->env, dev, w);
				mmio_env_mem_write(c->env, di, &v, w);
			} else {
				v = 0;
				mmio_env_mem_read(c->env, si, &v, w);
				dev_store(c->env, dev, w, v);
			}
			r->gpr[REG_RSI] += step;
			r->gpr[REG_RDI] += step;
			break;
		case MMIO_STR_STOS:
			dev_store(c->env, dev, w, r->gpr[REG_RAX]);
			r->gpr[REG_RDI] += step;
			break;
		default:	/* LODS */
			gpr_set(r, MMIO_OPND_GPR, REG_RAX, w,
				dev_load(c->env, dev, w));
			r->gpr[REG_RSI] += step;
			break;
		}
		done++;
		if (!rep)
			break;
		if (--r->gpr[REG_RCX] == 0)
			break;
	}
	if (!rep || r->gpr[REG_RCX] == 0)
		next_ip(in, r);
	return MMIO_EMU_OK;
}

/* ---- entry points ------------------------------------------------------- */

static u64 ea_reg(const struct mmio_insn *in, const struct mmio_regs *r,
		  u8 reg)
{
	if (reg < 16)
		return r->gpr[reg];
	if (reg == MMIO_EA_RIP)
		return r->ip + in->length;
	return 0;
}

u64 mmio_insn_ea(const struct mmio_insn *in, const struct mmio_regs *r)
{
	u64 ea = ea_reg(in, r, in->ea_base) + (u64)in->ea_disp;

	if (in->ea_index < 16)
		ea += r->gpr[in->ea_index] * in->ea_scale;
	return ea;
}

/* Is @fault inside the @width bytes at @addr? */
static int ea_covers(u64 addr, unsigned int width, unsigned long fault)
{
	return (u64)fault - addr < width;
}

EMU_NOTRACE int mmio_emulate(const struct mmio_insn *in, struct mmio_regs *r,
			     unsigned long fault_addr, struct mmio_env *env)
{
	const struct emu_form *f;
	struct emu_ctx c = { .in = in, .r = r, .env = env };
	int dev_si = 0;

	r->written = 0;
	f = emu_form_of(in);
	if (!f)
		return MMIO_EMU_UNSUPPORTED;
	if (f->handler == H_STRING) {
		if (in->string_op == MMIO_STR_LODS ||
		    (in->string_op == MMIO_STR_MOVS &&
		     ea_covers(r->gpr[REG_RSI], in->width, fault_addr)))
			dev_si = 1;
		c.ea = dev_si ? r->gpr[REG_RSI] : r->gpr[REG_RDI];
	} else {
		c.ea = mmio_insn_ea(in, r);
	}
	if (!ea_covers(c.ea, in->width, fault_addr))
		return MMIO_EMU_EA_MISMATCH;

	switch (f->handler) {
	case H_LOAD:
		return em_load(&c);
	case H_STORE:
		return em_store(&c);
	case H_STRING:
		return em_string(&c, dev_si);
	case H_XCHG:
		return em_xchg(&c);
	case H_CMPXCHG:
		return em_cmpxchg(&c);
	case H_XADD:
		return em_xadd(&c);
	case H_UNARY:
		return em_unary(&c);
	case H_ALU_IMM:
		return em_alu_imm(&c);
	case H_SHIFT:
		return em_shift(&c);
	case H_BT_IMM:
		return em_bt_imm(&c);
	case H_ALU_REG:
		return em_alu_reg(&c);
	default:
		return MMIO_EMU_UNSUPPORTED;
	}
}

/* ---- data registers ----------------------------------------------------- */

static u16 opnd_regs(u8 kind, u8 reg)
{
	if (kind == MMIO_OPND_GPR)
		return 1u << (reg & 15);
	if (kind == MMIO_OPND_GPR8H)
		return 1u << (reg & 3);
	return 0;
}

#define R(n)	(1u << (n))

u16 mmio_insn_data_regs(const struct mmio_insn *in)
{
	u16 m = opnd_regs(in->src_kind, in->src_reg) |
		opnd_regs(in->dst_kind, in->dst_reg);
	u8 op = in->opcode, reg = in->modrm_reg;

	if (in->dst_kind == MMIO_OPND_CMPXCHG_AX)
		m |= R(REG_RAX);
	if (in->dst_kind == MMIO_OPND_MEM_REG)
		m |= R(in->dst_reg & 15);
	switch (in->string_op) {
	case MMIO_STR_NONE:
		break;
	case MMIO_STR_MOVS:
	case MMIO_STR_CMPS:
		m |= R(REG_RSI) | R(REG_RDI);
		break;
	case MMIO_STR_STOS:
	case MMIO_STR_SCAS:
		m |= R(REG_RDI) | R(REG_RAX);
		break;
	case MMIO_STR_LODS:
		m |= R(REG_RSI) | R(REG_RAX);
		break;
	case MMIO_STR_INS:
		m |= R(REG_RDI) | R(REG_RDX);
		break;
	case MMIO_STR_OUTS:
		m |= R(REG_RSI) | R(REG_RDX);
		break;
	}
	if (in->string_op && (in->flags & MMIO_INSN_REP))
		m |= R(REG_RCX);
	if (in->src_kind != MMIO_OPND_COMPUTED &&
	    in->dst_kind != MMIO_OPND_COMPUTED)
		return m;
	/* ALU forms with a register: the decoder says which */
	if (in->reg_kind == MMIO_OPND_GPR || in->reg_kind == MMIO_OPND_GPR8H)
		return m | opnd_regs(in->reg_kind, in->reg_num);
	/*
	 * Computed forms: the decoder does not say which general register
	 * (if any) they use beside the memory operand, nor whether REX.R
	 * extends ModRM.reg, so name every register they may use.
	 */
	if (in->opcode_map == 0) {
		if ((op == 0xff && reg == 6) || op == 0x8f)	/* PUSH, POP */
			return m | R(REG_RSP);
		if ((op == 0xf6 || op == 0xf7) && reg >= 4)	/* MUL, DIV */
			return m | R(REG_RAX) | R(REG_RDX);
		if (op == 0xd2 || op == 0xd3)		/* shifts by cl */
			return m | R(REG_RCX);
		/* ALU r/m, r and r, r/m; TEST r/m, r; IMUL r, r/m */
		if (!(op < 0x40 || op == 0x84 || op == 0x85 || op == 0x69 ||
		      op == 0x6b))
			return m;		/* immediate, 1, x87... */
	} else if (in->flags & MMIO_INSN_VEX) {
		if (op >= 0xf0)
			return 0xffff;		/* BMI: vvvv not reported */
		if (in->opcode_map != 1 || (op != 0x2c && op != 0x2d))
			return m;		/* vector operands only */
	} else if (in->opcode_map == 1) {
		if (op == 0xc7)			/* cmpxchg8b/16b */
			return m | R(REG_RAX) | R(REG_RCX) | R(REG_RDX) |
			       R(REG_RBX);
		if (op == 0xa5 || op == 0xad)	/* shld/shrd by cl */
			m |= R(REG_RCX);
		/* setcc, segment ops, mxcsr, bt imm, and the vector ops */
		if ((op >= 0x90 && op <= 0x9f) || op == 0xae || op == 0x00 ||
		    op == 0xba || (op >= 0x10 && op <= 0x7f && op != 0x2c &&
				   op != 0x2d && (op < 0x40 || op > 0x4f)) ||
		    op >= 0xc2)
			return m;
	} else if (op < 0xf0) {
		return m;			/* 0f38/0f3a vector ops */
	}
	/* ModRM.reg, with or without REX.R, or its high byte register */
	return m | R(reg) | R(reg | 8) | R(reg & 3);
}

u16 mmio_insn_regs_used(const struct mmio_insn *in)
{
	u16 m = mmio_insn_data_regs(in);

	if (in->ea_base < 16)
		m |= R(in->ea_base);
	if (in->ea_index < 16)
		m |= R(in->ea_index);
	return m;
}

/* Runs in the page fault: no probe may hit the helpers either. */
EMU_NOKPROBE(emu_find);
EMU_NOKPROBE(emu_form_of);
EMU_NOKPROBE(mmio_emulate_prepare);
EMU_NOKPROBE(emu_form);
EMU_NOKPROBE(emu_zero);
EMU_NOKPROBE(emu_copy);
EMU_NOKPROBE(width_mask);
EMU_NOKPROBE(bswap_n);
EMU_NOKPROBE(sign_extend);
EMU_NOKPROBE(next_ip);
EMU_NOKPROBE(ea_covers);
EMU_NOKPROBE(gpr_get);
EMU_NOKPROBE(gpr_set);
EMU_NOKPROBE(gpr_load);
EMU_NOKPROBE(dev_read);
EMU_NOKPROBE(dev_write);
EMU_NOKPROBE(dev_load);
EMU_NOKPROBE(dev_store);
EMU_NOKPROBE(em_vec_store);
EMU_NOKPROBE(em_vec_load);
EMU_NOKPROBE(em_load);
EMU_NOKPROBE(em_store);
EMU_NOKPROBE(em_xchg);
EMU_NOKPROBE(em_cmpxchg);
EMU_NOKPROBE(em_xadd);
EMU_NOKPROBE(em_unary);
EMU_NOKPROBE(em_alu_imm);
EMU_NOKPROBE(em_alu_reg);
EMU_NOKPROBE(alu_op);
EMU_NOKPROBE(em_shift);
EMU_NOKPROBE(em_bt_imm);
EMU_NOKPROBE(em_string);
EMU_NOKPROBE(ea_reg);
