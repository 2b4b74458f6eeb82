// SPDX-License-Identifier: GPL-2.0
/*
 * Decode one x86-64 instruction that touched memory:
 * direction, width, and where the value written comes from or the value
 * read goes.  See mmio_decode.h for the conventions.
 *
 * One straight pass: legacy prefixes and REX, or a VEX/EVEX prefix, the
 * opcode (looked up in one table per opcode map), ModRM/SIB/displacement,
 * the immediate, then one small function per instruction class fills in
 * the meaning.  Anything not understood returns -1; nothing is guessed.
 *
 * No allocation, no locks, no global state written: safe in the page-fault
 * handler.  Builds in the kernel and in user space (tests).
 */
#include "mmio_decode.h"

/* ---- decoder state ---------------------------------------------------- */

struct mmio_dec {
	const u8 *code;
	unsigned int avail;
	unsigned int pos;
	u8 p66, p67, rep, lock, seg;
	u8 rex;			/* REX byte, 0 if none */
	u8 w, r, x, b;		/* REX/VEX/EVEX W R X B bits */
	u8 rr;			/* EVEX R' (vector register bit 4) */
	u8 vex;			/* 0 legacy, 2 VEX C5, 3 VEX C4, 4 EVEX */
	u8 pp;			/* 0 none, 1 66, 2 F3, 3 F2 */
	u8 map;			/* 0 one-byte, 1 0f, 2 0f38, 3 0f3a */
	u8 vl;			/* vector length 0/1/2: 128/256/512 */
	u8 aaa, bcst;		/* EVEX opmask register, broadcast bit */
	u8 opcode;
	u8 mod, reg, rm;
	u8 imm_len;
	u64 imm;		/* raw immediate, zero-extended */
	u16 ent;		/* opcode table entry */
	u8 ea_base, ea_index, ea_scale;	/* the memory operand's address */
	u8 disp8;		/* the displacement is 8-bit */
	s64 ea_disp;
};

/* ---- opcode tables ------------------------------------------------------ */

/* Instruction classes: one decoding function each. */
enum {
	C_NONE = 0,
	C_ALU_MR, C_ALU_RM, C_CMP, C_MOVSXD, C_READ_V, C_STR, C_GRP1,
	C_XCHG, C_MOV_ST, C_MOV_LD, C_POP, C_MOFFS, C_GRP2, C_MOV_IMM,
	C_GRP3, C_GRP4, C_GRP5, C_GRP6, C_SETCC, C_BT, C_GRP8, C_SHXD,
	C_GRP15, C_CMPXCHG, C_MOVX, C_POPCNT, C_XADD, C_MOVNTI, C_GRP9,
	C_VMOVUPS, C_VMOVLH, C_VMOVAPS, C_VMOVNTPS, C_CVTSI2, C_CVT2SI,
	C_COMIS, C_ARITH, C_PACKED, C_PACKED66, C_PACKED13, C_MMXPACKED,
	C_PSHUF, C_VMOVD_LD, C_VMOVD_ST, C_VMOVDQ_LD, C_VMOVDQ_ST,
	C_VMOVQ_ST, C_VMOVNTDQ, C_CVT_E6, C_PINSRW, C_MOVNTDQA, C_PMOVX,
	C_VBCAST, C_VPACKED, C_MOVBE_CRC, C_BMI, C_FMA, C_ROUNDS, C_PEXTR,
	C_PINSR, C_VINS128, C_VEXT128, C_VCVTPS2PH, C_X87, C_ADX, C_MOVDIR,
	C__COUNT
};

/* Immediate kinds. */
#define I_NONE		0
#define I_B		1	/* imm8 */
#define I_Z		2	/* imm16 with 66, else imm32 */
#define I_GRP3		3	/* F6/F7: only /0 and /1 carry one */

#define T_CLS(e)	((e) & 0x7f)
#define T_IMM(e)	(((e) >> 7) & 0x3)
#define T_BYTE		0x0200	/* byte operand form */
#define T_LEG		0x0400	/* valid without VEX/EVEX */
#define T_VEX		0x0800	/* valid VEX-encoded */
#define T_EVEX		0x1000	/* valid EVEX-encoded */

_Static_assert(C__COUNT <= 0x80, "instruction classes overflow T_CLS");

#define E(cls, imm, fl)	((u16)((cls) | ((imm) << 7) | (fl)))
#define L_(cls)		E(cls, I_NONE, T_LEG)
#define LB(cls)		E(cls, I_NONE, T_LEG | T_BYTE)
#define LV(cls)		E(cls, I_NONE, T_LEG | T_VEX)
#define LVE(cls)	E(cls, I_NONE, T_LEG | T_VEX | T_EVEX)
#define VE(cls)		E(cls, I_NONE, T_VEX | T_EVEX)
#define V_(cls)		E(cls, I_NONE, T_VEX)
#define LVI(cls)	E(cls, I_B, T_LEG | T_VEX)
#define VI(cls)		E(cls, I_B, T_VEX)

static const u16 map0[256] = {
	[0x00] = LB(C_ALU_MR), [0x01] = L_(C_ALU_MR),
	[0x08] = LB(C_ALU_MR), [0x09] = L_(C_ALU_MR),
	[0x10] = LB(C_ALU_MR), [0x11] = L_(C_ALU_MR),
	[0x18] = LB(C_ALU_MR), [0x19] = L_(C_ALU_MR),
	[0x20] = LB(C_ALU_MR), [0x21] = L_(C_ALU_MR),
	[0x28] = LB(C_ALU_MR), [0x29] = L_(C_ALU_MR),
	[0x30] = LB(C_ALU_MR), [0x31] = L_(C_ALU_MR),
	[0x02] = LB(C_ALU_RM), [0x03] = L_(C_ALU_RM),
	[0x0a] = LB(C_ALU_RM), [0x0b] = L_(C_ALU_RM),
	[0x12] = LB(C_ALU_RM), [0x13] = L_(C_ALU_RM),
	[0x1a] = LB(C_ALU_RM), [0x1b] = L_(C_ALU_RM),
	[0x22] = LB(C_ALU_RM), [0x23] = L_(C_ALU_RM),
	[0x2a] = LB(C_ALU_RM), [0x2b] = L_(C_ALU_RM),
	[0x32] = LB(C_ALU_RM), [0x33] = L_(C_ALU_RM),
	[0x38] = LB(C_CMP), [0x39] = L_(C_CMP),
	[0x3a] = LB(C_CMP), [0x3b] = L_(C_CMP),
	[0x84] = LB(C_CMP), [0x85] = L_(C_CMP),
	[0x63] = L_(C_MOVSXD),
	[0x69] = E(C_READ_V, I_Z, T_LEG),
	[0x6b] = E(C_READ_V, I_B, T_LEG),
	[0x6c] = LB(C_STR), [0x6d] = L_(C_STR),
	[0x6e] = LB(C_STR), [0x6f] = L_(C_STR),
	[0x80] = E(C_GRP1, I_B, T_LEG | T_BYTE),
	[0x81] = E(C_GRP1, I_Z, T_LEG),
	[0x83] = E(C_GRP1, I_B, T_LEG),
	[0x86] = LB(C_XCHG), [0x87] = L_(C_XCHG),
	[0x88] = LB(C_MOV_ST), [0x89] = L_(C_MOV_ST),
	[0x8a] = LB(C_MOV_LD), [0x8b] = L_(C_MOV_LD),
	[0x8f] = L_(C_POP),
	[0xa0] = LB(C_MOFFS), [0xa1] = L_(C_MOFFS),
	[0xa2] = LB(C_MOFFS), [0xa3] = L_(C_MOFFS),
	[0xa4] = LB(C_STR), [0xa5] = L_(C_STR),
	[0xa6] = LB(C_STR), [0xa7] = L_(C_STR),
	[0xaa] = LB(C_STR), [0xab] = L_(C_STR),
	[0xac] = LB(C_STR), [0xad] = L_(C_STR),
	[0xae] = LB(C_STR), [0xaf] = L_(C_STR),
	[0xc0] = E(C_GRP2, I_B, T_LEG | T_BYTE),
	[0xc1] = E(C_GRP2, I_B, T_LEG),
	[0xd0] = LB(C_GRP2), [0xd1] = L_(C_GRP2),
	[0xd2] = LB(C_GRP2), [0xd3] = L_(C_GRP2),
	[0xc6] = E(C_MOV_IMM, I_B, T_LEG | T_BYTE),
	[0xc7] = E(C_MOV_IMM, I_Z, T_LEG),
	[0xf6] = E(C_GRP3, I_GRP3, T_LEG | T_BYTE),
	[0xf7] = E(C_GRP3, I_GRP3, T_LEG),
	[0xfe] = LB(C_GRP4),
	[0xff] = L_(C_GRP5),
	[0xd8 ... 0xdf] = L_(C_X87),
};

