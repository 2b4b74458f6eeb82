// SPDX-License-Identifier: GPL-2.0
/*
 * corpus_check - compare mmio_decode() with capstone on every memory
 * instruction of a set of x86-64 ELF objects (.ko / .o).
 *
 * For each executable section, instructions are disassembled linearly,
 * restarting at every function symbol.  An instruction is selected when
 * capstone gives it an explicit memory operand (this includes the string
 * instructions, which capstone lists with [rsi]/[rdi] operands), except:
 *   - LEA, and NOP / hint-NOP forms: they do not access memory;
 *   - prefetch*, clflush*, clwb, invlpg: cache and TLB hints, no data
 *     access a device could see as a register read or write;
 *   - call/jmp through memory (near and far): control transfers.  A
 *     driver never branches through a device register; the decoder
 *     refuses them (returns -1) and they are not counted here.
 * Selected instructions are decoded with mmio_decode() and compared on:
 * length, direction (read/write bits), width (memory operand size), the
 * register or immediate operand (kind, number, size), string op and REP.
 *
 * Capstone 4.0.2 (Debian 12) gets the access flags of several store and
 * read-modify-write forms wrong (it reports memory stores of movnti,
 * movups, setcc, cmpxchg... as reads).  fix_access() corrects those from
 * the instruction's identity as capstone decoded it (mnemonic and operand
 * position), never from our decoder; each correction is counted and
 * printed, and --raw disables them.
 *
 * Usage: corpus_check [--raw] [--verbose N] [--sample K --seed S]
 *                     FILE... | -l LISTFILE | --fuzz N
 * --fuzz N checks N random instruction-like byte strings instead (for
 * finding decoder bugs; its percentage is not an acceptance figure).
 * Output: per-mnemonic disagreement counts, unhandled forms with counts,
 * and the final line
 *   decoder: A/B memory instructions agree with capstone (P%)
 * Exit status: 0 if P >= 99.9 and no MMIO-accessor form disagrees.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../runtime/mmio_decode.h"

/* ---- counting by string key -------------------------------------------- */

struct counter {
	char *key;
	unsigned long n;
	char example[160];
};

struct table {
	struct counter *v;
	size_t cap, used;
};

