// SPDX-License-Identifier: GPL-2.0
/*
 * test_decode - unit tests for runtime/mmio_decode.c.
 *
 * Each case is a hand-assembled byte sequence, the instruction it encodes
 * (Intel syntax as capstone prints it) and the expected decode, written
 * from the instruction set reference.  Built with -DWITH_CAPSTONE the test
 * also checks that capstone reads the bytes as that very instruction, so a
 * typo in the bytes cannot silently test something else.
 *
 * Every accepted case is also decoded with one byte fewer available (must
 * fail: the decoder never reads past what it is given).
 *
 * Output: one line per failure, then "test_decode: N passed, M failed";
 * exit status 1 when anything failed.
 */
#include <stdio.h>
#include <string.h>

#include "../../runtime/mmio_decode.h"

#ifdef WITH_CAPSTONE
#include <capstone/capstone.h>
#endif

enum { NO = 0, RD = MMIO_ACC_READ, WR = MMIO_ACC_WRITE, RW = RD | WR };

#define GPR	MMIO_OPND_GPR
#define GPRH	MMIO_OPND_GPR8H
#define VEC	MMIO_OPND_VEC
#define IMM	MMIO_OPND_IMM
#define SI	MMIO_OPND_MEM_SI
#define DI	MMIO_OPND_MEM_DI
#define PORT	MMIO_OPND_PORT
#define CMP	MMIO_OPND_COMPUTED
#define CAX	MMIO_OPND_CMPXCHG_AX
#define MMODRM	MMIO_OPND_MEM_MODRM
#define MREG	MMIO_OPND_MEM_REG

#define ZX	MMIO_EXT_ZERO
#define SX	MMIO_EXT_SIGN

#define F_REP	MMIO_INSN_REP
#define F_LOCK	MMIO_INSN_LOCK
#define F_RMW	MMIO_INSN_RMW
#define F_VEX	MMIO_INSN_VEX
#define F_EVEX	MMIO_INSN_EVEX
#define F_MASK	MMIO_INSN_MASKED
#define F_NT	MMIO_INSN_NONTEMPORAL

struct tcase {
	const char *text;	/* capstone's Intel syntax */
	const char *why;	/* where the kernel uses it, or "" */
	unsigned char b[16];
	unsigned int n;
	int ok;			/* 0: must decode, -1: must be refused */
	unsigned char access, width;
	unsigned char sk, sr;	/* src kind, reg */
	unsigned char dk, dr, dw, de;	/* dst kind, reg, width, ext */
	unsigned char str, flags, xflags;
	unsigned long long imm;
	unsigned char vec_offset;
	unsigned char opmask;
	/* the memory operand's address, checked when has_ea */
	unsigned char has_ea, eb, ei, es;
	long long ed;
};

#define BYTES(...)	.b = { __VA_ARGS__ }, \
			.n = sizeof((unsigned char[]){ __VA_ARGS__ })
#define SRC(k, r)	.sk = (k), .sr = (r)
#define DST(k, r, w, e)	.dk = (k), .dr = (r), .dw = (w), .de = (e)
#define SIMM(v)		.sk = IMM, .imm = (v)
#define EA(b_, i_, s_, d_)	.has_ea = 1, .eb = (b_), .ei = (i_), \
			.es = (s_), .ed = (d_)
#define NOREG		MMIO_EA_NONE
#define RIP		MMIO_EA_RIP

/* A case that must decode. */
#define T(txt, w_, bytes, acc, wid, ...) \
	{ .text = txt, .why = w_, bytes, .access = acc, .width = wid, \
	  __VA_ARGS__ }
/* A case that must be refused. */
#define REFUSE(txt, w_, bytes) \
	{ .text = txt, .why = w_, bytes, .ok = -1 }