static const u16 map1[256] = {
	[0x00] = L_(C_GRP6),
	[0x10] = LVE(C_VMOVUPS), [0x11] = LVE(C_VMOVUPS),
	[0x12] = LV(C_VMOVLH), [0x13] = LV(C_VMOVLH),
	[0x16] = LV(C_VMOVLH), [0x17] = LV(C_VMOVLH),
	[0x14] = LV(C_PACKED), [0x15] = LV(C_PACKED),
	[0x28] = LVE(C_VMOVAPS), [0x29] = LVE(C_VMOVAPS),
	[0x2a] = LV(C_CVTSI2),
	[0x2b] = LVE(C_VMOVNTPS),
	[0x2c] = LV(C_CVT2SI), [0x2d] = LV(C_CVT2SI),
	[0x2e] = LV(C_COMIS), [0x2f] = LV(C_COMIS),
	[0x40 ... 0x4f] = L_(C_READ_V),
	[0x51 ... 0x5f] = LV(C_ARITH),
	[0x60 ... 0x6d] = LVE(C_MMXPACKED),
	[0x6e] = LVE(C_VMOVD_LD),
	[0x6f] = LVE(C_VMOVDQ_LD),
	[0x70] = LVI(C_PSHUF),
	[0x74 ... 0x76] = LVE(C_MMXPACKED),
	[0x7c] = LV(C_PACKED13), [0x7d] = LV(C_PACKED13),
	[0x7e] = LVE(C_VMOVD_ST),
	[0x7f] = LVE(C_VMOVDQ_ST),
	[0x90 ... 0x9f] = LB(C_SETCC),
	[0xa3] = L_(C_BT),
	[0xa4] = E(C_SHXD, I_B, T_LEG), [0xa5] = L_(C_SHXD),
	[0xab] = L_(C_BT),
	[0xac] = E(C_SHXD, I_B, T_LEG), [0xad] = L_(C_SHXD),
	[0xae] = LV(C_GRP15),
	[0xaf] = L_(C_READ_V),
	[0xb0] = LB(C_CMPXCHG), [0xb1] = L_(C_CMPXCHG),
	[0xb3] = L_(C_BT),
	[0xb6] = L_(C_MOVX), [0xb7] = L_(C_MOVX),
	[0xb8] = L_(C_POPCNT),
	[0xba] = E(C_GRP8, I_B, T_LEG),
	[0xbb] = L_(C_BT),
	[0xbc] = L_(C_READ_V), [0xbd] = L_(C_READ_V),
	[0xbe] = L_(C_MOVX), [0xbf] = L_(C_MOVX),
	[0xc0] = LB(C_XADD), [0xc1] = L_(C_XADD),
	[0xc2] = LVI(C_ARITH),
	[0xc3] = L_(C_MOVNTI),
	[0xc4] = LVI(C_PINSRW),
	[0xc6] = LVI(C_PACKED),
	[0xc7] = L_(C_GRP9),
	[0xd0] = LV(C_PACKED13),
	[0xd1 ... 0xd5] = LVE(C_MMXPACKED),
	[0xd6] = LVE(C_VMOVQ_ST),
	[0xd8 ... 0xdf] = LVE(C_MMXPACKED),
	[0xe0 ... 0xe5] = LVE(C_MMXPACKED),
	[0xe6] = LV(C_CVT_E6),
	[0xe7] = LVE(C_VMOVNTDQ),
	[0xe8 ... 0xef] = LVE(C_MMXPACKED),
	[0xf0] = LV(C_PACKED13),
	[0xf1 ... 0xf6] = LVE(C_MMXPACKED),
	[0xf8 ... 0xfe] = LVE(C_MMXPACKED),
};

static const u16 map2[256] = {
	[0x00 ... 0x0b] = LV(C_MMXPACKED),
	[0x0c ... 0x0f] = V_(C_VPACKED),
	[0x10] = L_(C_PACKED66),
	[0x13] = V_(C_VPACKED),
	[0x14] = L_(C_PACKED66), [0x15] = L_(C_PACKED66),
	[0x16] = V_(C_VPACKED),
	[0x17] = LV(C_PACKED66),
	[0x18 ... 0x1b] = VE(C_VBCAST),
	[0x1c ... 0x1e] = LV(C_MMXPACKED),
	[0x20 ... 0x25] = LV(C_PMOVX),
	[0x28] = LV(C_PACKED66), [0x29] = LV(C_PACKED66),
	[0x2a] = E(C_MOVNTDQA, I_NONE, T_LEG | T_VEX | T_EVEX),
	[0x2b] = LV(C_PACKED66),
	[0x30 ... 0x35] = LV(C_PMOVX),
	[0x36] = V_(C_VPACKED),
	[0x37 ... 0x41] = LV(C_PACKED66),
	[0x45 ... 0x47] = V_(C_VPACKED),
	[0x58 ... 0x5b] = VE(C_VBCAST),
	[0x78 ... 0x79] = VE(C_VBCAST),
	[0x96 ... 0x9f] = V_(C_FMA),
	[0xa6 ... 0xaf] = V_(C_FMA),
	[0xb6 ... 0xbf] = V_(C_FMA),
	[0xdb ... 0xdf] = LV(C_PACKED66),
	[0xf0] = L_(C_MOVBE_CRC), [0xf1] = L_(C_MOVBE_CRC),
	[0xf8] = L_(C_MOVDIR), [0xf9] = L_(C_MOVDIR),
	[0xf2] = V_(C_BMI), [0xf3] = V_(C_BMI),
	[0xf5] = V_(C_BMI),
	[0xf6] = E(C_ADX, I_NONE, T_LEG | T_VEX),
	[0xf7] = V_(C_BMI),
};

static const u16 map3[256] = {
	[0x00 ... 0x02] = VI(C_VPACKED),
	[0x04 ... 0x06] = VI(C_VPACKED),
	[0x08] = LVI(C_PACKED66), [0x09] = LVI(C_PACKED66),
	[0x0a] = LVI(C_ROUNDS), [0x0b] = LVI(C_ROUNDS),
	[0x0c ... 0x0e] = LVI(C_PACKED66),
	[0x0f] = LVI(C_MMXPACKED),
	[0x14 ... 0x17] = LVI(C_PEXTR),
	[0x18] = VI(C_VINS128), [0x19] = VI(C_VEXT128),
	[0x1d] = VI(C_VCVTPS2PH),
	[0x20 ... 0x22] = LVI(C_PINSR),
	[0x38] = VI(C_VINS128), [0x39] = VI(C_VEXT128),
	[0x40 ... 0x42] = LVI(C_PACKED66),
	[0x44] = LVI(C_PACKED66),
	[0x46] = VI(C_VPACKED),
	[0x4a ... 0x4c] = VI(C_VPACKED),
	[0x60 ... 0x63] = LVI(C_PACKED66),
	[0xdf] = LVI(C_PACKED66),
	[0xf0] = VI(C_BMI),
};

static const u16 *const maps[4] = { map0, map1, map2, map3 };

/* ---- mnemonics ---------------------------------------------------------- */

enum {
	M_UNKNOWN = 0,
	M_ADD, M_OR, M_ADC, M_SBB, M_AND, M_SUB, M_XOR, M_CMP,
	M_ROL, M_ROR, M_RCL, M_RCR, M_SHL, M_SHR, M_SAL, M_SAR,
	M_TEST, M_NOT, M_NEG, M_MUL, M_IMUL, M_DIV, M_IDIV,
	M_INC, M_DEC, M_PUSH, M_POP,
	M_MOV, M_MOVZX, M_MOVSX, M_MOVSXD, M_MOVNTI, M_MOVBE, M_XCHG,
	M_CMPXCHG, M_CMPXCHG8B, M_CMPXCHG16B, M_XADD,
	M_MOVS, M_STOS, M_LODS, M_CMPS, M_SCAS, M_INS, M_OUTS,
	M_CMOV, M_SETCC, M_BT, M_BTS, M_BTR, M_BTC, M_SHLD, M_SHRD,
	M_BSF, M_BSR, M_POPCNT, M_CRC32, M_SEG, M_MXCSR,
	M_VMOV, M_VMOVNT, M_VMOVNTDQA, M_VMOVLH, M_VARITH, M_VCVT,
	M_VINSERT, M_VEXTRACT, M_VBCAST, M_BMI, M_ADX, M_X87,
	M_MOVDIRI, M_MOVDIR64B, M_ENQCMD, M_ENQCMDS,
	M__COUNT
};