static unsigned long hash_str(const char *s)
{
	unsigned long h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct counter *table_get(struct table *t, const char *key)
{
	size_t i;

	if (t->used * 2 >= t->cap) {
		struct table n = { .cap = t->cap ? t->cap * 2 : 1024 };

		n.v = calloc(n.cap, sizeof(*n.v));
		for (i = 0; i < t->cap; i++) {
			size_t j;

			if (!t->v[i].key)
				continue;
			j = hash_str(t->v[i].key) & (n.cap - 1);
			while (n.v[j].key)
				j = (j + 1) & (n.cap - 1);
			n.v[j] = t->v[i];
			n.used++;
		}
		free(t->v);
		*t = n;
	}
	i = hash_str(key) & (t->cap - 1);
	while (t->v[i].key && strcmp(t->v[i].key, key))
		i = (i + 1) & (t->cap - 1);
	if (!t->v[i].key) {
		t->v[i].key = strdup(key);
		t->used++;
	}
	return &t->v[i];
}

static int cmp_count(const void *a, const void *b)
{
	const struct counter *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

static void table_print(struct table *t, const char *title, size_t max)
{
	struct counter *v = calloc(t->used + 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->v[i].key)
			v[n++] = t->v[i];
	qsort(v, n, sizeof(*v), cmp_count);
	printf("%s (%zu kinds)\n", title, n);
	for (i = 0; i < n && i < max; i++)
		printf("  %9lu  %-40s e.g. %s\n", v[i].n, v[i].key,
		       v[i].example);
	free(v);
}

static void count(struct table *t, const char *key, const char *example)
{
	struct counter *c = table_get(t, key);

	if (!c->n && example)
		snprintf(c->example, sizeof(c->example), "%s", example);
	c->n++;
}

/* ---- capstone register map ---------------------------------------------- */

struct regmap {
	unsigned char kind, num, size;
};

static struct regmap regmap[X86_REG_ENDING];

static const char *const gpr64[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const gpr32[16] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	"r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const gpr16[16] = {
	"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	"r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const gpr8[16] = {
	"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	"r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const gpr8h[8] = {
	NULL, NULL, NULL, NULL, "ah", "ch", "dh", "bh" };

static void regmap_init(csh h)
{
	int id, i;

	for (id = 1; id < X86_REG_ENDING; id++) {
		const char *n = cs_reg_name(h, id);
		struct regmap *m = &regmap[id];

		if (!n)
			continue;
		for (i = 0; i < 16; i++) {
			if (!strcmp(n, gpr64[i]))
				*m = (struct regmap){ MMIO_OPND_GPR, i, 8 };
			else if (!strcmp(n, gpr32[i]))
				*m = (struct regmap){ MMIO_OPND_GPR, i, 4 };
			else if (!strcmp(n, gpr16[i]))
				*m = (struct regmap){ MMIO_OPND_GPR, i, 2 };
			else if (!strcmp(n, gpr8[i]))
				*m = (struct regmap){ MMIO_OPND_GPR, i, 1 };
			else if (i < 8 && gpr8h[i] && !strcmp(n, gpr8h[i]))
				*m = (struct regmap){ MMIO_OPND_GPR8H, i, 1 };
		}
		if (!strncmp(n, "xmm", 3))
			*m = (struct regmap){ MMIO_OPND_VEC, atoi(n + 3), 16 };
		else if (!strncmp(n, "ymm", 3))
			*m = (struct regmap){ MMIO_OPND_VEC, atoi(n + 3), 32 };
		else if (!strncmp(n, "zmm", 3))
			*m = (struct regmap){ MMIO_OPND_VEC, atoi(n + 3), 64 };
	}
}

/* ---- selection ------------------------------------------------------------ */

static unsigned long n_excluded[4], n_insns, n_bad_bytes;
static const char *const excluded_why[4] = {
	NULL, "lea/nop", "prefetch/cache/TLB hints", "call/jmp through memory"
};

/* 0: selected; else the index of the reason in excluded_why. */
static int excluded(unsigned int id)
{
	switch (id) {
	case X86_INS_LEA:
	case X86_INS_NOP:
		return 1;
	case X86_INS_PREFETCH:
	case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2:
	case X86_INS_PREFETCHW:
	case X86_INS_CLFLUSH:
	case X86_INS_CLFLUSHOPT:
	case X86_INS_CLWB:
	case X86_INS_INVLPG:
		return 2;
	case X86_INS_CALL:
	case X86_INS_JMP:
	case X86_INS_LCALL:
	case X86_INS_LJMP:
		return 3;
	default:
		return 0;
	}
}

static int mem_operand(const cs_x86 *x)
{
	int i;

	for (i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			return i;
	return -1;
}

/* ---- capstone 4.0.2 access corrections ---------------------------------- */

enum { STR_NONE, STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS,
	STR_INS, STR_OUTS };

static int string_kind(const cs_insn *ci)
{
	switch (ci->id) {
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSQ:
		return STR_MOVS;
	case X86_INS_MOVSD:	/* also the SSE movsd */
		return ci->detail->x86.opcode[0] == 0xa5 ? STR_MOVS : STR_NONE;
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD:
	case X86_INS_STOSQ:
		return STR_STOS;
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD:
	case X86_INS_LODSQ:
		return STR_LODS;
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSQ:
		return STR_CMPS;
	case X86_INS_CMPSD:	/* also the SSE compare */
		return ci->detail->x86.opcode[0] == 0xa7 ? STR_CMPS : STR_NONE;
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD:
	case X86_INS_SCASQ:
		return STR_SCAS;
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
		return STR_INS;
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return STR_OUTS;
	default:
		return STR_NONE;
	}
}

/*
 * The direction capstone's decode implies.  Rules, each from the ISA
 * definition of the instruction capstone identified (not from our
 * decoder), for the cases where capstone 4.0.2's access flags are wrong:
 *  W1  memory destination (operand 0) of a store-only instruction is
 *      written, not read (capstone reports READ): movnti, SSE/AVX stores,
 *      setcc, stmxcsr, pextr*, extractps, vextract*, sldt/str...
 *  R1  CMPXCHG/CMPXCHG8B/16B read and write their memory operand.
 *  R2  TEST, CMP, BT and the compare/ptest family only read memory.
 *  R3  rotates and shifts with a memory destination (rol [m], imm...)
 *      read and write it.
 *  S1  INS writes [rdi], OUTS reads [rsi] (capstone gives no access).
 *  A0  a memory operand capstone gives no access (masked EVEX moves,
 *      cvtss2si...): a memory operand 0 of a move is its destination
 *      (written); a memory operand after operand 0 is always a source
 *      (read).
 *  S2  CMPS reads [rsi] and [rdi] (capstone gives no access to cmpsd).
 * And width rules:
 *  M1  COMISS/UCOMISS read m32, COMISD/UCOMISD read m64 (capstone 4.0.2
 *      reports a 16-byte xmmword for comiss/comisd).
 *  M2  FNSAVE/FRSTOR access 108 bytes, FNSTSW 2 (capstone: 4).
 *  M3  MMX punpcklbw/wd/dq mm, m32 read 4 bytes (capstone: 8).
 *  M4  a 66 prefix before F3/F2 on a string instruction selects 16-bit
 *      elements: gas assembles "rep movsw" as 66 f3 a5 and objdump reads
 *      it back so; capstone 4.0.2 reads it as rep movsd (4), and names
 *      eax for ax in stos/lods: the register size is then not compared.
 */
static int is_store_only(unsigned int id)
{
	switch (id) {
	case X86_INS_MOVNTI:
	case X86_INS_MOVUPS: case X86_INS_MOVUPD:
	case X86_INS_MOVAPS: case X86_INS_MOVAPD:
	case X86_INS_MOVDQA: case X86_INS_MOVDQU:
	case X86_INS_MOVQ: case X86_INS_MOVD:
	case X86_INS_MOVSS: case X86_INS_MOVSD:
	case X86_INS_MOVLPS: case X86_INS_MOVLPD:
	case X86_INS_MOVHPS: case X86_INS_MOVHPD:
	case X86_INS_MOVNTDQ: case X86_INS_MOVNTPS: case X86_INS_MOVNTPD:
	case X86_INS_MOVNTQ:
	case X86_INS_MOVBE:
	case X86_INS_VMOVUPS: case X86_INS_VMOVUPD:
	case X86_INS_VMOVAPS: case X86_INS_VMOVAPD:
	case X86_INS_VMOVDQA: case X86_INS_VMOVDQU:
	case X86_INS_VMOVDQA32: case X86_INS_VMOVDQA64:
	case X86_INS_VMOVDQU8: case X86_INS_VMOVDQU16:
	case X86_INS_VMOVDQU32: case X86_INS_VMOVDQU64:
	case X86_INS_VMOVQ: case X86_INS_VMOVD:
	case X86_INS_VMOVSS: case X86_INS_VMOVSD:
	case X86_INS_VMOVLPS: case X86_INS_VMOVLPD:
	case X86_INS_VMOVHPS: case X86_INS_VMOVHPD:
	case X86_INS_VMOVNTDQ: case X86_INS_VMOVNTPS: case X86_INS_VMOVNTPD:
	case X86_INS_PEXTRB: case X86_INS_PEXTRW: case X86_INS_PEXTRD:
	case X86_INS_PEXTRQ: case X86_INS_EXTRACTPS:
	case X86_INS_VPEXTRB: case X86_INS_VPEXTRW: case X86_INS_VPEXTRD:
	case X86_INS_VPEXTRQ: case X86_INS_VEXTRACTPS:
	case X86_INS_VEXTRACTF128: case X86_INS_VEXTRACTI128:
	case X86_INS_VCVTPS2PH:
	case X86_INS_SETA: case X86_INS_SETAE: case X86_INS_SETB:
	case X86_INS_SETBE: case X86_INS_SETE: case X86_INS_SETG:
	case X86_INS_SETGE: case X86_INS_SETL: case X86_INS_SETLE:
	case X86_INS_SETNE: case X86_INS_SETNO: case X86_INS_SETNP:
	case X86_INS_SETNS: case X86_INS_SETO: case X86_INS_SETP:
	case X86_INS_SETS:
	case X86_INS_STMXCSR: case X86_INS_VSTMXCSR:
	case X86_INS_SLDT: case X86_INS_STR: case X86_INS_SMSW:
	case X86_INS_SGDT: case X86_INS_SIDT:
	case X86_INS_POP:
	case X86_INS_MOV: case X86_INS_MOVABS:
	case X86_INS_FST: case X86_INS_FSTP: case X86_INS_FIST:
	case X86_INS_FISTP: case X86_INS_FISTTP: case X86_INS_FBSTP:
	case X86_INS_FNSTCW: case X86_INS_FNSTSW: case X86_INS_FNSTENV:
	case X86_INS_FNSAVE:
		return 1;
	default:
		return 0;
	}
}

static int is_read_only(unsigned int id)
{
	switch (id) {
	case X86_INS_TEST: case X86_INS_CMP: case X86_INS_BT:
	case X86_INS_PTEST: case X86_INS_VPTEST:
	case X86_INS_UCOMISS: case X86_INS_UCOMISD:
	case X86_INS_COMISS: case X86_INS_COMISD:
	case X86_INS_VERR: case X86_INS_VERW:
	case X86_INS_PUSH:
	case X86_INS_FRSTOR: case X86_INS_FLDENV: case X86_INS_FLDCW:
		return 1;
	default:
		return 0;
	}
}

static int is_shift(unsigned int id)
{
	switch (id) {
	case X86_INS_ROL: case X86_INS_ROR: case X86_INS_RCL:
	case X86_INS_RCR: case X86_INS_SHL: case X86_INS_SHR:
	case X86_INS_SAL: case X86_INS_SAR:
	case X86_INS_SHLD: case X86_INS_SHRD:
		return 1;
	default:
		return 0;
	}
}

static int plain_move(const cs_insn *ci);
static struct table t_fix;

static int cs_access(const cs_insn *ci, int raw)
{
	const cs_x86 *x = &ci->detail->x86;
	int i, acc = 0, first = mem_operand(x);
	int fixed;
	char key[64];

	for (i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			acc |= x->operands[i].access;
	if (raw)
		return acc;
	fixed = acc;
	switch (string_kind(ci)) {
	case STR_INS:
		fixed = CS_AC_WRITE;
		break;
	case STR_OUTS:
	case STR_CMPS:
		fixed = CS_AC_READ;
		break;
	case STR_NONE:
		if (is_store_only(ci->id) && first == 0)
			fixed = CS_AC_WRITE;
		else if (ci->id == X86_INS_CMPXCHG ||
			 ci->id == X86_INS_CMPXCHG8B ||
			 ci->id == X86_INS_CMPXCHG16B)
			fixed = CS_AC_READ | CS_AC_WRITE;
		else if (is_read_only(ci->id))
			fixed = CS_AC_READ;
		else if (acc == 0 && first == 0 && plain_move(ci))
			fixed = CS_AC_WRITE;
		else if (acc == 0 && first > 0)
			fixed = CS_AC_READ;
		else if (is_shift(ci->id) && first == 0)
			fixed = CS_AC_READ | CS_AC_WRITE;
		break;
	default:
		break;
	}
	if (fixed != acc) {
		snprintf(key, sizeof(key), "%s: %d -> %d",
			 ci->mnemonic, acc, fixed);
		count(&t_fix, key, NULL);
	}
	return fixed;
}

/* ---- comparison ----------------------------------------------------------- */

struct stats {
	unsigned long selected, agree, unhandled, accessor, accessor_bad;
};

static struct stats st;
static struct table t_bad;	/* disagreements by mnemonic: reason */
static struct table t_unhandled;	/* forms mmio_decode() refused */
static struct table t_mnem_bad;	/* disagreements by mnemonic */
static struct table t_mnem_all;	/* every checked instruction */
static int verbose;

static void fmt_insn(const cs_insn *ci, char *buf, size_t len)
{
	int i, n;

	n = snprintf(buf, len, "%s %s [", ci->mnemonic, ci->op_str);
	for (i = 0; i < ci->size && n < (int)len - 4; i++)
		n += snprintf(buf + n, len - n, "%s%02x", i ? " " : "",
			      ci->bytes[i]);
	if (n < (int)len - 1)
		snprintf(buf + n, len - n, "]");
}

/* "mnemonic (opcode [/reg] [prefix])" for the unhandled-forms list. */
static void form_key(const cs_insn *ci, char *buf, size_t len)
{
	const cs_x86 *x = &ci->detail->x86;
	unsigned char op0 = x->opcode[0], op1 = x->opcode[1];
	char op[32];
	int group;

	if (op0 == 0x62 || op0 == 0xc4 || op0 == 0xc5) {
		snprintf(buf, len, "%s (%s)", ci->mnemonic,
			 op0 == 0x62 ? "evex" : "vex");
		return;
	}
	if (op0 == 0x0f)
		snprintf(op, sizeof(op), "0f %02x", op1);
	else
		snprintf(op, sizeof(op), "%02x", op0);
	group = (op0 >= 0x80 && op0 <= 0x83) || op0 == 0xc0 || op0 == 0xc1 ||
		(op0 >= 0xd0 && op0 <= 0xdf) || op0 == 0xf6 || op0 == 0xf7 ||
		op0 == 0xfe || op0 == 0xff || op0 == 0x8f ||
		(op0 == 0x0f && (op1 <= 1 || op1 == 0xae || op1 == 0xba ||
				 op1 == 0xc7));
	snprintf(buf, len, "%s (%s", ci->mnemonic, op);
	if (group)
		snprintf(buf + strlen(buf), len - strlen(buf), " /%d",
			 (x->modrm >> 3) & 7);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s%s)",
		 x->prefix[2] == 0x66 ? " 66" : "",
		 x->prefix[0] == 0xf3 ? " f3" :
		 x->prefix[0] == 0xf2 ? " f2" : "");
}

/* Instructions that the kernel's MMIO accessors compile to. */
static int accessor_form(const cs_insn *ci)
{
	switch (ci->id) {
	case X86_INS_MOV:
		/* not the segment-register forms 8c/8e */
		return ci->detail->x86.opcode[0] != 0x8c &&
		       ci->detail->x86.opcode[0] != 0x8e;
	case X86_INS_MOVZX:
	case X86_INS_MOVNTI:
		return 1;
	default:
		return string_kind(ci) == STR_MOVS ||
		       string_kind(ci) == STR_STOS;
	}
}

/* Pure data moves: a read must name the register it loads. */
static int plain_move(const cs_insn *ci)
{
	switch (ci->id) {
	case X86_INS_MOV: case X86_INS_MOVABS: case X86_INS_MOVZX:
	case X86_INS_MOVSX: case X86_INS_MOVSXD: case X86_INS_MOVNTI:
	case X86_INS_MOVBE: case X86_INS_XCHG:
	case X86_INS_MOVUPS: case X86_INS_MOVUPD: case X86_INS_MOVAPS:
	case X86_INS_MOVAPD: case X86_INS_MOVDQA: case X86_INS_MOVDQU:
	case X86_INS_MOVD: case X86_INS_MOVSS:
	case X86_INS_MOVNTDQA: case X86_INS_MOVNTDQ:
	case X86_INS_VMOVUPS: case X86_INS_VMOVUPD: case X86_INS_VMOVAPS:
	case X86_INS_VMOVAPD: case X86_INS_VMOVDQA: case X86_INS_VMOVDQU:
	case X86_INS_VMOVDQA32: case X86_INS_VMOVDQA64:
	case X86_INS_VMOVDQU8: case X86_INS_VMOVDQU16:
	case X86_INS_VMOVDQU32: case X86_INS_VMOVDQU64:
	case X86_INS_VMOVD: case X86_INS_VMOVQ: case X86_INS_VMOVSS:
	case X86_INS_VMOVSD: case X86_INS_VMOVNTDQA: case X86_INS_VMOVNTDQ:
		return 1;
	case X86_INS_MOVQ:	/* not the MMX forms */
	case X86_INS_MOVSD:	/* SSE movsd, not the string op */
		return string_kind(ci) == STR_NONE;
	default:
		return 0;
	}
}

/* Does capstone have operand register (kind,num) of @size (0: any)? */
static int cs_has_reg(const cs_x86 *x, int kind, int num, int size)
{
	int i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *o = &x->operands[i];
		const struct regmap *m;

		if (o->type != X86_OP_REG)
			continue;
		m = &regmap[o->reg];
		if (m->kind == kind && m->num == num &&
		    (!size || m->size == size))
			return 1;
	}
	return 0;
}

static int cs_has_imm(const cs_x86 *x, uint64_t val, int width)
{
	uint64_t mask = width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
	int i;

	for (i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_IMM &&
		    ((uint64_t)x->operands[i].imm & mask) == val)
			return 1;
	return 0;
}

static const int str_map[] = {
	[STR_NONE] = MMIO_STR_NONE, [STR_MOVS] = MMIO_STR_MOVS,
	[STR_STOS] = MMIO_STR_STOS, [STR_LODS] = MMIO_STR_LODS,
	[STR_CMPS] = MMIO_STR_CMPS, [STR_SCAS] = MMIO_STR_SCAS,
	[STR_INS] = MMIO_STR_INS, [STR_OUTS] = MMIO_STR_OUTS,
};

/* Rule M4 applies: capstone's element size is wrong for this string op. */
static int m4_string(const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;
	int m = mem_operand(x);

	return string_kind(ci) != STR_NONE && x->prefix[2] == 0x66 &&
	       !(x->rex & 8) && m >= 0 && x->operands[m].size == 4;
}

static int cs_width(const cs_insn *ci, int m, int raw)
{
	int size = ci->detail->x86.operands[m].size, fixed = size;
	char key[64];

	if (raw)
		return size;
	switch (ci->id) {
	case X86_INS_COMISS: case X86_INS_UCOMISS:
	case X86_INS_VCOMISS: case X86_INS_VUCOMISS:
		fixed = 4;
		break;
	case X86_INS_COMISD: case X86_INS_UCOMISD:
	case X86_INS_VCOMISD: case X86_INS_VUCOMISD:
		fixed = 8;
		break;
	case X86_INS_FNSAVE: case X86_INS_FRSTOR:
		fixed = 108;
		break;
	case X86_INS_FNSTSW:
		fixed = 2;
		break;
	case X86_INS_PUNPCKLBW: case X86_INS_PUNPCKLWD:
	case X86_INS_PUNPCKLDQ:
		if (ci->detail->x86.operands[0].type == X86_OP_REG &&
		    ci->detail->x86.operands[0].size == 8)
			fixed = 4;
		break;
	}
	if (m4_string(ci))
		fixed = 2;
	if (fixed != size) {
		snprintf(key, sizeof(key), "%s: width %d -> %d",
			 ci->mnemonic, size, fixed);
		count(&t_fix, key, NULL);
	}
	return fixed;
}

/* Returns NULL when both agree, else the reason. */
static const char *compare(const cs_insn *ci, const struct mmio_insn *in,
			   int raw)
{
	const cs_x86 *x = &ci->detail->x86;
	int m = mem_operand(x);
	int acc = cs_access(ci, raw);
	int sk = string_kind(ci);
	int kind, regsize;

	if (in->length != ci->size)
		return "length";
	if (in->access != acc)
		return "direction";
	if (in->width != cs_width(ci, m, raw))
		return "width";
	if (in->string_op != str_map[sk])
		return "string-op";
	if (sk != STR_NONE &&
	    !!(in->flags & MMIO_INSN_REP) != !!x->prefix[0])
		return "rep";
	regsize = !raw && m4_string(ci) ? 0 : in->width;
	kind = in->src_kind;
	if ((kind == MMIO_OPND_GPR || kind == MMIO_OPND_GPR8H) &&
	    !cs_has_reg(x, kind, in->src_reg, regsize))
		return "src-register";
	if (kind == MMIO_OPND_VEC && !cs_has_reg(x, kind, in->src_reg, 0))
		return "src-vector";
	if (kind == MMIO_OPND_IMM && !cs_has_imm(x, in->imm, in->width))
		return "src-immediate";
	regsize = !raw && m4_string(ci) ? 0 : in->dst_width;
	kind = in->dst_kind;
	if ((kind == MMIO_OPND_GPR || kind == MMIO_OPND_GPR8H) &&
	    !cs_has_reg(x, kind, in->dst_reg, regsize))
		return "dst-register";
	if (kind == MMIO_OPND_VEC && !cs_has_reg(x, kind, in->dst_reg, 0))
		return "dst-vector";
	if (kind == MMIO_OPND_CMPXCHG_AX && ci->id != X86_INS_CMPXCHG)
		return "dst-cmpxchg";
	if (plain_move(ci)) {
		if ((acc & CS_AC_READ) && (in->dst_kind == MMIO_OPND_NONE ||
					   in->dst_kind == MMIO_OPND_COMPUTED))
			return "move-without-dst";
		if ((acc & CS_AC_WRITE) && (in->src_kind == MMIO_OPND_NONE ||
					    in->src_kind == MMIO_OPND_COMPUTED))
			return "move-without-src";
	}
	return NULL;
}

static void check_one(const cs_insn *ci, int raw)
{
	struct mmio_insn in;
	const char *why;
	char desc[200], key[120];
	int acc_form = accessor_form(ci);

	st.selected++;
	count(&t_mnem_all, ci->mnemonic, NULL);
	if (acc_form)
		st.accessor++;
	fmt_insn(ci, desc, sizeof(desc));
	if (mmio_decode(ci->bytes, ci->size, &in)) {
		st.unhandled++;
		form_key(ci, key, sizeof(key));
		count(&t_unhandled, key, desc);
		count(&t_mnem_bad, ci->mnemonic, desc);
		if (acc_form)
			st.accessor_bad++;
		return;
	}
	why = compare(ci, &in, raw);
	if (!why) {
		st.agree++;
		return;
	}
	if (acc_form)
		st.accessor_bad++;
	snprintf(key, sizeof(key), "%s: %s", ci->mnemonic, why);
	count(&t_bad, key, desc);
	count(&t_mnem_bad, ci->mnemonic, desc);
	if (verbose > 1)
		printf("disagree: %s: %s (len %d acc %d width %d src %d/%d "
		       "dst %d/%d/%d)\n", why, desc, in.length, in.access,
		       in.width, in.src_kind, in.src_reg, in.dst_kind,
		       in.dst_reg, in.dst_width);
}

/* ---- sampling ------------------------------------------------------------- */

static unsigned long sample_k;	/* keep 1 in sample_k (0: all) */
static uint64_t rng_state = 1;

static int sampled(void)
{
	if (!sample_k)
		return 1;
	/* xorshift64*: fixed seed, same sample every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545F4914F6CDD1DULL) % sample_k == 0;
}

/* ---- ELF walking ---------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Function start offsets inside section @sec, sorted. */
static size_t func_starts(const unsigned char *base, size_t size,
			  const Elf64_Ehdr *eh, int sec, uint64_t **out)
{
	const Elf64_Shdr *sh = (const void *)(base + eh->e_shoff);
	size_t i, n = 0, cap = 0;
	uint64_t *v = NULL;

	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		size_t j, cnt;

		if (sh[i].sh_type != SHT_SYMTAB ||
		    sh[i].sh_offset + sh[i].sh_size > size)
			continue;
		sym = (const void *)(base + sh[i].sh_offset);
		cnt = sh[i].sh_size / sizeof(*sym);
		for (j = 0; j < cnt; j++) {
			if (sym[j].st_shndx != sec ||
			    ELF64_ST_TYPE(sym[j].st_info) != STT_FUNC)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = realloc(v, cap * sizeof(*v));
			}
			v[n++] = sym[j].st_value;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
	*out = v;
	return n;
}

/*
 * Bytes capstone 4.0.2 cannot decode (newer instructions such as
 * movdir64b): list what mmio_decode() makes of them, to be checked by hand
 * (objdump -d knows them).  Not part of the A/B count.
 */
static struct table t_nocs;

/* Returns how many bytes to skip. */
static unsigned int unknown_to_capstone(const unsigned char *p, size_t left)
{
	struct mmio_insn in;
	char key[64], desc[64];
	int i, n = 0;

	if (mmio_decode(p, left, &in))
		return 1;
	for (i = 0; i < in.length; i++)
		n += snprintf(desc + n, sizeof(desc) - n, "%s%02x",
			      i ? " " : "", p[i]);
	snprintf(key, sizeof(key), "%s: access %d width %d",
		 mmio_decode_mnemonic(&in), in.access, in.width);
	count(&t_nocs, key, desc);
	return in.length;
}

static void walk_section(csh h, cs_insn *ci, const unsigned char *code,
			 uint64_t len, const uint64_t *starts, size_t nstarts,
			 int raw)
{
	uint64_t off = 0;
	size_t next = 0;

	while (off < len) {
		const uint8_t *p = code + off;
		size_t left = len - off;
		uint64_t addr = off;

		while (next < nstarts && starts[next] <= off)
			next++;
		if (next < nstarts && starts[next] - off < left)
			left = starts[next] - off;
		int why;

		if (!cs_disasm_iter(h, &p, &left, &addr, ci)) {
			unsigned int skip = unknown_to_capstone(code + off,
								left);

			off += skip;
			n_bad_bytes += skip;
			continue;
		}
		off += ci->size;
		n_insns++;
		if (mem_operand(&ci->detail->x86) < 0)
			continue;
		why = excluded(ci->id);
		if (why) {
			n_excluded[why]++;
			continue;
		}
		if (sampled())
			check_one(ci, raw);
	}
}

static unsigned long files_done, files_bad;

static void walk_file(csh h, cs_insn *ci, const char *path, int raw)
{
	const unsigned char *base;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat sb;
	int fd, i;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) || sb.st_size < (off_t)sizeof(*eh)) {
		fprintf(stderr, "corpus_check: cannot read %s\n", path);
		files_bad++;
		if (fd >= 0)
			close(fd);
		return;
	}
	base = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		files_bad++;
		return;
	}
	eh = (const void *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) >
	    (uint64_t)sb.st_size) {
		fprintf(stderr, "corpus_check: %s: not an x86-64 ELF file\n",
			path);
		files_bad++;
		munmap((void *)base, sb.st_size);
		return;
	}
	sh = (const void *)(base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		uint64_t *starts;
		size_t n;

		if (sh[i].sh_type != SHT_PROGBITS ||
		    !(sh[i].sh_flags & SHF_EXECINSTR) ||
		    sh[i].sh_offset + sh[i].sh_size > (uint64_t)sb.st_size)
			continue;
		n = func_starts(base, sb.st_size, eh, i, &starts);
		walk_section(h, ci, base + sh[i].sh_offset, sh[i].sh_size,
			     starts, n, raw);
		free(starts);
	}
	files_done++;
	munmap((void *)base, sb.st_size);
}