static const struct tcase cases[] = {
	/* ---- the kernel's MMIO accessors (arch/x86/include/asm/io.h) ---- */
	T("mov al, byte ptr [rdi]", "readb", BYTES(0x8a, 0x07), RD, 1,
	  DST(GPR, 0, 1, 0)),
	T("mov ax, word ptr [rdi]", "readw", BYTES(0x66, 0x8b, 0x07), RD, 2,
	  DST(GPR, 0, 2, 0)),
	T("mov eax, dword ptr [rdi]", "readl", BYTES(0x8b, 0x07), RD, 4,
	  DST(GPR, 0, 4, ZX)),
	T("mov rax, qword ptr [rdi]", "readq", BYTES(0x48, 0x8b, 0x07), RD, 8,
	  DST(GPR, 0, 8, 0)),
	T("mov eax, dword ptr [rax + 4]", "readl(base + 4)",
	  BYTES(0x8b, 0x40, 0x04), RD, 4, DST(GPR, 0, 4, ZX)),
	T("mov r13d, dword ptr [r12 + 0x10]", "readl, REX.R/B + SIB",
	  BYTES(0x45, 0x8b, 0x6c, 0x24, 0x10), RD, 4, DST(GPR, 13, 4, ZX)),
	T("mov ecx, dword ptr [rbx + rdx*4 + 0x1000]", "readl, SIB disp32",
	  BYTES(0x8b, 0x8c, 0x93, 0x00, 0x10, 0x00, 0x00), RD, 4,
	  DST(GPR, 1, 4, ZX)),
	T("mov dh, byte ptr [rsi]", "readb into a high byte register",
	  BYTES(0x8a, 0x36), RD, 1, DST(GPRH, 6, 1, 0)),
	T("mov sil, byte ptr [rdx]", "readb with REX: sil, not dh",
	  BYTES(0x40, 0x8a, 0x32), RD, 1, DST(GPR, 6, 1, 0)),
	T("mov r9b, byte ptr [rdi]", "readb into r9b",
	  BYTES(0x44, 0x8a, 0x0f), RD, 1, DST(GPR, 9, 1, 0)),
	T("movzx eax, byte ptr [rdi]", "readb as movzbl",
	  BYTES(0x0f, 0xb6, 0x07), RD, 1, DST(GPR, 0, 4, ZX)),
	T("movzx eax, word ptr [rdi]", "readw as movzwl",
	  BYTES(0x0f, 0xb7, 0x07), RD, 2, DST(GPR, 0, 4, ZX)),
	T("movzx r8d, word ptr [rdi + 2]", "readw as movzwl, REX.R",
	  BYTES(0x44, 0x0f, 0xb7, 0x47, 0x02), RD, 2, DST(GPR, 8, 4, ZX)),
	T("movzx rax, byte ptr [rdi]", "movzbq",
	  BYTES(0x48, 0x0f, 0xb6, 0x07), RD, 1, DST(GPR, 0, 8, ZX)),
	T("movzx ax, byte ptr [rdi]", "movzbw",
	  BYTES(0x66, 0x0f, 0xb6, 0x07), RD, 1, DST(GPR, 0, 2, ZX)),
	T("mov byte ptr [rdi], sil", "writeb",
	  BYTES(0x40, 0x88, 0x37), WR, 1, SRC(GPR, 6)),
	T("mov byte ptr [rdi], ah", "writeb from a high byte register",
	  BYTES(0x88, 0x27), WR, 1, SRC(GPRH, 4)),
	T("mov byte ptr [rdx], al", "writeb",
	  BYTES(0x88, 0x02), WR, 1, SRC(GPR, 0)),
	T("mov word ptr [rdi], si", "writew",
	  BYTES(0x66, 0x89, 0x37), WR, 2, SRC(GPR, 6)),
	T("mov dword ptr [rdi], esi", "writel",
	  BYTES(0x89, 0x37), WR, 4, SRC(GPR, 6)),
	T("mov qword ptr [rdi], rsi", "writeq",
	  BYTES(0x48, 0x89, 0x37), WR, 8, SRC(GPR, 6)),
	T("mov dword ptr [r15 + 0x80], r14d", "writel, REX.R/B, disp32",
	  BYTES(0x45, 0x89, 0xb7, 0x80, 0x00, 0x00, 0x00), WR, 4,
	  SRC(GPR, 14)),
	T("mov byte ptr [rdi], 0xff", "writeb($imm)",
	  BYTES(0xc6, 0x07, 0xff), WR, 1, SIMM(0xff)),
	T("mov word ptr [rdi + 4], 0x1234", "writew($imm)",
	  BYTES(0x66, 0xc7, 0x47, 0x04, 0x34, 0x12), WR, 2, SIMM(0x1234)),
	T("mov dword ptr [rdi + 4], 0x12345678", "writel($imm)",
	  BYTES(0xc7, 0x47, 0x04, 0x78, 0x56, 0x34, 0x12), WR, 4,
	  SIMM(0x12345678)),
	T("mov dword ptr [rdi], 0x80000000", "writel($imm), top bit",
	  BYTES(0xc7, 0x07, 0x00, 0x00, 0x00, 0x80), WR, 4,
	  SIMM(0x80000000)),
	T("mov qword ptr [rdi], -1", "writeq($imm): imm32 sign-extended",
	  BYTES(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff), WR, 8,
	  SIMM(0xffffffffffffffffULL)),
	T("mov qword ptr [rdi], 0x7fffffff", "writeq($imm)",
	  BYTES(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), WR, 8,
	  SIMM(0x7fffffff)),
	T("mov dword ptr [rip + 0x100], 1", "RIP-relative + imm",
	  BYTES(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00),
	  WR, 4, SIMM(1)),
	T("mov dword ptr fs:[rax], 1", "segment override",
	  BYTES(0x64, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00), WR, 4, SIMM(1),
	  .xflags = MMIO_XF_FSGS),
	T("mov eax, dword ptr [edi]", "67 address-size prefix",
	  BYTES(0x67, 0x8b, 0x07), RD, 4, DST(GPR, 0, 4, ZX),
	  .xflags = MMIO_XF_ADDR32),
	T("movabs eax, dword ptr [0x1122334455667788]", "moffs load",
	  BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  RD, 4, DST(GPR, 0, 4, ZX)),
	T("movabs byte ptr [0x1122334455667788], al", "moffs store",
	  BYTES(0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  WR, 1, SRC(GPR, 0)),
	T("movabs qword ptr [0x1122334455667788], rax", "moffs store 64",
	  BYTES(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  WR, 8, SRC(GPR, 0)),
	T("movabs al, byte ptr [0x1122334455667788]", "moffs load 8",
	  BYTES(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  RD, 1, DST(GPR, 0, 1, 0)),
	/* memcpy_toio/memcpy_fromio, memset_io (rep movs/stos) */
	T("rep movsb byte ptr [rdi], byte ptr [rsi]", "memcpy_toio",
	  BYTES(0xf3, 0xa4), RW, 1, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS, .flags = F_REP),
	T("rep movsd dword ptr [rdi], dword ptr [rsi]", "memcpy_toio",
	  BYTES(0xf3, 0xa5), RW, 4, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS, .flags = F_REP),
	T("rep movsq qword ptr [rdi], qword ptr [rsi]", "memcpy_toio",
	  BYTES(0xf3, 0x48, 0xa5), RW, 8, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS, .flags = F_REP),
	T("movsb byte ptr [rdi], byte ptr [rsi]", "memcpy_toio tail",
	  BYTES(0xa4), RW, 1, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS),
	T("movsw word ptr [rdi], word ptr [rsi]", "memcpy_toio tail",
	  BYTES(0x66, 0xa5), RW, 2, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS),
	T("", "rep movsw as gas encodes it (capstone 4: movsd)",
	  BYTES(0x66, 0xf3, 0xa5), RW, 2, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS, .flags = F_REP),
	T("rep movsw word ptr [rdi], word ptr [rsi]", "rep movsw, f3 first",
	  BYTES(0xf3, 0x66, 0xa5), RW, 2, SRC(SI, 0), DST(DI, 0, 0, 0),
	  .str = MMIO_STR_MOVS, .flags = F_REP),
	T("rep stosb byte ptr [rdi], al", "memset_io",
	  BYTES(0xf3, 0xaa), WR, 1, SRC(GPR, 0), .str = MMIO_STR_STOS,
	  .flags = F_REP),
	T("rep stosq qword ptr [rdi], rax", "memset_io",
	  BYTES(0xf3, 0x48, 0xab), WR, 8, SRC(GPR, 0), .str = MMIO_STR_STOS,
	  .flags = F_REP),
	T("rep stosd dword ptr [rdi], eax", "memset_io",
	  BYTES(0xf3, 0xab), WR, 4, SRC(GPR, 0), .str = MMIO_STR_STOS,
	  .flags = F_REP),
	/* memcpy_orig / memset_orig byte and word moves */
	T("mov r8, qword ptr [rsi]", "memcpy: movq (%rsi),%r8",
	  BYTES(0x4c, 0x8b, 0x06), RD, 8, DST(GPR, 8, 8, 0)),
	T("mov qword ptr [rdi], r8", "memcpy: movq %r8,(%rdi)",
	  BYTES(0x4c, 0x89, 0x07), WR, 8, SRC(GPR, 8)),
	T("mov r11, qword ptr [rsi + rdx - 8]", "memcpy tail",
	  BYTES(0x4c, 0x8b, 0x5c, 0x16, 0xf8), RD, 8, DST(GPR, 11, 8, 0)),
	T("mov word ptr [rdi], cx", "memcpy: movw %cx,(%rdi)",
	  BYTES(0x66, 0x89, 0x0f), WR, 2, SRC(GPR, 1)),
	T("mov byte ptr [rdi], cl", "memcpy: movb %cl,(%rdi)",
	  BYTES(0x88, 0x0f), WR, 1, SRC(GPR, 1)),
	T("movzx ecx, byte ptr [rsi]", "memcpy: movzbl (%rsi),%ecx",
	  BYTES(0x0f, 0xb6, 0x0e), RD, 1, DST(GPR, 1, 4, ZX)),
	/* ioread32_rep / iowrite32_rep: loops of movl */
	T("mov eax, dword ptr [rsi]", "ioread32_rep loop",
	  BYTES(0x8b, 0x06), RD, 4, DST(GPR, 0, 4, ZX)),
	T("mov dword ptr [rdx], eax", "iowrite32_rep loop",
	  BYTES(0x89, 0x02), WR, 4, SRC(GPR, 0)),
	/* movnti */
	T("movnti dword ptr [rdi], eax", "movnti",
	  BYTES(0x0f, 0xc3, 0x07), WR, 4, SRC(GPR, 0), .flags = F_NT),
	T("movnti qword ptr [rdi], r10", "movnti 64",
	  BYTES(0x4c, 0x0f, 0xc3, 0x17), WR, 8, SRC(GPR, 10), .flags = F_NT),

	/*
	 * iosubmit_cmds512() (64-byte portal writes) and direct stores.
	 * capstone 4.0.2 does not know these: the text is objdump's (binutils
	 * 2.40), checked when the cases were written.
	 */
	T("", "movdir64b (%rdx),%rax",
	  BYTES(0x66, 0x0f, 0x38, 0xf8, 0x02), RW, 64, SRC(MMODRM, 0),
	  DST(MREG, 0, 0, 0), .flags = F_NT),
	T("", "movdir64b (%rdx),%r8",
	  BYTES(0x66, 0x44, 0x0f, 0x38, 0xf8, 0x02), RW, 64, SRC(MMODRM, 0),
	  DST(MREG, 8, 0, 0), .flags = F_NT),
	T("", "enqcmds (%rdx),%rax",
	  BYTES(0xf3, 0x0f, 0x38, 0xf8, 0x02), RW, 64, SRC(MMODRM, 0),
	  DST(MREG, 0, 0, 0), .flags = F_NT),
	T("", "enqcmd (%rcx),%rsi",
	  BYTES(0xf2, 0x0f, 0x38, 0xf8, 0x31), RW, 64, SRC(MMODRM, 0),
	  DST(MREG, 6, 0, 0), .flags = F_NT),
	T("", "movdiri %eax,(%rdi)", BYTES(0x0f, 0x38, 0xf9, 0x07), WR, 4,
	  SRC(GPR, 0), .flags = F_NT),
	T("", "movdiri %rax,(%rdi)", BYTES(0x48, 0x0f, 0x38, 0xf9, 0x07), WR,
	  8, SRC(GPR, 0), .flags = F_NT),

	/* ---- other moves ---- */
	T("movsx eax, byte ptr [rdi]", "", BYTES(0x0f, 0xbe, 0x07), RD, 1,
	  DST(GPR, 0, 4, SX)),
	T("movsx rdx, word ptr [rdi]", "", BYTES(0x48, 0x0f, 0xbf, 0x17),
	  RD, 2, DST(GPR, 2, 8, SX)),
	T("movsxd rax, dword ptr [rdi]", "", BYTES(0x48, 0x63, 0x07), RD, 4,
	  DST(GPR, 0, 8, SX)),
	T("movbe eax, dword ptr [rdi]", "", BYTES(0x0f, 0x38, 0xf0, 0x07),
	  RD, 4, DST(GPR, 0, 4, ZX), .xflags = MMIO_XF_BSWAP),
	T("movbe qword ptr [rdi], rcx", "",
	  BYTES(0x48, 0x0f, 0x38, 0xf1, 0x0f), WR, 8, SRC(GPR, 1),
	  .xflags = MMIO_XF_BSWAP),
	T("movbe word ptr [rdi], cx", "",
	  BYTES(0x66, 0x0f, 0x38, 0xf1, 0x0f), WR, 2, SRC(GPR, 1),
	  .xflags = MMIO_XF_BSWAP),
	T("xchg dword ptr [rdi], eax", "", BYTES(0x87, 0x07), RW, 4,
	  SRC(GPR, 0), DST(GPR, 0, 4, ZX), .flags = F_RMW),
	T("xchg byte ptr [rdi], bh", "", BYTES(0x86, 0x3f), RW, 1,
	  SRC(GPRH, 7), DST(GPRH, 7, 1, 0), .flags = F_RMW),
	T("lock cmpxchg dword ptr [rdi], ecx", "",
	  BYTES(0xf0, 0x0f, 0xb1, 0x0f), RW, 4, SRC(GPR, 1),
	  DST(CAX, 0, 4, ZX), .flags = F_RMW | F_LOCK),
	T("cmpxchg byte ptr [rdi], dl", "", BYTES(0x0f, 0xb0, 0x17), RW, 1,
	  SRC(GPR, 2), DST(CAX, 0, 1, 0), .flags = F_RMW),
	T("lock cmpxchg qword ptr [rdi], r8", "",
	  BYTES(0xf0, 0x4c, 0x0f, 0xb1, 0x07), RW, 8, SRC(GPR, 8),
	  DST(CAX, 0, 8, 0), .flags = F_RMW | F_LOCK),
	T("lock xadd dword ptr [rdi], eax", "",
	  BYTES(0xf0, 0x0f, 0xc1, 0x07), RW, 4, SRC(CMP, 0),
	  DST(GPR, 0, 4, ZX), .flags = F_RMW | F_LOCK),
	T("xadd byte ptr [rdi], cl", "", BYTES(0x0f, 0xc0, 0x0f), RW, 1,
	  SRC(CMP, 0), DST(GPR, 1, 1, 0), .flags = F_RMW),

	/* ---- string ops ---- */
	T("lodsb al, byte ptr [rsi]", "", BYTES(0xac), RD, 1,
	  DST(GPR, 0, 1, 0), .str = MMIO_STR_LODS),
	T("lodsd eax, dword ptr [rsi]", "", BYTES(0xad), RD, 4,
	  DST(GPR, 0, 4, ZX), .str = MMIO_STR_LODS),
	T("rep lodsq rax, qword ptr [rsi]", "", BYTES(0xf3, 0x48, 0xad), RD,
	  8, DST(GPR, 0, 8, 0), .str = MMIO_STR_LODS, .flags = F_REP),
	T("cmpsb byte ptr [rsi], byte ptr [rdi]", "", BYTES(0xa6), RD, 1,
	  DST(CMP, 0, 0, 0), .str = MMIO_STR_CMPS),
	T("repe cmpsq qword ptr [rsi], qword ptr [rdi]", "",
	  BYTES(0xf3, 0x48, 0xa7), RD, 8, DST(CMP, 0, 0, 0),
	  .str = MMIO_STR_CMPS, .flags = F_REP),
	T("repne scasb al, byte ptr [rdi]", "", BYTES(0xf2, 0xae), RD, 1,
	  DST(CMP, 0, 0, 0), .str = MMIO_STR_SCAS, .flags = F_REP,
	  .xflags = MMIO_XF_REPNE),
	T("scasw ax, word ptr [rdi]", "", BYTES(0x66, 0xaf), RD, 2,
	  DST(CMP, 0, 0, 0), .str = MMIO_STR_SCAS),
	T("rep insb byte ptr [rdi], dx", "", BYTES(0xf3, 0x6c), WR, 1,
	  SRC(PORT, 0), .str = MMIO_STR_INS, .flags = F_REP),
	T("insd dword ptr [rdi], dx", "", BYTES(0x6d), WR, 4, SRC(PORT, 0),
	  .str = MMIO_STR_INS),
	T("rep outsw dx, word ptr [rsi]", "", BYTES(0xf3, 0x66, 0x6f), RD,
	  2, DST(PORT, 0, 0, 0), .str = MMIO_STR_OUTS, .flags = F_REP),
	T("outsb dx, byte ptr [rsi]", "", BYTES(0x6e), RD, 1,
	  DST(PORT, 0, 0, 0), .str = MMIO_STR_OUTS),
	T("stosw word ptr [rdi], ax", "", BYTES(0x66, 0xab), WR, 2,
	  SRC(GPR, 0), .str = MMIO_STR_STOS),

	/* ---- read-modify-write ALU ---- */
	T("add dword ptr [rdi], eax", "", BYTES(0x01, 0x07), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("lock or byte ptr [rdi], cl", "", BYTES(0xf0, 0x08, 0x0f), RW, 1,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK),
	T("adc qword ptr [rdi], rdx", "", BYTES(0x48, 0x11, 0x17), RW, 8,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("sbb word ptr [rdi], ax", "", BYTES(0x66, 0x19, 0x07), RW, 2,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("and dword ptr [rdi], esi", "", BYTES(0x21, 0x37), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("sub byte ptr [rdi], al", "", BYTES(0x28, 0x07), RW, 1,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("xor dword ptr [rdi], eax", "", BYTES(0x31, 0x07), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("or dword ptr [rdi], 0x100", "", BYTES(0x81, 0x0f, 0x00, 0x01,
	  0x00, 0x00), RW, 4, SRC(CMP, 0), DST(CMP, 0, 0, 0),
	  .flags = F_RMW),
	T("and dword ptr [rdi], 0xfffffffe", "", BYTES(0x83, 0x27, 0xfe), RW,
	  4, SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("lock add qword ptr [rdi], 1", "",
	  BYTES(0xf0, 0x48, 0x83, 0x07, 0x01), RW, 8, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK),
	T("or byte ptr [rdi + 1], 0x80", "", BYTES(0x80, 0x4f, 0x01, 0x80),
	  RW, 1, SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("and word ptr [rdi], 0x7fff", "",
	  BYTES(0x66, 0x81, 0x27, 0xff, 0x7f), RW, 2, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("not dword ptr [rdi]", "", BYTES(0xf7, 0x17), RW, 4, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("neg byte ptr [rdi]", "", BYTES(0xf6, 0x1f), RW, 1, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("inc dword ptr [rdi]", "", BYTES(0xff, 0x07), RW, 4, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("lock dec qword ptr [rdi]", "", BYTES(0xf0, 0x48, 0xff, 0x0f), RW,
	  8, SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK),
	T("inc byte ptr [rdi]", "", BYTES(0xfe, 0x07), RW, 1, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("shl dword ptr [rdi], 1", "", BYTES(0xd1, 0x27), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("shr byte ptr [rdi], cl", "", BYTES(0xd2, 0x2f), RW, 1,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("rol word ptr [rdi], 8", "swab16 in place",
	  BYTES(0x66, 0xc1, 0x07, 0x08), RW, 2, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("sar qword ptr [rdi], 3", "", BYTES(0x48, 0xc1, 0x3f, 0x03), RW, 8,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW),
	T("lock bts dword ptr [rdi], 5", "set_bit",
	  BYTES(0xf0, 0x0f, 0xba, 0x2f, 0x05), RW, 4, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK),
	T("lock btr qword ptr [rdi], rsi", "clear_bit",
	  BYTES(0xf0, 0x48, 0x0f, 0xb3, 0x37), RW, 8, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK,
	  .xflags = MMIO_XF_BITBASE),
	T("btc dword ptr [rdi], eax", "", BYTES(0x0f, 0xbb, 0x07), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW,
	  .xflags = MMIO_XF_BITBASE),
	T("bts dword ptr [rdi], eax", "", BYTES(0x0f, 0xab, 0x07), RW, 4,
	  SRC(CMP, 0), DST(CMP, 0, 0, 0), .flags = F_RMW,
	  .xflags = MMIO_XF_BITBASE),
	T("shld dword ptr [rdi], eax, 4", "",
	  BYTES(0x0f, 0xa4, 0x07, 0x04), RW, 4, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW),

	/* ---- reads that keep no value ---- */
	T("cmp dword ptr [rdi], eax", "", BYTES(0x39, 0x07), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("cmp al, byte ptr [rdi]", "", BYTES(0x3a, 0x07), RD, 1,
	  DST(CMP, 0, 0, 0)),
	T("test dword ptr [rdi], eax", "", BYTES(0x85, 0x07), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("test byte ptr [rdi], 1", "", BYTES(0xf6, 0x07, 0x01), RD, 1,
	  DST(CMP, 0, 0, 0)),
	T("test dword ptr [rdi], 0x80000000", "",
	  BYTES(0xf7, 0x07, 0x00, 0x00, 0x00, 0x80), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("test word ptr [rdi], 0x8000", "",
	  BYTES(0x66, 0xf7, 0x07, 0x00, 0x80), RD, 2, DST(CMP, 0, 0, 0)),
	T("cmp qword ptr [rdi], 0", "", BYTES(0x48, 0x83, 0x3f, 0x00), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("cmp byte ptr [rdi], 0xff", "", BYTES(0x80, 0x3f, 0xff), RD, 1,
	  DST(CMP, 0, 0, 0)),
	T("bt dword ptr [rdi], 3", "test_bit",
	  BYTES(0x0f, 0xba, 0x27, 0x03), RD, 4, DST(CMP, 0, 0, 0)),
	T("bt qword ptr [rdi], rax", "", BYTES(0x48, 0x0f, 0xa3, 0x07), RD, 8,
	  DST(CMP, 0, 0, 0), .xflags = MMIO_XF_BITBASE),
	T("mul dword ptr [rdi]", "", BYTES(0xf7, 0x27), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("idiv qword ptr [rdi]", "", BYTES(0x48, 0xf7, 0x3f), RD, 8,
	  DST(CMP, 0, 0, 0)),

	/* ---- ALU with a memory source: the value read is computed on ---- */
	T("add eax, dword ptr [rdi]", "", BYTES(0x03, 0x07), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("or cl, byte ptr [rdi]", "", BYTES(0x0a, 0x0f), RD, 1,
	  DST(CMP, 0, 0, 0)),
	T("and rax, qword ptr [rdi]", "", BYTES(0x48, 0x23, 0x07), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("xor dx, word ptr [rdi]", "", BYTES(0x66, 0x33, 0x17), RD, 2,
	  DST(CMP, 0, 0, 0)),
	T("imul eax, dword ptr [rdi], 0xc", "",
	  BYTES(0x6b, 0x07, 0x0c), RD, 4, DST(CMP, 0, 0, 0)),
	T("imul rax, qword ptr [rdi]", "", BYTES(0x48, 0x0f, 0xaf, 0x07), RD,
	  8, DST(CMP, 0, 0, 0)),
	T("cmove eax, dword ptr [rdi]", "", BYTES(0x0f, 0x44, 0x07), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("popcnt eax, dword ptr [rdi]", "", BYTES(0xf3, 0x0f, 0xb8, 0x07),
	  RD, 4, DST(CMP, 0, 0, 0)),
	T("bsf eax, dword ptr [rdi]", "", BYTES(0x0f, 0xbc, 0x07), RD, 4,
	  DST(CMP, 0, 0, 0)),
	T("sete byte ptr [rdi]", "", BYTES(0x0f, 0x94, 0x07), WR, 1,
	  SRC(CMP, 0)),
	T("push qword ptr [rdi]", "", BYTES(0xff, 0x37), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("pop qword ptr [rdi]", "", BYTES(0x8f, 0x07), WR, 8, SRC(CMP, 0)),
	T("lock cmpxchg16b xmmword ptr [rdi]", "",
	  BYTES(0xf0, 0x48, 0x0f, 0xc7, 0x0f), RW, 16, SRC(CMP, 0),
	  DST(CMP, 0, 0, 0), .flags = F_RMW | F_LOCK),
	T("crc32 eax, byte ptr [rdi]", "",
	  BYTES(0xf2, 0x0f, 0x38, 0xf0, 0x07), RD, 1, DST(CMP, 0, 0, 0)),
	T("verw word ptr [rip]", "mds clear",
	  BYTES(0x0f, 0x00, 0x2d, 0x00, 0x00, 0x00, 0x00), RD, 2,
	  DST(CMP, 0, 0, 0)),

	/* ---- SSE / AVX / AVX-512 moves ---- */
	T("movd xmm0, dword ptr [rdi]", "", BYTES(0x66, 0x0f, 0x6e, 0x07),
	  RD, 4, DST(VEC, 0, 4, ZX)),
	T("movq xmm1, qword ptr [rdi]", "66 REX.W 0f 6e",
	  BYTES(0x66, 0x48, 0x0f, 0x6e, 0x0f), RD, 8, DST(VEC, 1, 8, ZX)),
	T("movd dword ptr [rdi], xmm2", "", BYTES(0x66, 0x0f, 0x7e, 0x17),
	  WR, 4, SRC(VEC, 2)),
	T("movq qword ptr [rdi], xmm9", "66 REX.WR 0f 7e",
	  BYTES(0x66, 0x4c, 0x0f, 0x7e, 0x0f), WR, 8, SRC(VEC, 9)),
	T("movq xmm3, qword ptr [rdi]", "f3 0f 7e",
	  BYTES(0xf3, 0x0f, 0x7e, 0x1f), RD, 8, DST(VEC, 3, 8, ZX)),
	T("movq qword ptr [rdi], xmm4", "66 0f d6",
	  BYTES(0x66, 0x0f, 0xd6, 0x27), WR, 8, SRC(VEC, 4)),
	T("movdqa xmm0, xmmword ptr [rdi]", "", BYTES(0x66, 0x0f, 0x6f, 0x07),
	  RD, 16, DST(VEC, 0, 16, 0)),
	T("movdqu xmmword ptr [rdi], xmm15", "",
	  BYTES(0xf3, 0x44, 0x0f, 0x7f, 0x3f), WR, 16, SRC(VEC, 15)),
	T("movups xmm1, xmmword ptr [rdi]", "", BYTES(0x0f, 0x10, 0x0f), RD,
	  16, DST(VEC, 1, 16, 0)),
	T("movups xmmword ptr [rdi], xmm1", "", BYTES(0x0f, 0x11, 0x0f), WR,
	  16, SRC(VEC, 1)),
	T("movaps xmmword ptr [rdi], xmm0", "", BYTES(0x0f, 0x29, 0x07), WR,
	  16, SRC(VEC, 0)),
	T("movapd xmm2, xmmword ptr [rdi]", "", BYTES(0x66, 0x0f, 0x28, 0x17),
	  RD, 16, DST(VEC, 2, 16, 0)),
	T("movupd xmmword ptr [rdi], xmm2", "",
	  BYTES(0x66, 0x0f, 0x11, 0x17), WR, 16, SRC(VEC, 2)),
	T("movss xmm0, dword ptr [rdi]", "", BYTES(0xf3, 0x0f, 0x10, 0x07),
	  RD, 4, DST(VEC, 0, 4, ZX)),
	T("movsd qword ptr [rdi], xmm1", "", BYTES(0xf2, 0x0f, 0x11, 0x0f),
	  WR, 8, SRC(VEC, 1)),
	T("movntdq xmmword ptr [rdi], xmm0", "",
	  BYTES(0x66, 0x0f, 0xe7, 0x07), WR, 16, SRC(VEC, 0), .flags = F_NT),
	T("movntps xmmword ptr [rdi], xmm3", "", BYTES(0x0f, 0x2b, 0x1f), WR,
	  16, SRC(VEC, 3), .flags = F_NT),
	T("movntdqa xmm0, xmmword ptr [rdi]", "",
	  BYTES(0x66, 0x0f, 0x38, 0x2a, 0x07), RD, 16, DST(VEC, 0, 16, 0),
	  .flags = F_NT),
	T("movhps qword ptr [rdi], xmm0", "high half",
	  BYTES(0x0f, 0x17, 0x07), WR, 8, SRC(VEC, 0), .vec_offset = 8,
	  .xflags = MMIO_XF_VECLANE),
	T("movlps xmm1, qword ptr [rdi]", "", BYTES(0x0f, 0x12, 0x0f), RD, 8,
	  DST(VEC, 1, 8, 0)),
	T("pextrd dword ptr [rdi], xmm0, 2", "lane 2",
	  BYTES(0x66, 0x0f, 0x3a, 0x16, 0x07, 0x02), WR, 4, SRC(VEC, 0),
	  .vec_offset = 8, .xflags = MMIO_XF_VECLANE),
	T("vmovdqu ymm0, ymmword ptr [rdi]", "",
	  BYTES(0xc5, 0xfe, 0x6f, 0x07), RD, 32, DST(VEC, 0, 32, ZX),
	  .flags = F_VEX),
	T("vmovdqa xmmword ptr [rdi], xmm1", "",
	  BYTES(0xc5, 0xf9, 0x7f, 0x0f), WR, 16, SRC(VEC, 1), .flags = F_VEX),
	T("vmovups ymmword ptr [rdi], ymm12", "C4 form, VEX.R",
	  BYTES(0xc4, 0x61, 0x7c, 0x11, 0x27), WR, 32, SRC(VEC, 12),
	  .flags = F_VEX),
	T("vmovd xmm0, dword ptr [rdi]", "", BYTES(0xc5, 0xf9, 0x6e, 0x07),
	  RD, 4, DST(VEC, 0, 4, ZX), .flags = F_VEX),
	T("vmovq qword ptr [rdi], xmm0", "VEX.W1 7e",
	  BYTES(0xc4, 0xe1, 0xf9, 0x7e, 0x07), WR, 8, SRC(VEC, 0),
	  .flags = F_VEX),
	T("vmovntdq ymmword ptr [rdi], ymm0", "",
	  BYTES(0xc5, 0xfd, 0xe7, 0x07), WR, 32, SRC(VEC, 0),
	  .flags = F_VEX | F_NT),
	T("vmovntdqa ymm1, ymmword ptr [rdi]", "",
	  BYTES(0xc4, 0xe2, 0x7d, 0x2a, 0x0f), RD, 32, DST(VEC, 1, 32, ZX),
	  .flags = F_VEX | F_NT),
	T("vmovss dword ptr [rdi], xmm0", "",
	  BYTES(0xc5, 0xfa, 0x11, 0x07), WR, 4, SRC(VEC, 0), .flags = F_VEX),
	T("vmovdqu8 zmm0, zmmword ptr [rdi]", "",
	  BYTES(0x62, 0xf1, 0x7f, 0x48, 0x6f, 0x07), RD, 64,
	  DST(VEC, 0, 64, ZX), .flags = F_EVEX),
	T("vmovdqu16 ymmword ptr [rdi] {k1}, ymm0", "masked store",
	  BYTES(0x62, 0xf1, 0xff, 0x29, 0x7f, 0x07), WR, 32, SRC(VEC, 0),
	  .flags = F_EVEX | F_MASK, .opmask = 1),
	T("vmovdqu32 xmm17, xmmword ptr [rdi + 0x10]", "disp8*N, EVEX.R'",
	  BYTES(0x62, 0xe1, 0x7e, 0x08, 0x6f, 0x4f, 0x01), RD, 16,
	  DST(VEC, 17, 16, ZX), .flags = F_EVEX),
	T("vmovdqu64 zmmword ptr [rdi] {k2}, zmm1", "",
	  BYTES(0x62, 0xf1, 0xfe, 0x4a, 0x7f, 0x0f), WR, 64, SRC(VEC, 1),
	  .flags = F_EVEX | F_MASK, .opmask = 2),
	T("vmovdqa64 zmm2, zmmword ptr [rdi]", "",
	  BYTES(0x62, 0xf1, 0xfd, 0x48, 0x6f, 0x17), RD, 64,
	  DST(VEC, 2, 64, ZX), .flags = F_EVEX),
	T("vmovups zmmword ptr [rdi], zmm0", "",
	  BYTES(0x62, 0xf1, 0x7c, 0x48, 0x11, 0x07), WR, 64, SRC(VEC, 0),
	  .flags = F_EVEX),
	T("vmovntdq zmmword ptr [rdi], zmm3", "",
	  BYTES(0x62, 0xf1, 0x7d, 0x48, 0xe7, 0x1f), WR, 64, SRC(VEC, 3),
	  .flags = F_EVEX | F_NT),
	T("vmovntdqa zmm0, zmmword ptr [rsi]", "",
	  BYTES(0x62, 0xf2, 0x7d, 0x48, 0x2a, 0x06), RD, 64,
	  DST(VEC, 0, 64, ZX), .flags = F_EVEX | F_NT),

	/* ---- SSE arithmetic with a memory source ---- */
	T("addsd xmm0, qword ptr [rdi]", "", BYTES(0xf2, 0x0f, 0x58, 0x07),
	  RD, 8, DST(CMP, 0, 0, 0)),
	T("mulss xmm0, dword ptr [rdi]", "", BYTES(0xf3, 0x0f, 0x59, 0x07),
	  RD, 4, DST(CMP, 0, 0, 0)),
	T("pxor xmm0, xmmword ptr [rdi]", "", BYTES(0x66, 0x0f, 0xef, 0x07),
	  RD, 16, DST(CMP, 0, 0, 0)),
	T("cvtsi2sd xmm0, qword ptr [rdi]", "",
	  BYTES(0xf2, 0x48, 0x0f, 0x2a, 0x07), RD, 8, DST(CMP, 0, 0, 0)),
	T("ucomisd xmm0, qword ptr [rdi]", "",
	  BYTES(0x66, 0x0f, 0x2e, 0x07), RD, 8, DST(CMP, 0, 0, 0)),
	T("vpsrlq ymm0, ymm1, xmmword ptr [rdi]", "shift count is m128",
	  BYTES(0xc5, 0xf5, 0xd3, 0x07), RD, 16, DST(CMP, 0, 0, 0),
	  .flags = F_VEX),
	T("imul rax, qword ptr [rdi], 0x12345678", "66 + REX.W: imm32",
	  BYTES(0x66, 0x48, 0x69, 0x07, 0x78, 0x56, 0x34, 0x12), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("mov qword ptr [rdi], 0x12345678", "66 + REX.W: imm32",
	  BYTES(0x66, 0x48, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), WR, 8,
	  SIMM(0x12345678)),
	T("vpaddd ymm0, ymm1, ymmword ptr [rdi]", "",
	  BYTES(0xc5, 0xf5, 0xfe, 0x07), RD, 32, DST(CMP, 0, 0, 0),
	  .flags = F_VEX),

	/* ---- lanes, broadcasts, conversions ---- */
	T("pinsrd xmm1, dword ptr [rdi], 3", "lane 3",
	  BYTES(0x66, 0x0f, 0x3a, 0x22, 0x0f, 0x03), RD, 4,
	  DST(VEC, 1, 4, 0), .vec_offset = 12, .xflags = MMIO_XF_VECLANE),
	T("pinsrw xmm0, word ptr [rdi], 5", "lane 5",
	  BYTES(0x66, 0x0f, 0xc4, 0x07, 0x05), RD, 2, DST(VEC, 0, 2, 0),
	  .vec_offset = 10, .xflags = MMIO_XF_VECLANE),
	T("pextrb byte ptr [rdi], xmm2, 0xf", "lane 15",
	  BYTES(0x66, 0x0f, 0x3a, 0x14, 0x17, 0x0f), WR, 1, SRC(VEC, 2),
	  .vec_offset = 15, .xflags = MMIO_XF_VECLANE),
	T("vinsertf128 ymm0, ymm1, xmmword ptr [rdi], 1", "upper lane",
	  BYTES(0xc4, 0xe3, 0x75, 0x18, 0x07, 0x01), RD, 16,
	  DST(VEC, 0, 16, 0), .vec_offset = 16, .xflags = MMIO_XF_VECLANE,
	  .flags = F_VEX),
	T("vextracti128 xmmword ptr [rdi], ymm3, 1", "upper lane",
	  BYTES(0xc4, 0xe3, 0x7d, 0x39, 0x1f, 0x01), WR, 16, SRC(VEC, 3),
	  .vec_offset = 16, .xflags = MMIO_XF_VECLANE, .flags = F_VEX),
	T("vbroadcastss ymm0, dword ptr [rdi]", "",
	  BYTES(0xc4, 0xe2, 0x7d, 0x18, 0x07), RD, 4, DST(CMP, 0, 0, 0),
	  .flags = F_VEX),
	T("vpbroadcastq zmm5, qword ptr [rcx + 0x40]", "EVEX",
	  BYTES(0x62, 0xf2, 0xfd, 0x48, 0x59, 0x69, 0x08), RD, 8,
	  DST(CMP, 0, 0, 0), .flags = F_EVEX),
	T("cvtps2pd xmm0, qword ptr [rdi]", "", BYTES(0x0f, 0x5a, 0x07), RD,
	  8, DST(CMP, 0, 0, 0)),
	T("pmovzxbd xmm0, dword ptr [rdi]", "",
	  BYTES(0x66, 0x0f, 0x38, 0x31, 0x07), RD, 4, DST(CMP, 0, 0, 0)),
	T("movddup xmm0, qword ptr [rdi]", "", BYTES(0xf2, 0x0f, 0x12, 0x07),
	  RD, 8, DST(CMP, 0, 0, 0)),
	T("vmovdqu8 xmm0 {k1} {z}, xmmword ptr [rsi]", "zero-masked load",
	  BYTES(0x62, 0xf1, 0x7f, 0x89, 0x6f, 0x06), RD, 16,
	  DST(VEC, 0, 16, ZX), .flags = F_EVEX | F_MASK, .opmask = 1),
	T("vmovdqu32 zmmword ptr [rdi] {k7}, zmm31", "EVEX.R' store",
	  BYTES(0x62, 0x61, 0x7e, 0x4f, 0x7f, 0x3f), WR, 64, SRC(VEC, 31),
	  .flags = F_EVEX | F_MASK, .opmask = 7),

	/* ---- x87, ADX, BMI ---- */
	T("fld qword ptr [rdi]", "", BYTES(0xdd, 0x07), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("fistp word ptr [rdi]", "", BYTES(0xdf, 0x1f), WR, 2,
	  SRC(CMP, 0)),
	T("fnstcw word ptr [rdi]", "", BYTES(0xd9, 0x3f), WR, 2,
	  SRC(CMP, 0)),
	T("adcx r8, qword ptr [rcx + 8]", "",
	  BYTES(0x66, 0x4c, 0x0f, 0x38, 0xf6, 0x41, 0x08), RD, 8,
	  DST(CMP, 0, 0, 0)),
	T("mulx r9, r8, qword ptr [rdi]", "",
	  BYTES(0xc4, 0x62, 0xbb, 0xf6, 0x0f), RD, 8, DST(CMP, 0, 0, 0),
	  .flags = F_VEX),
	T("andn eax, ecx, dword ptr [rdi]", "",
	  BYTES(0xc4, 0xe2, 0x70, 0xf2, 0x07), RD, 4, DST(CMP, 0, 0, 0),
	  .flags = F_VEX),

	/* ---- refused: not data accesses, or not understood ---- */
	REFUSE("call qword ptr [rax]", "control transfer",
	       BYTES(0xff, 0x10)),
	/* ---- the memory operand's address (ea_base/index/scale/disp) ---- */
	T("mov eax, dword ptr [rsp + 8]", "SIB, no index: rsp base",
	  BYTES(0x8b, 0x44, 0x24, 0x08), RD, 4, DST(GPR, 0, 4, ZX),
	  EA(4, NOREG, 1, 8)),
	T("mov eax, dword ptr [r12 + r12*4 - 0x10]", "REX.X: index 4 is r12",
	  BYTES(0x43, 0x8b, 0x44, 0xa4, 0xf0), RD, 4, DST(GPR, 0, 4, ZX),
	  EA(12, 12, 4, -0x10)),
	T("mov eax, dword ptr [r13]", "r13 base needs mod 1",
	  BYTES(0x41, 0x8b, 0x45, 0x00), RD, 4, DST(GPR, 0, 4, ZX),
	  EA(13, NOREG, 1, 0)),
	T("mov eax, dword ptr [0x1000]", "SIB base 5, mod 0: no base",
	  BYTES(0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), RD, 4,
	  DST(GPR, 0, 4, ZX), EA(NOREG, NOREG, 1, 0x1000)),
	T("mov eax, dword ptr [rcx*4 - 0x1000]", "index, no base",
	  BYTES(0x8b, 0x04, 0x8d, 0x00, 0xf0, 0xff, 0xff), RD, 4,
	  DST(GPR, 0, 4, ZX), EA(NOREG, 1, 4, -0x1000)),
	T("mov r8, qword ptr [rbp + rdx*2 + 0x7fffffff]", "disp32 max",
	  BYTES(0x4c, 0x8b, 0x84, 0x55, 0xff, 0xff, 0xff, 0x7f), RD, 8,
	  DST(GPR, 8, 8, 0), EA(5, 2, 2, 0x7fffffff)),
	T("mov eax, dword ptr [rip - 0x80000000]", "RIP-relative",
	  BYTES(0x8b, 0x05, 0x00, 0x00, 0x00, 0x80), RD, 4,
	  DST(GPR, 0, 4, ZX), EA(RIP, NOREG, 1, -0x80000000LL)),
	T("movabs rax, qword ptr [0x1122334455667788]", "moffs: absolute",
	  BYTES(0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  RD, 8, DST(GPR, 0, 8, 0), EA(NOREG, NOREG, 1, 0x1122334455667788)),
	T("vmovdqu xmm0, xmmword ptr [r8 + r9*8]", "VEX.X/B",
	  BYTES(0xc4, 0x81, 0x7a, 0x6f, 0x04, 0xc8), RD, 16,
	  DST(VEC, 0, 16, ZX), .flags = F_VEX, EA(8, 9, 8, 0)),
	/* capstone 4.0.2 cannot decode it: vmovdqu32 xmm0, [r8+r9*8-0x10] */
	T("", "EVEX.X/B, disp8*N: -1 * 16",
	  BYTES(0x62, 0x91, 0x7e, 0x08, 0x6f, 0x44, 0xc8, 0xff), RD, 16,
	  DST(VEC, 0, 16, ZX), .flags = F_EVEX, EA(8, 9, 8, -0x10)),
	T("rep stosb byte ptr [rdi], al", "string op: no ModRM address",
	  BYTES(0xf3, 0xaa), WR, 1, SRC(GPR, 0), .str = MMIO_STR_STOS,
	  .flags = F_REP, EA(NOREG, NOREG, 1, 0)),

	REFUSE("jmp qword ptr [rip]", "control transfer",
	       BYTES(0xff, 0x25, 0x00, 0x00, 0x00, 0x00)),
	REFUSE("lea rax, [rdi + 8]", "no memory access",
	       BYTES(0x48, 0x8d, 0x47, 0x08)),
	REFUSE("mov eax, ecx", "register form", BYTES(0x89, 0xc8)),
	REFUSE("fxsave [rdi]", "512-byte area", BYTES(0x0f, 0xae, 0x07)),
	REFUSE("clflush byte ptr [rdi]", "cache control",
	       BYTES(0x0f, 0xae, 0x3f)),
	REFUSE("prefetcht0 byte ptr [rdi]", "hint", BYTES(0x0f, 0x18, 0x0f)),
	REFUSE("mov word ptr [rdi], ds", "segment register source",
	       BYTES(0x8c, 0x1f)),
	REFUSE("movq mm0, qword ptr [rdi]", "MMX register destination",
	       BYTES(0x0f, 0x6f, 0x07)),
	REFUSE("", "f2 0f 53 is not rcpss", BYTES(0xf2, 0x0f, 0x53, 0x07)),
	REFUSE("", "lock movdir64b is #UD",
	       BYTES(0xf0, 0x66, 0x0f, 0x38, 0xf8, 0x02)),
	REFUSE("", "lock movsb is #UD", BYTES(0xf0, 0xa4)),
	REFUSE("", "lock shl is #UD", BYTES(0xf0, 0xd1, 0x27)),
	REFUSE("", "lock on a plain load is #UD",
	       BYTES(0xf0, 0x8b, 0x07)),
	REFUSE("", "c7 /1 does not exist", BYTES(0xc7, 0x0f, 0, 0, 0, 0)),
	REFUSE("", "EVEX vmovntdq needs W0",
	       BYTES(0x62, 0xf1, 0xfd, 0x48, 0xe7, 0x06)),
	REFUSE("", "16 prefixes: longer than 15 bytes",
	       BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		     0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x07)),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int failures;

static void fail(const struct tcase *c, const char *what,
		 unsigned long long got, unsigned long long want)
{
	printf("FAIL: %s [%s]: %s: got %#llx, want %#llx\n",
	       c->text[0] ? c->text : "(invalid)", c->why, what, got, want);
	failures++;
}

#define CHECK(field, want) do { \
	if ((unsigned long long)(field) != (unsigned long long)(want)) \
		fail(c, #field, field, want); \
} while (0)

static int check_case(const struct tcase *c)
{
	struct mmio_insn in;
	int before = failures;
	int ret = mmio_decode(c->b, c->n, &in);

	if (c->ok) {
		if (ret != -1)
			fail(c, "refused", ret, -1);
		return failures == before;
	}
	if (ret) {
		fail(c, "decoded", ret, 0);
		return 0;
	}
	CHECK(in.length, c->n);
	CHECK(in.access, c->access);
	CHECK(in.width, c->width);
	CHECK(in.src_kind, c->sk);
	if (c->sk == GPR || c->sk == GPRH || c->sk == VEC)
		CHECK(in.src_reg, c->sr);
	if (c->sk == IMM)
		CHECK(in.imm, c->imm);
	CHECK(in.dst_kind, c->dk);
	if (c->dk == MREG)
		CHECK(in.dst_reg, c->dr);
	if (c->dk == GPR || c->dk == GPRH || c->dk == VEC || c->dk == CAX) {
		CHECK(in.dst_reg, c->dr);
		CHECK(in.dst_width, c->dw);
		CHECK(in.dst_ext, c->de);
	}
	CHECK(in.string_op, c->str);
	CHECK(in.flags, c->flags);
	CHECK(in.xflags, c->xflags);
	if (c->sk == VEC || c->dk == VEC)
		CHECK(in.vec_offset, c->vec_offset);
	if (c->has_ea) {
		CHECK(in.ea_base, c->eb);
		CHECK(in.ea_index, c->ei);
		CHECK(in.ea_scale, c->es);
		CHECK(in.ea_disp, c->ed);
	}
	if (c->str) {
		CHECK(in.ea_base, MMIO_EA_NONE);
		CHECK(in.ea_index, MMIO_EA_NONE);
	}
	CHECK(in.opmask, c->opmask);
	CHECK(in.modrm_mem, c->str == 0 && !(c->b[0] >= 0xa0 &&
					      c->b[0] <= 0xa3) &&
	      !(c->n > 1 && c->b[0] == 0x48 && c->b[1] >= 0xa0 &&
		c->b[1] <= 0xa3));
	/* one byte fewer must fail, never read past */
	if (mmio_decode(c->b, c->n - 1, &in) != -1)
		fail(c, "decode with one byte missing", 0, -1);
	return failures == before;
}

#ifdef WITH_CAPSTONE
/* A capstone address register as ea_base/ea_index: 0..15, RIP or NONE. */
static int cs_ea_reg(unsigned int r)
{
	static const unsigned int r64[16] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
		X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
		X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
		X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
	};
	static const unsigned int r32[16] = {
		X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
		X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI,
		X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
		X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D,
	};
	int i;

	if (r == X86_REG_INVALID)
		return MMIO_EA_NONE;
	if (r == X86_REG_RIP || r == X86_REG_EIP)
		return MMIO_EA_RIP;
	for (i = 0; i < 16; i++)
		if (r == r64[i] || r == r32[i])
			return i;
	return -1;
}

/*
 * ea_base/ea_index/ea_scale/ea_disp agree with capstone's memory operand
 * (every accepted case with a ModRM or moffs operand).  Returns 1 when
 * checked.
 */
static int check_ea(csh h, const struct tcase *c)
{
	struct mmio_insn in;
	cs_insn *ci;
	cs_x86 *x;
	size_t n;
	int i, checked = 0;

	if (c->ok || c->str || mmio_decode(c->b, c->n, &in))
		return 0;
	n = cs_disasm(h, c->b, c->n, 0, 1, &ci);
	if (!n)
		return 0;
	x = &ci->detail->x86;
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		int base, index;

		if (op->type != X86_OP_MEM)
			continue;
		base = cs_ea_reg(op->mem.base);
		index = cs_ea_reg(op->mem.index);
		CHECK(in.ea_base, base);
		CHECK(in.ea_index, index);
		if (index != MMIO_EA_NONE)
			CHECK(in.ea_scale, op->mem.scale);
		CHECK(in.ea_disp, op->mem.disp);
		checked = 1;
		break;
	}
	if (!checked) {
		printf("FAIL: %s: capstone shows no memory operand\n", c->text);
		failures++;
	}
	cs_free(ci, n);
	return checked;
}

/* The bytes are the instruction the case says they are. */
static void check_bytes(csh h, const struct tcase *c)
{
	char text[256];
	cs_insn *ci;
	size_t n;

	if (!c->text[0])
		return;
	n = cs_disasm(h, c->b, c->n, 0, 1, &ci);
	if (!n) {
		printf("FAIL: %s: capstone cannot decode the bytes\n", c->text);
		failures++;
		return;
	}
	snprintf(text, sizeof(text), "%s%s%s", ci->mnemonic,
		 ci->op_str[0] ? " " : "", ci->op_str);
	if (strcmp(text, c->text) || (!c->ok && ci->size != c->n)) {
		printf("FAIL: bytes of \"%s\" are \"%s\" (%u bytes) to "
		       "capstone\n", c->text, text, (unsigned int)ci->size);
		failures++;
	}
	cs_free(ci, n);
}
#endif

int main(void)
{
	unsigned int i, passed = 0;
#ifdef WITH_CAPSTONE
	unsigned int ea_checked = 0;
	csh h;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		printf("test_decode: capstone: cannot open\n");
		return 1;
	}
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
#endif
	for (i = 0; i < NCASES; i++) {
		int before = failures;

#ifdef WITH_CAPSTONE
		check_bytes(h, &cases[i]);
		ea_checked += check_ea(h, &cases[i]);
#endif
		check_case(&cases[i]);
		if (failures == before)
			passed++;
	}
#ifdef WITH_CAPSTONE
	cs_close(&h);
	printf("test_decode: %u memory operand addresses agree with "
	       "capstone\n", ea_checked);
#endif
	printf("test_decode: %u passed, %u failed\n", passed,
	       (unsigned int)NCASES - passed);
	return passed == NCASES ? 0 : 1;
}