static const char *const mnem_names[M__COUNT] = {
	[M_UNKNOWN] = "?",
	[M_ADD] = "add", [M_OR] = "or", [M_ADC] = "adc", [M_SBB] = "sbb",
	[M_AND] = "and", [M_SUB] = "sub", [M_XOR] = "xor", [M_CMP] = "cmp",
	[M_ROL] = "rol", [M_ROR] = "ror", [M_RCL] = "rcl", [M_RCR] = "rcr",
	[M_SHL] = "shl", [M_SHR] = "shr", [M_SAL] = "sal", [M_SAR] = "sar",
	[M_TEST] = "test", [M_NOT] = "not", [M_NEG] = "neg",
	[M_MUL] = "mul", [M_IMUL] = "imul", [M_DIV] = "div",
	[M_IDIV] = "idiv", [M_INC] = "inc", [M_DEC] = "dec",
	[M_PUSH] = "push", [M_POP] = "pop",
	[M_MOV] = "mov", [M_MOVZX] = "movzx", [M_MOVSX] = "movsx",
	[M_MOVSXD] = "movsxd", [M_MOVNTI] = "movnti", [M_MOVBE] = "movbe",
	[M_XCHG] = "xchg", [M_CMPXCHG] = "cmpxchg",
	[M_CMPXCHG8B] = "cmpxchg8b", [M_CMPXCHG16B] = "cmpxchg16b",
	[M_XADD] = "xadd",
	[M_MOVS] = "movs", [M_STOS] = "stos", [M_LODS] = "lods",
	[M_CMPS] = "cmps", [M_SCAS] = "scas", [M_INS] = "ins",
	[M_OUTS] = "outs",
	[M_CMOV] = "cmov", [M_SETCC] = "setcc", [M_BT] = "bt",
	[M_BTS] = "bts", [M_BTR] = "btr", [M_BTC] = "btc",
	[M_SHLD] = "shld", [M_SHRD] = "shrd", [M_BSF] = "bsf",
	[M_BSR] = "bsr", [M_POPCNT] = "popcnt", [M_CRC32] = "crc32",
	[M_SEG] = "segment-op", [M_MXCSR] = "mxcsr",
	[M_VMOV] = "vector-mov", [M_VMOVNT] = "vector-movnt",
	[M_VMOVNTDQA] = "movntdqa", [M_VMOVLH] = "movlps/movhps",
	[M_VARITH] = "vector-op", [M_VCVT] = "vector-cvt",
	[M_VINSERT] = "vector-insert", [M_VEXTRACT] = "vector-extract",
	[M_VBCAST] = "vbroadcast", [M_BMI] = "bmi", [M_ADX] = "adcx/adox",
	[M_X87] = "x87", [M_MOVDIRI] = "movdiri", [M_MOVDIR64B] = "movdir64b",
	[M_ENQCMD] = "enqcmd", [M_ENQCMDS] = "enqcmds",
};

const char *mmio_decode_mnemonic(const struct mmio_insn *insn)
{
	if (insn->mnem >= M__COUNT || !mnem_names[insn->mnem])
		return "?";
	return mnem_names[insn->mnem];
}

/* ---- byte fetching ------------------------------------------------------ */

static int fetch(struct mmio_dec *d, u8 *out)
{
	if (d->pos >= d->avail || d->pos >= MMIO_INSN_MAX)
		return -1;
	*out = d->code[d->pos++];
	return 0;
}

/* Read an @n-byte little-endian value. */
static int fetch_n(struct mmio_dec *d, unsigned int n, u64 *out)
{
	unsigned int i;
	u64 v = 0;
	u8 c;

	for (i = 0; i < n; i++) {
		if (fetch(d, &c))
			return -1;
		v |= (u64)c << (8 * i);
	}
	*out = v;
	return 0;
}

/* ---- prefixes ----------------------------------------------------------- */

/* Legacy prefixes and REX; stops at the first opcode byte. */
static int dec_legacy_prefixes(struct mmio_dec *d)
{
	u8 c;

	for (;;) {
		if (d->pos >= d->avail || d->pos >= MMIO_INSN_MAX)
			return -1;
		c = d->code[d->pos];
		if ((c & 0xf0) == 0x40) {
			d->rex = c;
			d->pos++;
			continue;
		}
		switch (c) {
		case 0x66:
			d->p66 = 1;
			break;
		case 0x67:
			d->p67 = 1;
			break;
		case 0xf2:
		case 0xf3:
			d->rep = c;
			break;
		case 0xf0:
			d->lock = 1;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x64: case 0x65:
			d->seg = c;
			break;
		default:
			return 0;
		}
		/* A REX prefix followed by a legacy prefix is ignored. */
		d->rex = 0;
		d->pos++;
	}
}

static void set_rex_bits(struct mmio_dec *d)
{
	d->w = (d->rex >> 3) & 1;
	d->r = (d->rex >> 2) & 1;
	d->x = (d->rex >> 1) & 1;
	d->b = d->rex & 1;
}

/* Mandatory prefix of a legacy SSE instruction: F2/F3 beat 66. */
static u8 legacy_pp(const struct mmio_dec *d)
{
	if (d->rep == 0xf3)
		return 2;
	if (d->rep == 0xf2)
		return 3;
	return d->p66 ? 1 : 0;
}

/* Two- and three-byte VEX (C5 / C4). */
static int dec_vex(struct mmio_dec *d, u8 c)
{
	u8 p1, p2;

	if (fetch(d, &p1))
		return -1;
	d->r = !(p1 & 0x80);
	if (c == 0xc5) {
		d->vex = 2;
		d->map = 1;
		p2 = p1;
	} else {
		d->vex = 3;
		d->x = !(p1 & 0x40);
		d->b = !(p1 & 0x20);
		d->map = p1 & 0x1f;
		if (d->map < 1 || d->map > 3)
			return -1;
		if (fetch(d, &p2))
			return -1;
		d->w = p2 >> 7;
	}
	d->vl = (p2 >> 2) & 1;
	d->pp = p2 & 3;
	return 0;
}

/* Four-byte EVEX (62). */
static int dec_evex(struct mmio_dec *d)
{
	u8 p0, p1, p2;

	if (fetch(d, &p0) || fetch(d, &p1) || fetch(d, &p2))
		return -1;
	if ((p0 & 0x0c) || !(p1 & 0x04))
		return -1;
	d->vex = 4;
	d->r = !(p0 & 0x80);
	d->x = !(p0 & 0x40);
	d->b = !(p0 & 0x20);
	d->rr = !(p0 & 0x10);
	d->map = p0 & 3;
	if (d->map == 0)
		return -1;
	d->w = p1 >> 7;
	d->pp = p1 & 3;
	d->vl = (p2 >> 5) & 3;
	if (d->vl == 3)
		return -1;
	d->bcst = (p2 >> 4) & 1;
	d->aaa = p2 & 7;
	return 0;
}

/* Everything up to and including the opcode byte. */
static int dec_opcode(struct mmio_dec *d)
{
	u8 c;

	if (dec_legacy_prefixes(d) || fetch(d, &c))
		return -1;
	if (c == 0xc4 || c == 0xc5 || c == 0x62) {
		/* In 64-bit mode these are always VEX/EVEX. */
		if (d->rex || d->p66 || d->rep || d->lock)
			return -1;
		if (c == 0x62 ? dec_evex(d) : dec_vex(d, c))
			return -1;
		return fetch(d, &d->opcode);
	}
	set_rex_bits(d);
	d->pp = legacy_pp(d);
	if (c != 0x0f) {
		d->map = 0;
		d->opcode = c;
		return 0;
	}
	if (fetch(d, &c))
		return -1;
	if (c == 0x38 || c == 0x3a) {
		d->map = c == 0x38 ? 2 : 3;
		return fetch(d, &d->opcode);
	}
	d->map = 1;
	d->opcode = c;
	return 0;
}

/* ModRM, SIB and displacement.  Register-only forms are not ours: -1. */
static int dec_modrm(struct mmio_dec *d)
{
	unsigned int disp = 0;
	u8 m, sib;

	if (fetch(d, &m))
		return -1;
	d->mod = m >> 6;
	d->reg = (m >> 3) & 7;
	d->rm = m & 7;
	if (d->mod == 3)
		return -1;
	d->ea_base = d->rm | (d->b << 3);
	d->ea_index = MMIO_EA_NONE;
	d->ea_scale = 1;
	if (d->rm == 4) {
		if (fetch(d, &sib))
			return -1;
		d->ea_scale = 1 << (sib >> 6);
		/* index 4 without REX.X: no index (rsp cannot be one) */
		if (((sib >> 3) & 7) != 4 || d->x)
			d->ea_index = ((sib >> 3) & 7) | (d->x << 3);
		d->ea_base = (sib & 7) | (d->b << 3);
		if (d->mod == 0 && (sib & 7) == 5) {
			disp = 4;	/* no base (whatever REX.B says) */
			d->ea_base = MMIO_EA_NONE;
		}
	} else if (d->mod == 0 && d->rm == 5) {
		disp = 4;	/* RIP-relative (EIP with 67) */
		d->ea_base = MMIO_EA_RIP;
	}
	if (d->mod == 1)
		disp = 1;
	else if (d->mod == 2)
		disp = 4;
	if (d->pos + disp > d->avail || d->pos + disp > MMIO_INSN_MAX)
		return -1;
	d->disp8 = disp == 1;
	if (disp == 1)
		d->ea_disp = (signed char)d->code[d->pos];
	else if (disp == 4)
		d->ea_disp = (int)((u32)d->code[d->pos] |
				   (u32)d->code[d->pos + 1] << 8 |
				   (u32)d->code[d->pos + 2] << 16 |
				   (u32)d->code[d->pos + 3] << 24);
	d->pos += disp;
	return 0;
}