/* ---- fuzzing -------------------------------------------------------------- */

static uint64_t fuzz_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned long fuzz_accept_invalid;
static struct table t_invalid;

/* One random instruction-like byte string into @b (16 bytes). */
static void fuzz_bytes(unsigned char *b)
{
	static const unsigned char seg[] = { 0x2e, 0x3e, 0x26, 0x64, 0x65 };
	static const unsigned char mand[] = { 0x66, 0xf2, 0xf3 };
	int i, n = 0, kind;

	for (i = 0; i < 16; i++)
		b[i] = fuzz_rand();
	/* prefixes in the order compilers emit them, one of each kind */
	if (fuzz_rand() % 5 == 0)
		b[n++] = seg[fuzz_rand() % sizeof(seg)];
	if (fuzz_rand() % 7 == 0)
		b[n++] = 0x67;
	if (fuzz_rand() % 10 == 0)
		b[n++] = 0xf0;
	if (fuzz_rand() % 5 < 2)
		b[n++] = mand[fuzz_rand() % sizeof(mand)];
	kind = fuzz_rand() % 100;
	if (kind < 70 && fuzz_rand() % 2)
		b[n++] = 0x40 | (fuzz_rand() & 0xf);
	if (kind < 40) {
		n++;			/* one-byte opcode */
	} else if (kind < 60) {
		b[n++] = 0x0f;
		n++;
	} else if (kind < 65) {
		b[n++] = 0x0f;
		b[n++] = 0x38;
		n++;
	} else if (kind < 70) {
		b[n++] = 0x0f;
		b[n++] = 0x3a;
		n++;
	} else if (kind < 80) {
		n = 0;
		b[n++] = 0xc5;
		n++;
		b[n++] = 0x10 | (fuzz_rand() & 0xff);
	} else if (kind < 90) {
		n = 0;
		b[n++] = 0xc4;
		b[n] = (b[n] & 0xe0) | (1 + fuzz_rand() % 3);
		n += 3;
	} else {
		n = 0;
		b[n++] = 0x62;
		b[n] = (b[n] & 0xf0) | (1 + fuzz_rand() % 3);
		n++;
		b[n++] |= 0x04;
		n++;
		n++;
	}
	/* mostly memory operands */
	if (fuzz_rand() % 8)
		b[n] = (b[n] & 0x3f) | ((fuzz_rand() % 3) << 6);
}