/* Width of a "v" operand: 2, 4 or 8 bytes. */
static u8 v_width(const struct mmio_dec *d)
{
	if (d->w)
		return 8;
	return d->p66 ? 2 : 4;
}

static int dec_imm(struct mmio_dec *d)
{
	unsigned int kind = T_IMM(d->ent);

	if (kind == I_GRP3)
		kind = d->reg < 2 ? ((d->ent & T_BYTE) ? I_B : I_Z) : I_NONE;
	if (kind == I_NONE)
		return 0;
	if (kind == I_B)
		d->imm_len = 1;
	else
		d->imm_len = d->p66 && !d->w ? 2 : 4;	/* REX.W beats 66 */
	return fetch_n(d, d->imm_len, &d->imm);
}

/* ---- filling in the result ---------------------------------------------- */

static u64 width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/* The immediate sign-extended from its encoding, truncated to @width. */
static u64 imm_value(const struct mmio_dec *d, unsigned int width)
{
	u64 v = d->imm;
	unsigned int bits = 8 * d->imm_len;

	if (bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ULL << bits;
	return v & width_mask(width);
}

static int gpr_reg(const struct mmio_dec *d)
{
	return d->reg | (d->r << 3);
}

static int vec_reg(const struct mmio_dec *d)
{
	return d->reg | (d->r << 3) | (d->rr << 4);
}

static void set_acc(struct mmio_insn *in, u8 access, unsigned int width)
{
	in->access = access;
	in->width = width;
	if (access == (MMIO_ACC_READ | MMIO_ACC_WRITE))
		in->flags |= MMIO_INSN_RMW;
}

/* The ModRM.reg general register, as a byte, word... register. */
static void gpr_kind(const struct mmio_dec *d, int byte, u8 *kind, u8 *reg)
{
	int r = gpr_reg(d);

	if (byte && !d->rex && r >= 4 && r <= 7)
		*kind = MMIO_OPND_GPR8H;
	else
		*kind = MMIO_OPND_GPR;
	*reg = r;
}

static void src_gpr(const struct mmio_dec *d, struct mmio_insn *in, int byte)
{
	gpr_kind(d, byte, &in->src_kind, &in->src_reg);
}

/* The register loaded with the whole value read (plain MOV forms). */
static void dst_gpr(const struct mmio_dec *d, struct mmio_insn *in, int byte,
		    unsigned int dwidth, u8 ext)
{
	gpr_kind(d, byte, &in->dst_kind, &in->dst_reg);
	in->dst_width = dwidth;
	in->dst_ext = ext;
}

static u8 load_ext(unsigned int width)
{
	return width == 4 ? MMIO_EXT_ZERO : MMIO_EXT_NONE;
}

static void read_computed(struct mmio_insn *in, unsigned int width)
{
	set_acc(in, MMIO_ACC_READ, width);
	in->dst_kind = MMIO_OPND_COMPUTED;
}

static void write_computed(struct mmio_insn *in, unsigned int width)
{
	set_acc(in, MMIO_ACC_WRITE, width);
	in->src_kind = MMIO_OPND_COMPUTED;
}

static void rmw_computed(struct mmio_insn *in, unsigned int width)
{
	set_acc(in, MMIO_ACC_READ | MMIO_ACC_WRITE, width);
	in->src_kind = MMIO_OPND_COMPUTED;
	in->dst_kind = MMIO_OPND_COMPUTED;
}

static unsigned int op_width(const struct mmio_dec *d)
{
	return (d->ent & T_BYTE) ? 1 : v_width(d);
}

/* ---- general-purpose instruction classes -------------------------------- */

/*
 * The immediate of a COMPUTED form (ALU r/m, imm; TEST r/m, imm; a shift
 * count; BT* r/m, imm8) is also left in mmio_insn.imm, as MMIO_OPND_IMM's
 * would be (shift counts and bit offsets as encoded): the emulator needs
 * it, and src_kind stays COMPUTED since the value written is the result,
 * not the immediate.
 */
static const u8 alu_mnem[8] = {
	M_ADD, M_OR, M_ADC, M_SBB, M_AND, M_SUB, M_XOR, M_CMP
};

static int cls_alu(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);

	in->mnem = alu_mnem[(d->opcode >> 3) & 7];
	gpr_kind(d, w == 1, &in->reg_kind, &in->reg_num);
	switch (T_CLS(d->ent)) {
	case C_ALU_MR:
		rmw_computed(in, w);
		break;
	case C_CMP:
		in->mnem = d->opcode >= 0x84 ? M_TEST : M_CMP;
		read_computed(in, w);
		break;
	default:
		read_computed(in, w);
		break;
	}
	return 0;
}

static int cls_grp1(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);

	in->mnem = alu_mnem[d->reg];
	if (d->reg == 7)
		read_computed(in, w);
	else
		rmw_computed(in, w);
	in->imm = imm_value(d, w);	/* for the emulator */
	return 0;
}

static int cls_grp2(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 names[8] = {
		M_ROL, M_ROR, M_RCL, M_RCR, M_SHL, M_SHR, M_SAL, M_SAR
	};

	in->mnem = names[d->reg];
	rmw_computed(in, op_width(d));
	in->imm = d->imm;		/* c0/c1: the count, as encoded */
	return 0;
}

static int cls_grp3(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 names[8] = {
		M_TEST, M_TEST, M_NOT, M_NEG, M_MUL, M_IMUL, M_DIV, M_IDIV
	};
	unsigned int w = op_width(d);

	in->mnem = names[d->reg];
	if (d->reg == 2 || d->reg == 3)
		rmw_computed(in, w);
	else
		read_computed(in, w);
	if (d->reg < 2)
		in->imm = imm_value(d, w);	/* TEST's, for the emulator */
	return 0;
}

static int cls_grp4(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->reg > 1)
		return -1;
	in->mnem = d->reg ? M_DEC : M_INC;
	rmw_computed(in, 1);
	return 0;
}

static int cls_grp5(struct mmio_dec *d, struct mmio_insn *in)
{
	switch (d->reg) {
	case 0:
	case 1:
		in->mnem = d->reg ? M_DEC : M_INC;
		rmw_computed(in, v_width(d));
		return 0;
	case 6:
		/* PUSH m: the value read goes to the stack. */
		in->mnem = M_PUSH;
		read_computed(in, d->p66 && !d->w ? 2 : 8);
		return 0;
	default:
		/* CALL/JMP through memory: not a data access. */
		return -1;
	}
}

static int cls_pop(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->reg != 0)
		return -1;
	in->mnem = M_POP;
	write_computed(in, d->p66 && !d->w ? 2 : 8);
	return 0;
}

static int cls_movsxd(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = v_width(d);

	in->mnem = M_MOVSXD;
	if (w == 8) {
		set_acc(in, MMIO_ACC_READ, 4);
		dst_gpr(d, in, 0, 8, MMIO_EXT_SIGN);
	} else {
		set_acc(in, MMIO_ACC_READ, w);
		dst_gpr(d, in, 0, w, load_ext(w));
	}
	return 0;
}

static int cls_xchg(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);
	int byte = w == 1;

	in->mnem = M_XCHG;
	set_acc(in, MMIO_ACC_READ | MMIO_ACC_WRITE, w);
	src_gpr(d, in, byte);
	dst_gpr(d, in, byte, w, load_ext(w));
	return 0;
}

static int cls_mov(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);
	int byte = w == 1;

	in->mnem = M_MOV;
	if (T_CLS(d->ent) == C_MOV_ST) {
		set_acc(in, MMIO_ACC_WRITE, w);
		src_gpr(d, in, byte);
	} else {
		set_acc(in, MMIO_ACC_READ, w);
		dst_gpr(d, in, byte, w, load_ext(w));
	}
	return 0;
}

static int cls_mov_imm(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);

	if (d->reg != 0)
		return -1;
	in->mnem = M_MOV;
	set_acc(in, MMIO_ACC_WRITE, w);
	in->src_kind = MMIO_OPND_IMM;
	in->imm = imm_value(d, w);
	return 0;
}

/* MOV AL/rAX <-> moffs (A0-A3): the address is the immediate. */
static int cls_moffs(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);
	u64 addr;

	if (fetch_n(d, d->p67 ? 4 : 8, &addr))
		return -1;
	d->ea_disp = (s64)addr;		/* absolute: no base, no index */
	in->mnem = M_MOV;
	in->modrm_mem = 0;
	if (d->opcode >= 0xa2) {
		set_acc(in, MMIO_ACC_WRITE, w);
		in->src_kind = MMIO_OPND_GPR;
		in->src_reg = 0;
	} else {
		set_acc(in, MMIO_ACC_READ, w);
		in->dst_kind = MMIO_OPND_GPR;
		in->dst_reg = 0;
		in->dst_width = w;
		in->dst_ext = load_ext(w);
	}
	return 0;
}

static int cls_string(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);
	u8 op = d->opcode & ~1;

	in->modrm_mem = 0;
	if (d->rep) {
		in->flags |= MMIO_INSN_REP;
		if (d->rep == 0xf2)
			in->xflags |= MMIO_XF_REPNE;
	}
	switch (op) {
	case 0xa4:
		in->string_op = MMIO_STR_MOVS;
		in->mnem = M_MOVS;
		set_acc(in, MMIO_ACC_READ | MMIO_ACC_WRITE, w);
		/* two different locations: not a read-modify-write */
		in->flags &= ~MMIO_INSN_RMW;
		in->src_kind = MMIO_OPND_MEM_SI;
		in->dst_kind = MMIO_OPND_MEM_DI;
		break;
	case 0xa6:
	case 0xae:
		in->string_op = op == 0xa6 ? MMIO_STR_CMPS : MMIO_STR_SCAS;
		in->mnem = op == 0xa6 ? M_CMPS : M_SCAS;
		read_computed(in, w);
		break;
	case 0xaa:
		in->string_op = MMIO_STR_STOS;
		in->mnem = M_STOS;
		set_acc(in, MMIO_ACC_WRITE, w);
		in->src_kind = MMIO_OPND_GPR;
		in->src_reg = 0;
		break;
	case 0xac:
		in->string_op = MMIO_STR_LODS;
		in->mnem = M_LODS;
		set_acc(in, MMIO_ACC_READ, w);
		in->dst_kind = MMIO_OPND_GPR;
		in->dst_reg = 0;
		in->dst_width = w;
		in->dst_ext = load_ext(w);
		break;
	case 0x6c:
		/* INS/OUTS have no 64-bit form: REX.W is ignored. */
		in->string_op = MMIO_STR_INS;
		in->mnem = M_INS;
		set_acc(in, MMIO_ACC_WRITE, w == 8 ? 4 : w);
		in->src_kind = MMIO_OPND_PORT;
		break;
	case 0x6e:
		in->string_op = MMIO_STR_OUTS;
		in->mnem = M_OUTS;
		set_acc(in, MMIO_ACC_READ, w == 8 ? 4 : w);
		in->dst_kind = MMIO_OPND_PORT;
		break;
	default:
		return -1;
	}
	return 0;
}

static int cls_read_v(struct mmio_dec *d, struct mmio_insn *in)
{
	u8 op = d->opcode;

	if (d->map == 0)
		in->mnem = M_IMUL;
	else if (op >= 0x40 && op <= 0x4f)
		in->mnem = M_CMOV;
	else if (op == 0xaf)
		in->mnem = M_IMUL;
	else
		in->mnem = op == 0xbc ? M_BSF : M_BSR;
	read_computed(in, v_width(d));
	return 0;
}

static int cls_grp6(struct mmio_dec *d, struct mmio_insn *in)
{
	in->mnem = M_SEG;
	switch (d->reg) {
	case 0:
	case 1:
		write_computed(in, 2);	/* SLDT, STR */
		return 0;
	case 2:
	case 3:
	case 4:
	case 5:
		read_computed(in, 2);	/* LLDT, LTR, VERR, VERW */
		return 0;
	default:
		return -1;
	}
}

static int cls_setcc(struct mmio_dec *d, struct mmio_insn *in)
{
	in->mnem = M_SETCC;
	write_computed(in, 1);
	return 0;
}

static int bt_common(struct mmio_dec *d, struct mmio_insn *in, int kind)
{
	static const u8 names[4] = { M_BT, M_BTS, M_BTR, M_BTC };

	in->mnem = names[kind];
	if (kind == 0)
		read_computed(in, v_width(d));
	else
		rmw_computed(in, v_width(d));
	return 0;
}

static int cls_bt(struct mmio_dec *d, struct mmio_insn *in)
{
	in->xflags |= MMIO_XF_BITBASE;
	return bt_common(d, in, (d->opcode >> 3) & 3);
}

static int cls_grp8(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->reg < 4)
		return -1;
	in->imm = d->imm;		/* the bit offset, as encoded */
	return bt_common(d, in, d->reg - 4);
}

static int cls_shxd(struct mmio_dec *d, struct mmio_insn *in)
{
	in->mnem = d->opcode < 0xa8 ? M_SHLD : M_SHRD;
	rmw_computed(in, v_width(d));
	return 0;
}

static int cls_grp15(struct mmio_dec *d, struct mmio_insn *in)
{
	/* Only LDMXCSR/STMXCSR; FXSAVE & co and cache control are not. */
	if (d->pp != 0 || d->vl)
		return -1;
	in->mnem = M_MXCSR;
	if (d->reg == 2)
		read_computed(in, 4);
	else if (d->reg == 3)
		write_computed(in, 4);
	else
		return -1;
	return 0;
}

static int cls_cmpxchg(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);

	in->mnem = M_CMPXCHG;
	set_acc(in, MMIO_ACC_READ | MMIO_ACC_WRITE, w);
	src_gpr(d, in, w == 1);
	in->dst_kind = MMIO_OPND_CMPXCHG_AX;
	in->dst_reg = 0;
	in->dst_width = w;
	in->dst_ext = load_ext(w);
	return 0;
}

static int cls_grp9(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->reg != 1 || d->rep)
		return -1;
	in->mnem = d->w ? M_CMPXCHG16B : M_CMPXCHG8B;
	rmw_computed(in, d->w ? 16 : 8);
	return 0;
}

static int cls_movx(struct mmio_dec *d, struct mmio_insn *in)
{
	int sign = d->opcode >= 0xbe;
	unsigned int w = (d->opcode & 1) ? 2 : 1;

	in->mnem = sign ? M_MOVSX : M_MOVZX;
	set_acc(in, MMIO_ACC_READ, w);
	dst_gpr(d, in, 0, v_width(d), sign ? MMIO_EXT_SIGN : MMIO_EXT_ZERO);
	return 0;
}

static int cls_popcnt(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->rep != 0xf3)
		return -1;
	in->mnem = M_POPCNT;
	read_computed(in, v_width(d));
	return 0;
}

static int cls_xadd(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = op_width(d);

	in->mnem = M_XADD;
	set_acc(in, MMIO_ACC_READ | MMIO_ACC_WRITE, w);
	in->src_kind = MMIO_OPND_COMPUTED;
	dst_gpr(d, in, w == 1, w, load_ext(w));
	return 0;
}

static int cls_movnti(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->p66 || d->rep)
		return -1;
	in->mnem = M_MOVNTI;
	in->flags |= MMIO_INSN_NONTEMPORAL;
	set_acc(in, MMIO_ACC_WRITE, d->w ? 8 : 4);
	src_gpr(d, in, 0);
	return 0;
}

/* MOVBE (no prefix or 66) and CRC32 (F2) share 0f38 f0/f1. */
static int cls_movbe_crc(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w = v_width(d);

	if (d->rep == 0xf2) {
		in->mnem = M_CRC32;
		read_computed(in, d->opcode == 0xf0 ? 1 : w);
		return 0;
	}
	if (d->rep)
		return -1;
	in->mnem = M_MOVBE;
	in->xflags |= MMIO_XF_BSWAP;
	if (d->opcode == 0xf0) {
		set_acc(in, MMIO_ACC_READ, w);
		dst_gpr(d, in, 0, w, load_ext(w));
	} else {
		set_acc(in, MMIO_ACC_WRITE, w);
		src_gpr(d, in, 0);
	}
	return 0;
}

/*
 * MOVDIRI (0f38 f9): a direct store from a register.  MOVDIR64B (66),
 * ENQCMD (f2), ENQCMDS (f3) 0f38 f8: copy the 64 bytes at the ModRM
 * operand to the address in the ModRM.reg register, as one write.
 */