static void fuzz(csh h, cs_insn *ci, unsigned long iters, int raw)
{
	unsigned char b[16];
	unsigned long i;

	for (i = 0; i < iters; i++) {
		const uint8_t *p = b;
		size_t left = sizeof(b);
		uint64_t addr = 0;
		struct mmio_insn in;

		fuzz_bytes(b);
		if (!cs_disasm_iter(h, &p, &left, &addr, ci)) {
			if (!mmio_decode(b, sizeof(b), &in)) {
				char key[64], desc[80];
				int j, m = 0;

				fuzz_accept_invalid++;
				for (j = 0; j < in.length; j++)
					m += snprintf(desc + m, sizeof(desc) - m,
						      "%02x ", b[j]);
				snprintf(key, sizeof(key), "%s map %d op %02x",
					 mmio_decode_mnemonic(&in),
					 in.opcode_map, in.opcode);
				count(&t_invalid, key, desc);
			}
			continue;
		}
		if (mem_operand(&ci->detail->x86) < 0 || excluded(ci->id))
			continue;
		check_one(ci, raw);
	}
	table_print(&t_invalid, "decoded, but capstone cannot decode", 40);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: corpus_check [--raw] [--verbose N] "
		"[--sample K --seed S] FILE... | -l LISTFILE | --fuzz N\n");
	exit(2);
}