static int cls_movdir(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 names[4] = { 0, M_MOVDIR64B, M_ENQCMDS, M_ENQCMD };

	in->flags |= MMIO_INSN_NONTEMPORAL;
	if (d->opcode == 0xf9) {
		if (d->pp != 0)
			return -1;
		in->mnem = M_MOVDIRI;
		set_acc(in, MMIO_ACC_WRITE, d->w ? 8 : 4);
		src_gpr(d, in, 0);
		return 0;
	}
	if (d->pp == 0)
		return -1;
	in->mnem = names[d->pp];
	/* two different locations, like MOVS: no RMW flag */
	in->access = MMIO_ACC_READ | MMIO_ACC_WRITE;
	in->width = 64;
	in->src_kind = MMIO_OPND_MEM_MODRM;
	in->dst_kind = MMIO_OPND_MEM_REG;
	in->dst_reg = gpr_reg(d);
	return 0;
}

/* VEX-encoded BMI1/BMI2 with a memory source. */
static int cls_bmi(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->vex != 2 && d->vex != 3)
		return -1;
	if (d->vl)
		return -1;
	if (d->opcode == 0xf3 && (d->reg < 1 || d->reg > 3))
		return -1;
	in->mnem = M_BMI;
	read_computed(in, d->w ? 8 : 4);
	return 0;
}

/* ---- vector instruction classes ----------------------------------------- */

static unsigned int vec_width(const struct mmio_dec *d)
{
	return 16u << d->vl;
}

static u8 vec_load_ext(const struct mmio_dec *d)
{
	return d->vex ? MMIO_EXT_ZERO : MMIO_EXT_NONE;
}

static void vec_load(const struct mmio_dec *d, struct mmio_insn *in,
		     unsigned int w, u8 ext)
{
	set_acc(in, MMIO_ACC_READ, w);
	in->dst_kind = MMIO_OPND_VEC;
	in->dst_reg = vec_reg(d);
	in->dst_width = w;
	in->dst_ext = ext;
}

static void vec_store(const struct mmio_dec *d, struct mmio_insn *in,
		      unsigned int w)
{
	set_acc(in, MMIO_ACC_WRITE, w);
	in->src_kind = MMIO_OPND_VEC;
	in->src_reg = vec_reg(d);
}

/* Load (opcode bit 0 clear) or store (set) of @w bytes, whole register. */
static int vec_move(const struct mmio_dec *d, struct mmio_insn *in,
		    unsigned int w, int store, u8 ext)
{
	in->mnem = M_VMOV;
	if (store)
		vec_store(d, in, w);
	else
		vec_load(d, in, w, ext);
	return 0;
}

/* EVEX moves fix EVEX.W by the prefix: W must be @w. */
static int evex_w_is(const struct mmio_dec *d, int w)
{
	return d->vex != 4 || d->w == w;
}

/* movups/movupd/movss/movsd (0f 10/11). */
static int cls_vmovups(struct mmio_dec *d, struct mmio_insn *in)
{
	int store = d->opcode & 1;

	if (!evex_w_is(d, d->pp & 1))
		return -1;
	if (d->pp >= 2)
		return vec_move(d, in, d->pp == 2 ? 4 : 8, store,
				MMIO_EXT_ZERO);
	return vec_move(d, in, vec_width(d), store, vec_load_ext(d));
}

/* movaps/movapd (0f 28/29). */
static int cls_vmovaps(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp >= 2 || !evex_w_is(d, d->pp))
		return -1;
	return vec_move(d, in, vec_width(d), d->opcode & 1, vec_load_ext(d));
}

/* movntps/movntpd (0f 2b). */
static int cls_vmovntps(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp >= 2 || !evex_w_is(d, d->pp))
		return -1;
	in->flags |= MMIO_INSN_NONTEMPORAL;
	vec_move(d, in, vec_width(d), 1, 0);
	in->mnem = M_VMOVNT;
	return 0;
}

/* movlps/movlpd/movhps/movhpd and the dup loads (0f 12/13/16/17). */
static int cls_vmovlh(struct mmio_dec *d, struct mmio_insn *in)
{
	int high = d->opcode >= 0x16;

	if (d->pp >= 2) {
		if (d->opcode & 1 || (high && d->pp == 3))
			return -1;
		/* movsldup, movshdup, movddup */
		in->mnem = M_VARITH;
		read_computed(in, d->pp == 3 && !d->vl ? 8 : vec_width(d));
		return 0;
	}
	if (d->vl)
		return -1;
	in->mnem = M_VMOVLH;
	if (d->opcode & 1)
		vec_store(d, in, 8);
	else
		vec_load(d, in, 8, MMIO_EXT_NONE);
	if (high) {
		in->vec_offset = 8;
		in->xflags |= MMIO_XF_VECLANE;
	}
	return 0;
}

/* movd/movq xmm <- r/m32/64 (66 0f 6e). */
static int cls_vmovd_ld(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || d->vl)
		return -1;
	return vec_move(d, in, d->w ? 8 : 4, 0, MMIO_EXT_ZERO);
}

/* movd/movq r/m <- xmm (66 0f 7e), movq xmm <- m64 (f3 0f 7e). */
static int cls_vmovd_st(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->vl)
		return -1;
	if (d->pp == 1)
		return vec_move(d, in, d->w ? 8 : 4, 1, 0);
	if (d->pp == 2 && evex_w_is(d, 1))
		return vec_move(d, in, 8, 0, MMIO_EXT_ZERO);
	return -1;
}

/* movdqa/movdqu and the EVEX vmovdqa32/64, vmovdqu8/16/32/64. */
static int cls_vmovdq(struct mmio_dec *d, struct mmio_insn *in)
{
	int store = T_CLS(d->ent) == C_VMOVDQ_ST;

	if (d->pp == 0 || (d->pp == 3 && d->vex != 4))
		return -1;	/* MMX movq, or F2 without EVEX */
	return vec_move(d, in, vec_width(d), store, vec_load_ext(d));
}

/* movq m64 <- xmm (66 0f d6). */
static int cls_vmovq_st(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || d->vl || !evex_w_is(d, 1))
		return -1;
	return vec_move(d, in, 8, 1, 0);
}

/* movntdq (66 0f e7). */
static int cls_vmovntdq(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || !evex_w_is(d, 0))
		return -1;
	in->flags |= MMIO_INSN_NONTEMPORAL;
	vec_move(d, in, vec_width(d), 1, 0);
	in->mnem = M_VMOVNT;
	return 0;
}

/* movntdqa (66 0f38 2a). */
static int cls_movntdqa(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || !evex_w_is(d, 0))
		return -1;
	in->flags |= MMIO_INSN_NONTEMPORAL;
	vec_load(d, in, vec_width(d), vec_load_ext(d));
	in->mnem = M_VMOVNTDQA;
	return 0;
}

static int vec_read(struct mmio_insn *in, unsigned int w, u8 mnem)
{
	in->mnem = mnem;
	read_computed(in, w);
	return 0;
}

/* Scalar/packed arithmetic 0f 51-5f and cmpps & co (0f c2). */
static int cls_arith(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 scalar[4] = { 0, 0, 4, 8 };
	unsigned int w = d->pp >= 2 ? scalar[d->pp] : vec_width(d);

	switch (d->opcode) {
	case 0x5a:
		if (d->pp == 0)
			w = 8u << d->vl;	/* cvtps2pd */
		return vec_read(in, w, M_VCVT);
	case 0x5b:
		if (d->pp == 3)
			return -1;
		return vec_read(in, vec_width(d), M_VCVT);
	case 0x52:
	case 0x53:
		if (d->pp & 1)		/* rsqrt/rcp: only ps and ss */
			return -1;
		break;
	case 0x54 ... 0x57:
		if (d->pp >= 2)
			return -1;
		break;
	default:
		break;
	}
	return vec_read(in, w, M_VARITH);
}

/* Packed SSE with no prefix or 66: always 16 bytes (32 with VEX.L). */
static int cls_packed(struct mmio_dec *d, struct mmio_insn *in)
{
	switch (T_CLS(d->ent)) {
	case C_PACKED:
		if (d->pp >= 2)
			return -1;
		break;
	case C_PACKED66:
		if (d->pp != 1)
			return -1;
		break;
	case C_PACKED13:
		if (d->pp != 1 && d->pp != 3)
			return -1;
		if (d->opcode == 0xf0 && d->pp != 3)
			return -1;
		break;
	case C_VPACKED:
		if (!d->vex || d->vex == 4 || d->pp != 1)
			return -1;
		if (d->map == 2 && d->opcode == 0x13)	/* vcvtph2ps */
			return vec_read(in, 8u << d->vl, M_VCVT);
		break;
	}
	return vec_read(in, vec_width(d), M_VARITH);
}

/* Shifts by an xmm count (psrlw... 0f d1-d3, e1-e2, f1-f3): m128. */
static int shift_by_xmm(const struct mmio_dec *d)
{
	u8 op = d->opcode;

	return d->map == 1 && ((op >= 0xd1 && op <= 0xd3) || op == 0xe1 ||
			       op == 0xe2 || (op >= 0xf1 && op <= 0xf3));
}

/* MMX (no prefix, 8 bytes, legacy only) or SSE2 (66) integer ops. */
static int cls_mmxpacked(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp == 0 && !d->vex) {
		/* MMX punpckl{bw,wd,dq} read m32 */
		if (d->map == 1 && d->opcode >= 0x60 && d->opcode <= 0x62)
			return vec_read(in, 4, M_VARITH);
		return vec_read(in, 8, M_VARITH);
	}
	if (d->pp != 1)
		return -1;
	if (shift_by_xmm(d))
		return vec_read(in, 16, M_VARITH);
	return vec_read(in, vec_width(d), M_VARITH);
}

/* pshufw (mmx), pshufd (66), pshufhw (f3), pshuflw (f2). */
static int cls_pshuf(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp == 0)
		return d->vex ? -1 : vec_read(in, 8, M_VARITH);
	return vec_read(in, vec_width(d), M_VARITH);
}

/* cvtsi2ss/sd (f3/f2 0f 2a), cvtpi2ps/pd (0f 2a, mmx source). */
static int cls_cvtsi2(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp >= 2)
		return vec_read(in, d->w ? 8 : 4, M_VCVT);
	if (d->vex)
		return -1;
	return vec_read(in, 8, M_VCVT);
}

/* cvt(t)ss2si, cvt(t)sd2si, cvt(t)ps2pi, cvt(t)pd2pi (0f 2c/2d). */
static int cls_cvt2si(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 widths[4] = { 8, 16, 4, 8 };

	if (d->pp < 2 && d->vex)
		return -1;
	return vec_read(in, widths[d->pp], M_VCVT);
}

/* ucomiss/comiss (0f 2e/2f), ucomisd/comisd (66). */
static int cls_comis(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp >= 2)
		return -1;
	return vec_read(in, d->pp ? 8 : 4, M_VARITH);
}

/* cvttpd2dq (66), cvtdq2pd (f3), cvtpd2dq (f2): 0f e6. */
static int cls_cvt_e6(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp == 0)
		return -1;
	if (d->pp == 2)
		return vec_read(in, 8u << d->vl, M_VCVT);
	return vec_read(in, vec_width(d), M_VCVT);
}

/* pmovsx/pmovzx (66 0f38 20-25 / 30-35): a fraction of the register. */
static int cls_pmovx(struct mmio_dec *d, struct mmio_insn *in)
{
	static const u8 widths[6] = { 8, 4, 2, 8, 4, 8 };

	if (d->pp != 1)
		return -1;
	return vec_read(in, widths[d->opcode & 7] << d->vl, M_VCVT);
}

/* vbroadcast*, vpbroadcast* (VEX 66 0f38). */
static int cls_vbcast(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w;

	if (d->pp != 1)
		return -1;
	switch (d->opcode) {
	case 0x18: case 0x58:
		w = 4;
		break;
	case 0x19: case 0x59:
		w = 8;		/* sd, q, and EVEX f32x2/i32x2 */
		break;
	case 0x1a: case 0x5a:
		w = 16;		/* f128/i128, EVEX f32x4/f64x2... */
		break;
	case 0x78:
		w = 1;
		break;
	case 0x79:
		w = 2;
		break;
	default:
		if (d->vex != 4)
			return -1;
		w = 32;		/* EVEX f32x8/f64x4/i32x8/i64x4 */
		break;
	}
	return vec_read(in, w, M_VBCAST);
}

/* FMA (VEX 66 0f38 96-bf): odd ones from 99 on in each row are scalar. */
static int cls_fma(struct mmio_dec *d, struct mmio_insn *in)
{
	u8 lo = d->opcode & 0xf;

	if (d->vex == 4 || d->pp != 1)
		return -1;
	if (d->opcode >= 0x99 && (lo & 1) && lo >= 9)
		return vec_read(in, d->w ? 8 : 4, M_VARITH);
	return vec_read(in, vec_width(d), M_VARITH);
}

/* roundss/roundsd (66 0f3a 0a/0b). */
static int cls_rounds(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1)
		return -1;
	return vec_read(in, d->opcode == 0x0a ? 4 : 8, M_VARITH);
}

/* pinsrw (0f c4): mmx or xmm lane. */
static int cls_pinsrw(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp == 0 && !d->vex)
		return vec_read(in, 2, M_VINSERT);
	if (d->pp != 1 || d->vl)
		return -1;
	vec_load(d, in, 2, MMIO_EXT_NONE);
	in->mnem = M_VINSERT;
	in->vec_offset = 2 * (d->imm & 7);
	in->xflags |= MMIO_XF_VECLANE;
	return 0;
}

/* pextrb/w/d/q, extractps (66 0f3a 14-17): store one lane. */
static int cls_pextr(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w, off;

	if (d->pp != 1 || d->vl)
		return -1;
	switch (d->opcode) {
	case 0x14:
		w = 1;
		off = d->imm & 15;
		break;
	case 0x15:
		w = 2;
		off = 2 * (d->imm & 7);
		break;
	case 0x16:
		w = d->w ? 8 : 4;
		off = w * (d->imm & (d->w ? 1 : 3));
		break;
	default:
		w = 4;
		off = 4 * (d->imm & 3);
		break;
	}
	vec_store(d, in, w);
	in->mnem = M_VEXTRACT;
	in->vec_offset = off;
	in->xflags |= MMIO_XF_VECLANE;
	return 0;
}

/* pinsrb, insertps, pinsrd/q (66 0f3a 20-22): load one lane. */
static int cls_pinsr(struct mmio_dec *d, struct mmio_insn *in)
{
	unsigned int w, off;

	if (d->pp != 1 || d->vl)
		return -1;
	switch (d->opcode) {
	case 0x20:
		w = 1;
		off = d->imm & 15;
		break;
	case 0x21:
		w = 4;
		off = 4 * ((d->imm >> 4) & 3);
		break;
	default:
		w = d->w ? 8 : 4;
		off = w * (d->imm & (d->w ? 1 : 3));
		break;
	}
	vec_load(d, in, w, MMIO_EXT_NONE);
	in->mnem = M_VINSERT;
	in->vec_offset = off;
	in->xflags |= MMIO_XF_VECLANE;
	return 0;
}

/* vinsertf128/i128 (VEX 66 0f3a 18/38). */
static int cls_vins128(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || !d->vl)
		return -1;
	vec_load(d, in, 16, MMIO_EXT_NONE);
	in->mnem = M_VINSERT;
	in->vec_offset = 16 * (d->imm & 1);
	in->xflags |= MMIO_XF_VECLANE;
	return 0;
}

/* vextractf128/i128 (VEX 66 0f3a 19/39). */
static int cls_vext128(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1 || !d->vl)
		return -1;
	vec_store(d, in, 16);
	in->mnem = M_VEXTRACT;
	in->vec_offset = 16 * (d->imm & 1);
	in->xflags |= MMIO_XF_VECLANE;
	return 0;
}

/* vcvtps2ph (VEX 66 0f3a 1d): stores converted halves. */
static int cls_vcvtps2ph(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->pp != 1)
		return -1;
	in->mnem = M_VCVT;
	write_computed(in, 8u << d->vl);
	return 0;
}

/* ADCX (66 0f38 f6), ADOX (f3 0f38 f6); VEX f2 0f38 f6 is MULX. */
static int cls_adx(struct mmio_dec *d, struct mmio_insn *in)
{
	if (d->vex)
		return d->pp == 3 ? cls_bmi(d, in) : -1;
	if (d->pp != 1 && d->pp != 2)
		return -1;
	in->mnem = M_ADX;
	read_computed(in, d->w ? 8 : 4);
	return 0;
}

/*
 * x87 memory forms (d8-df).  Per opcode and ModRM.reg: bytes accessed,
 * and bit 7 set for a store.  0: no such memory form.
 */