static void walk_list(csh h, cs_insn *ci, const char *list, int raw)
{
	FILE *f = fopen(list, "r");
	char line[4096];

	if (!f) {
		fprintf(stderr, "corpus_check: cannot open %s\n", list);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			walk_file(h, ci, line, raw);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	int i, raw = 0, nfiles = 0;
	double pct;
	csh h;
	cs_insn *ci;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		fprintf(stderr, "corpus_check: capstone: cannot open\n");
		return 2;
	}
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	regmap_init(h);
	ci = cs_malloc(h);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--raw")) {
			raw = 1;
		} else if (!strcmp(argv[i], "--verbose") && i + 1 < argc) {
			verbose = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--sample") && i + 1 < argc) {
			sample_k = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			rng_state = strtoull(argv[++i], NULL, 0) | 1;
		} else if (!strcmp(argv[i], "--fuzz") && i + 1 < argc) {
			fuzz(h, ci, strtoul(argv[++i], NULL, 0), raw);
			nfiles++;
		} else if (!strcmp(argv[i], "-l") && i + 1 < argc) {
			walk_list(h, ci, argv[++i], raw);
			nfiles++;
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			walk_file(h, ci, argv[i], raw);
			nfiles++;
		}
	}
	if (!nfiles)
		usage();
	cs_free(ci, 1);
	cs_close(&h);

	printf("files: %lu read, %lu unreadable; %lu instructions, %lu bytes "
	       "capstone could not decode\n", files_done, files_bad, n_insns,
	       n_bad_bytes);
	printf("not counted: %lu %s, %lu %s, %lu %s\n",
	       n_excluded[1], excluded_why[1], n_excluded[2], excluded_why[2],
	       n_excluded[3], excluded_why[3]);
	table_print(&t_mnem_bad, "disagreements (incl. unhandled) by mnemonic",
		    verbose ? 1000 : 60);
	table_print(&t_bad, "disagreements by mnemonic and reason",
		    verbose ? 1000 : 60);
	table_print(&t_unhandled, "forms the decoder does not handle",
		    verbose ? 1000 : 80);
	table_print(&t_fix, "capstone 4.0.2 corrections applied", 100);
	table_print(&t_nocs, "not decodable by capstone 4.0.2, decoded here "
		    "(not counted; check with objdump -d)", 40);
	printf("checked: %zu distinct mnemonics\n", t_mnem_all.used);
	if (verbose)
		table_print(&t_mnem_all, "checked instructions by mnemonic",
			    1000);
	printf("unhandled: %lu; MMIO accessor forms: %lu, %lu disagree\n",
	       st.unhandled, st.accessor, st.accessor_bad);
	pct = st.selected ? 100.0 * st.agree / st.selected : 0.0;
	/* truncate, do not round up to 99.90 */
	pct = (double)(long)(pct * 100) / 100;
	printf("decoder: %lu/%lu memory instructions agree with capstone "
	       "(%.2f%%)\n", st.agree, st.selected, pct);
	if (!st.selected || pct < 99.9 || st.accessor_bad)
		return 1;
	return 0;
}