#define X_ST	0x80
static const u8 x87_forms[8][8] = {
	/* d8: fadd..fdivr m32fp */
	{ 4, 4, 4, 4, 4, 4, 4, 4 },
	/* d9: fld m32, -, fst, fstp, fldenv, fldcw, fnstenv, fnstcw */
	{ 4, 0, 4 | X_ST, 4 | X_ST, 28, 2, 28 | X_ST, 2 | X_ST },
	/* da: fiadd..fidivr m32int */
	{ 4, 4, 4, 4, 4, 4, 4, 4 },
	/* db: fild, fisttp, fist, fistp m32int, -, fld m80, -, fstp m80 */
	{ 4, 4 | X_ST, 4 | X_ST, 4 | X_ST, 0, 10, 0, 10 | X_ST },
	/* dc: fadd..fdivr m64fp */
	{ 8, 8, 8, 8, 8, 8, 8, 8 },
	/* dd: fld m64, fisttp m64, fst, fstp, frstor, -, fnsave, fnstsw */
	{ 8, 8 | X_ST, 8 | X_ST, 8 | X_ST, 108, 0, 108 | X_ST, 2 | X_ST },
	/* de: fiadd..fidivr m16int */
	{ 2, 2, 2, 2, 2, 2, 2, 2 },
	/* df: fild, fisttp, fist, fistp m16, fbld, fild m64, fbstp, fistp */
	{ 2, 2 | X_ST, 2 | X_ST, 2 | X_ST, 10, 8, 10 | X_ST, 8 | X_ST },
};

static int cls_x87(struct mmio_dec *d, struct mmio_insn *in)
{
	u8 f = x87_forms[d->opcode - 0xd8][d->reg];

	if (!f)
		return -1;
	in->mnem = M_X87;
	if (f & X_ST)
		write_computed(in, f & ~X_ST);
	else
		read_computed(in, f);
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

static int dec_gp_class(struct mmio_dec *d, struct mmio_insn *in)
{
	switch (T_CLS(d->ent)) {
	case C_ALU_MR:
	case C_ALU_RM:
	case C_CMP:	return cls_alu(d, in);
	case C_MOVSXD:	return cls_movsxd(d, in);
	case C_READ_V:	return cls_read_v(d, in);
	case C_STR:	return cls_string(d, in);
	case C_GRP1:	return cls_grp1(d, in);
	case C_XCHG:	return cls_xchg(d, in);
	case C_MOV_ST:
	case C_MOV_LD:	return cls_mov(d, in);
	case C_POP:	return cls_pop(d, in);
	case C_MOFFS:	return cls_moffs(d, in);
	case C_GRP2:	return cls_grp2(d, in);
	case C_MOV_IMM:	return cls_mov_imm(d, in);
	case C_GRP3:	return cls_grp3(d, in);
	case C_GRP4:	return cls_grp4(d, in);
	case C_GRP5:	return cls_grp5(d, in);
	case C_GRP6:	return cls_grp6(d, in);
	case C_SETCC:	return cls_setcc(d, in);
	case C_BT:	return cls_bt(d, in);
	case C_GRP8:	return cls_grp8(d, in);
	case C_SHXD:	return cls_shxd(d, in);
	case C_GRP15:	return cls_grp15(d, in);
	case C_CMPXCHG:	return cls_cmpxchg(d, in);
	case C_MOVX:	return cls_movx(d, in);
	case C_POPCNT:	return cls_popcnt(d, in);
	case C_XADD:	return cls_xadd(d, in);
	case C_MOVNTI:	return cls_movnti(d, in);
	case C_GRP9:	return cls_grp9(d, in);
	case C_MOVBE_CRC: return cls_movbe_crc(d, in);
	case C_BMI:	return cls_bmi(d, in);
	case C_ADX:	return cls_adx(d, in);
	case C_MOVDIR:	return cls_movdir(d, in);
	case C_X87:	return cls_x87(d, in);
	default:	return 1;	/* not a general-purpose class */
	}
}

static int dec_vec_class(struct mmio_dec *d, struct mmio_insn *in)
{
	switch (T_CLS(d->ent)) {
	case C_VMOVUPS:	return cls_vmovups(d, in);
	case C_VMOVLH:	return cls_vmovlh(d, in);
	case C_VMOVAPS:	return cls_vmovaps(d, in);
	case C_VMOVNTPS: return cls_vmovntps(d, in);
	case C_CVTSI2:	return cls_cvtsi2(d, in);
	case C_CVT2SI:	return cls_cvt2si(d, in);
	case C_COMIS:	return cls_comis(d, in);
	case C_ARITH:	return cls_arith(d, in);
	case C_PACKED:
	case C_PACKED66:
	case C_PACKED13:
	case C_VPACKED:	return cls_packed(d, in);
	case C_MMXPACKED: return cls_mmxpacked(d, in);
	case C_PSHUF:	return cls_pshuf(d, in);
	case C_VMOVD_LD: return cls_vmovd_ld(d, in);
	case C_VMOVD_ST: return cls_vmovd_st(d, in);
	case C_VMOVDQ_LD:
	case C_VMOVDQ_ST: return cls_vmovdq(d, in);
	case C_VMOVQ_ST: return cls_vmovq_st(d, in);
	case C_VMOVNTDQ: return cls_vmovntdq(d, in);
	case C_CVT_E6:	return cls_cvt_e6(d, in);
	case C_PINSRW:	return cls_pinsrw(d, in);
	case C_MOVNTDQA: return cls_movntdqa(d, in);
	case C_PMOVX:	return cls_pmovx(d, in);
	case C_VBCAST:	return cls_vbcast(d, in);
	case C_FMA:	return cls_fma(d, in);
	case C_ROUNDS:	return cls_rounds(d, in);
	case C_PEXTR:	return cls_pextr(d, in);
	case C_PINSR:	return cls_pinsr(d, in);
	case C_VINS128:	return cls_vins128(d, in);
	case C_VEXT128:	return cls_vext128(d, in);
	case C_VCVTPS2PH: return cls_vcvtps2ph(d, in);
	default:	return -1;
	}
}

/* Is this opcode valid with the prefix kind it came with? */
static int encoding_ok(const struct mmio_dec *d)
{
	if (d->vex == 4)
		return (d->ent & T_EVEX) && !d->bcst;
	if (d->vex)
		return !!(d->ent & T_VEX);
	return !!(d->ent & T_LEG);
}

/* LOCK is only valid on read-modify-write memory forms. */
static int lock_ok(const struct mmio_dec *d, const struct mmio_insn *in)
{
	if (!d->lock)
		return 1;
	if (!(in->flags & MMIO_INSN_RMW))	/* not MOVS, MOVDIR64B... */
		return 0;
	return in->mnem != M_SHL && in->mnem != M_SHR && in->mnem != M_SAR &&
	       in->mnem != M_SAL && in->mnem != M_ROL && in->mnem != M_ROR &&
	       in->mnem != M_RCL && in->mnem != M_RCR &&
	       in->mnem != M_SHLD && in->mnem != M_SHRD;
}

static void fill_common(const struct mmio_dec *d, struct mmio_insn *in)
{
	in->length = d->pos;
	in->opcode_map = d->map;
	in->opcode = d->opcode;
	in->modrm_reg = d->reg;
	in->opmask = d->aaa;
	if (d->lock)
		in->flags |= MMIO_INSN_LOCK;
	if (d->vex == 4) {
		in->flags |= MMIO_INSN_EVEX;
		if (d->aaa)
			in->flags |= MMIO_INSN_MASKED;
	} else if (d->vex) {
		in->flags |= MMIO_INSN_VEX;
	}
	if (d->p67)
		in->xflags |= MMIO_XF_ADDR32;
	if (d->seg == 0x64 || d->seg == 0x65)
		in->xflags |= MMIO_XF_FSGS;
}

int mmio_decode(const u8 *code, unsigned int avail, struct mmio_insn *insn)
{
	struct mmio_dec d = {
		.code = code, .avail = avail, .ea_base = MMIO_EA_NONE,
		.ea_index = MMIO_EA_NONE, .ea_scale = 1,
	};
	struct mmio_insn in = { 0 };
	u16 ent;
	int cls, ret;

	if (dec_opcode(&d))
		return -1;
	ent = maps[d.map][d.opcode];
	d.ent = ent;
	cls = T_CLS(ent);
	if (cls == C_NONE || !encoding_ok(&d))
		return -1;
	if (cls != C_STR && cls != C_MOFFS) {
		in.modrm_mem = 1;
		if (dec_modrm(&d))
			return -1;
	}
	if (dec_imm(&d))
		return -1;
	/* 0f3a always carries an imm8 */
	if (d.map == 3 && T_IMM(ent) == I_NONE)
		return -1;
	ret = dec_gp_class(&d, &in);
	if (ret > 0)
		ret = dec_vec_class(&d, &in);
	if (ret)
		return -1;
	if (!lock_ok(&d, &in))
		return -1;
	fill_common(&d, &in);
	in.ea_base = d.ea_base;
	in.ea_index = d.ea_index;
	in.ea_scale = d.ea_scale;
	in.ea_disp = d.ea_disp;
	/*
	 * EVEX disp8*N: without broadcast N is the size of the memory
	 * operand for every tuple type decoded here (full and half vector,
	 * scalar and tuple1/2/4/8 loads and stores).
	 */
	if (d.vex == 4 && d.disp8)
		in.ea_disp *= in.width;
	*insn = in;
	return 0;
}
