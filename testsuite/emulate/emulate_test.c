// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_test - runtime/mmio_emulate.c against the CPU.
 *
 * For every instruction form, and several register states per form:
 *  (a) the real instruction runs on the host CPU (tramp.S) with a full
 *      register state (16 GPRs, rsp included, the RFLAGS status bits and
 *      DF, ymm0-15 or xmm0-15 without AVX), its memory operand pointed into
 *      a scratch page S (base/index registers set for it; RIP-relative and
 *      absolute forms get a displacement that lands there: the code and
 *      the pages are at fixed addresses below 2 GiB), a string op's other
 *      side in a second page M;
 *  (b) mmio_emulate() starts from the same state, with the device being a
 *      copy of S (mmio_env_dev_*) and ordinary memory a copy of M
 *      (mmio_env_mem_*), every access recorded;
 *  (c) every general and vector register (all 32 bytes of each ymm), the
 *      status flags and DF, ip (past the instruction, or at it for an
 *      interrupted REP), the bytes of S and M, and the device accesses
 *      (direction, address, width = the instruction's element width, one
 *      per element, a read then a write for the RMW forms) are compared,
 *      and every GPR the CPU changed must be in mmio_insn_data_regs().
 * Besides: a fault address anywhere inside the operand is accepted, one
 * byte before it is refused (MMIO_EMU_EA_MISMATCH, nothing touched); REP
 * string ops with counts 0/1/n, DF=1, the device on either side, a device
 * range ending mid-way (the CPU reference is the same REP with rcx = the
 * elements that fit, then rcx and ip as the emulator must leave them), and
 * the other side's memory failing at the first element (MMIO_EMU_NO_MEM,
 * nothing touched) or a later one.
 *
 * Forms: generated ones (every GPR as data, base and index, every width,
 * high-byte registers with and without REX, immediates, sign/zero
 * extension edge values, vector registers 0-15 in legacy, VEX.128 and
 * VEX.256 forms), and with --corpus-list every distinct emulated form
 * (bytes modulo displacement and immediate) of the lab kernel's driver
 * modules, found by a linear capstone sweep.
 *
 * Not weak: each of these deliberate breaks, made one at a time and
 * reverted, failed forms of the generated set alone (identical/6864):
 *   emulator: a 32-bit GPR write keeping bits 63:32 (6099), sign
 *   extension ignored (6384), VEX.128 loads keeping bits 255:128 (6672),
 *   DF ignored by string ops (6840), the device range ignored by REP
 *   (6852), no MMIO_EMU_NO_MEM on the first element (6860), CMPXCHG's
 *   outcome swapped (6516), AF dropped from the native flags (5145), MOVBE
 *   not swapping (6384), a load into ah written to al (6837), a store from
 *   ah taken from al (6829), the fault address required to be the
 *   operand's first byte (1563);
 *   harness: the emulator's r10 started from the CPU's r9 (0).
 * and, once the ALU forms were in (of 20233): ADC computed as ADD
 * (19642), a shift by CL done by 1 (17513), TEST writing back (19653),
 * rcx missing from a REP string op's mmio_insn_data_regs() (20221);
 * with RIP-relative and absolute modes (of 27625): RIP-relative taken
 * from the instruction's start instead of its end (23737); with BT* imm
 * (of 28987): BTR done as BTS (28645).
 *
 * Output: per-form failures (bytes, case, what differs), then exactly
 *   emulate: A/B forms identical
 * Exit status 0 iff A == B and B > 0.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../runtime/mmio_emulate.h"

#ifdef WITH_CAPSTONE
#include <capstone/capstone.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#endif

/* ---- the CPU side (tramp.S) ---------------------------------------------- */

struct cpu_state {
	u64 gpr[16];
	u64 flags;
	u64 pad;
	u8 vec[16][32];
};

extern struct cpu_state emu_in, emu_out;
extern u64 emu_code, emu_have_avx;
extern void emu_run(void);
extern char emu_ret[];

#define S_BASE		0x10000000UL	/* the device page */
#define M_BASE		0x10004000UL	/* a string op's other side */
#define C_BASE		0x10008000UL	/* the code */
#define PAGE		4096

#define FL_STATUS	0x8d5
#define FL_DF		0x400
#define FL_CMP		(FL_STATUS | FL_DF)

static u8 *spage = (u8 *)S_BASE, *mpage = (u8 *)M_BASE;
static u8 *cpage = (u8 *)C_BASE;
static int have_avx, have_avx2, have_sse41, have_movbe;
static sigjmp_buf fault_jmp;
static volatile int fault_sig;

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/* ---- random numbers: fixed seed -------------------------------------------- */

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rnd_fill(u8 *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

/* ---- the emulator's environment ------------------------------------------ */

struct acc {
	unsigned int dir, width;
	unsigned long addr;
};

struct mmio_env {
	u8 dev[PAGE];		/* the device: a copy of S */
	u8 mem[PAGE];		/* ordinary memory: a copy of M */
	unsigned long range_lo, range_hi;
	int mem_fail_from;	/* mem_check fails from this call on, -1 never */
	int mem_checks;
	u8 vec[16][32];
	struct acc acc[64];
	int nacc;
	char err[160];
};

static void env_err(struct mmio_env *env, const char *what,
		    unsigned long addr, unsigned int len)
{
	if (!env->err[0])
		snprintf(env->err, sizeof(env->err), "%s at %#lx len %u", what,
			 addr, len);
}

static u8 *dev_ptr(struct mmio_env *env, unsigned long addr, unsigned int w)
{
	if (addr < S_BASE || addr + w > S_BASE + PAGE) {
		env_err(env, "device access outside S", addr, w);
		return NULL;
	}
	return env->dev + (addr - S_BASE);
}

void mmio_env_dev_read(struct mmio_env *env, unsigned long addr,
		       unsigned int width, void *val)
{
	u8 *p = dev_ptr(env, addr, width);

	if (!mmio_env_dev_range(env, addr, width))
		env_err(env, "device read outside the range", addr, width);
	if (p)
		memcpy(val, p, width);
	else
		memset(val, 0, width);
}

void mmio_env_dev_write(struct mmio_env *env, unsigned long addr,
			unsigned int width, const void *val)
{
	u8 *p = dev_ptr(env, addr, width);

	if (!mmio_env_dev_range(env, addr, width))
		env_err(env, "device write outside the range", addr, width);
	if (p)
		memcpy(p, val, width);
}

int mmio_env_dev_range(struct mmio_env *env, unsigned long addr,
		       unsigned int width)
{
	return addr >= env->range_lo && addr + width <= env->range_hi;
}

static u8 *mem_ptr(struct mmio_env *env, unsigned long addr, unsigned int n)
{
	if (addr < M_BASE || addr + n > M_BASE + PAGE) {
		env_err(env, "memory access outside M", addr, n);
		return NULL;
	}
	return env->mem + (addr - M_BASE);
}

int mmio_env_mem_check(struct mmio_env *env, unsigned long addr,
		       unsigned int len, int write)
{
	(void)write;
	if (env->mem_fail_from >= 0 && env->mem_checks++ >= env->mem_fail_from)
		return -1;
	return mem_ptr(env, addr, len) ? 0 : -1;
}

int mmio_env_mem_read(struct mmio_env *env, unsigned long addr, void *buf,
		      unsigned int len)
{
	u8 *p = mem_ptr(env, addr, len);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int mmio_env_mem_write(struct mmio_env *env, unsigned long addr,
		       const void *buf, unsigned int len)
{
	u8 *p = mem_ptr(env, addr, len);

	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

int mmio_env_vec_get(struct mmio_env *env, unsigned int reg, u8 val[32])
{
	if (reg >= 16)
		return -1;
	memcpy(val, env->vec[reg], 32);
	return 0;
}

int mmio_env_vec_set(struct mmio_env *env, unsigned int reg,
		     const u8 val[32], enum mmio_vec_write how)
{
	if (reg >= 16)
		return -1;
	switch (how) {
	case MMIO_VEC_MERGE:
		memcpy(env->vec[reg], val, 16);
		break;
	case MMIO_VEC_ZERO_128:
		memcpy(env->vec[reg], val, 16);
		memset(env->vec[reg] + 16, 0, 16);
		break;
	case MMIO_VEC_ZERO_256:
		memcpy(env->vec[reg], val, 32);
		break;
	}
	return 0;
}

int mmio_env_access(struct mmio_env *env, unsigned int dir,
		    unsigned long addr, unsigned int width, void *val)
{
	(void)val;
	if (env->nacc < 64)
		env->acc[env->nacc] = (struct acc){ dir, width, addr };
	env->nacc++;
	return 0;
}

int mmio_env_read_skip(struct mmio_env *env, unsigned long addr,
		       unsigned int width, void *val)
{
	(void)env; (void)addr; (void)width; (void)val;
	return 0;
}

/* ---- forms and cases ----------------------------------------------------- */

struct form {
	u8 b[16];
	unsigned int len;
	int disp_off, disp_size;	/* rewritable displacement, or -1 */
	int moffs_off;			/* A0-A3 address, or -1 */
	char name[64];
	int corpus;			/* from the driver corpus */
};

/* What one case sets up beyond the random state. */
struct setup {
	int df;				/* string ops: DF */
	u64 count;			/* REP: rcx */
	int dev_si;			/* MOVS: the device is [rsi] */
	u64 fit;			/* REP: elements in the device range */
	int mem_fail;			/* mem_check fails from element N */
	int fault_in;			/* fault address: offset in operand */
	int expect_ea_mismatch;
};

static unsigned int forms_tested, forms_ok, cases_run, cases_skipped;
static unsigned int cases_per_form = 8;
static int verbose;

static void print_bytes(const struct form *f)
{
	unsigned int i;

	for (i = 0; i < f->len; i++)
		printf("%s%02x", i ? " " : "", f->b[i]);
}

static int form_failed;

static void failf(const struct form *f, int casen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void failf(const struct form *f, int casen, const char *fmt, ...)
{
	va_list ap;

	if (form_failed++ >= 3)
		return;
	printf("FAIL: %s [", f->name);
	print_bytes(f);
	printf("] case %d: ", casen);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Edge values for the operand in memory and the registers. */
static void edge_fill(u8 *p, unsigned int w, int k)
{
	unsigned int i;

	switch (k % 6) {
	case 0:
		memset(p, 0xff, w);
		break;
	case 1:		/* most negative */
		memset(p, 0, w);
		p[w - 1] = 0x80;
		break;
	case 2:		/* most positive */
		memset(p, 0xff, w);
		p[w - 1] = 0x7f;
		break;
	case 3:		/* 0x80 in each byte: 8-bit sign edges */
		for (i = 0; i < w; i++)
			p[i] = i & 1 ? 0x7f : 0x80;
		break;
	case 4:
		memset(p, 0, w);
		if (w > 1)
			p[1] = 0x80;	/* 0x8000 */
		break;
	default:
		rnd_fill(p, w);
		break;
	}
}

static u64 edge_value(int k)
{
	static const u64 v[] = {
		0xffffffffffffffffULL, 0x8000000000000000ULL,
		0x7fffffffffffffffULL, 0x0000000080000000ULL,
		0x0000000000008000ULL, 0x0000000000000080ULL,
		0x000000007fffffffULL, 0xffffffff7fffff7fULL,
	};
	return v[k & 7];
}

/*
 * Point the memory operand of @in at @t: base/index registers (@regs) and
 * the displacement/moffs bytes (@f->b) are adjusted.  Returns the address
 * the operand really has (t or a little above), or 0 when impossible.
 */
static u64 aim(struct form *f, const struct mmio_insn *in, u64 *regs, u64 t,
	       unsigned int align)
{
	s64 d = in->ea_disp;
	u64 next = C_BASE + f->len;
	int b = in->ea_base, x = in->ea_index, s = in->ea_scale;
	int tries;

	if (!in->modrm_mem) {		/* moffs */
		if (f->moffs_off < 0)
			return 0;
		memcpy(f->b + f->moffs_off, &t, 8);
		return t;
	}
	if (b == MMIO_EA_RIP || (b == MMIO_EA_NONE && x == MMIO_EA_NONE)) {
		s64 nd = b == MMIO_EA_RIP ? (s64)(t - next) : (s64)t;
		int32_t d32 = nd;

		if (f->disp_size != 4)
			return 0;
		memcpy(f->b + f->disp_off, &d32, 4);
		return t;
	}
	/*
	 * An index with no base (or the same register as the base) must
	 * divide t - disp: move a rewritable displacement to make it so.
	 */
	if (x != MMIO_EA_NONE && (b == MMIO_EA_NONE || b == x) &&
	    f->disp_size > 0) {
		s64 m = b == x ? s + 1 : s, rem = (s64)(t - d) % m;
		s64 lim = f->disp_size == 1 ? 127 : 0x7fffffff;

		if (rem && d + rem <= lim)
			d += rem;
		else if (rem)
			d -= m - rem;
		if (f->disp_size == 1) {
			int8_t d8 = d;

			memcpy(f->b + f->disp_off, &d8, 1);
		} else {
			int32_t d32 = d;

			memcpy(f->b + f->disp_off, &d32, 4);
		}
	}
	for (tries = 0; tries < 64; tries++, t += align) {
		u64 rest = t - d;

		if (x == MMIO_EA_NONE) {
			regs[b] = rest;
			return t;
		}
		if (b == MMIO_EA_NONE) {
			if (rest % s)
				continue;
			regs[x] = rest / s;
			return t;
		}
		if (b == x) {
			if (rest % (s + 1))
				continue;
			regs[b] = rest / (s + 1);
			return t;
		}
		regs[x] = (u64)((s64)(rnd() % 128) - 64);
		regs[b] = rest - regs[x] * s;
		return t;
	}
	return 0;
}

static int is_string(const struct mmio_insn *in)
{
	return in->string_op != MMIO_STR_NONE;
}

static int is_rmw(const struct mmio_insn *in)
{
	return (in->access & MMIO_ACC_READ) && (in->access & MMIO_ACC_WRITE) &&
	       !is_string(in);
}

static int vec_form(const struct mmio_insn *in)
{
	return in->src_kind == MMIO_OPND_VEC || in->dst_kind == MMIO_OPND_VEC;
}

/* Run the code in the code page on the CPU; 0, or the signal. */
static int cpu_run(const struct cpu_state *st, struct cpu_state *out)
{
	emu_in = *st;
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1)) {
		asm volatile("cld");
		return fault_sig;
	}
	emu_run();
	*out = emu_out;
	return 0;
}

static void put_code(const struct form *f)
{
	static const u8 jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 };
	u64 ret = (u64)(uintptr_t)emu_ret;

	memcpy(cpage, f->b, f->len);
	memcpy(cpage + f->len, jmp, 6);
	memcpy(cpage + f->len + 6, &ret, 8);
	__builtin___clear_cache((char *)cpage, (char *)cpage + 64);
}

/* One case of a form being run: its setup, both runs, what they did. */
struct run {
	struct form fm;			/* the form (aim() may rewrite it) */
	struct form *f;
	int casen;
	const struct setup *su;
	struct mmio_insn in;
	struct cpu_state st, cpu;	/* before; after the CPU's run */
	struct mmio_regs r;		/* after the emulator's run */
	u8 s0[PAGE], m0[PAGE];		/* the pages before */
	u64 t;				/* the operand (first element) */
	u64 elems, cpu_count;		/* elements; those the CPU may do */
	unsigned int w;
	int interrupted;		/* REP stopped early by the emulator */
};

static struct mmio_env env;

/* A string form's registers: the first element at dev, with DF the others
 * below it. */
static void case_setup_string(struct run *c)
{
	u64 n = (c->in.flags & MMIO_INSN_REP) ? c->su->count : 1;
	u64 dev, oth;

	c->st.flags = (c->st.flags & ~FL_DF) | (c->su->df ? FL_DF : 0);
	dev = S_BASE + 1024 + (rnd() % 512);
	oth = M_BASE + 1024 + (rnd() % 512);
	if (c->in.string_op == MMIO_STR_MOVS) {
		c->st.gpr[6] = c->su->dev_si ? dev : oth;
		c->st.gpr[7] = c->su->dev_si ? oth : dev;
	} else if (c->in.string_op == MMIO_STR_STOS) {
		c->st.gpr[7] = dev;
	} else {
		c->st.gpr[6] = dev;
	}
	if (c->in.flags & MMIO_INSN_REP)
		c->st.gpr[1] = c->su->count;
	c->t = dev;
	c->elems = n;
}

/* Any other form: its operand aimed into the device page.  1 set up, 0 a
 * difference, -1 skipped. */
static int case_setup_operand(struct run *c)
{
	struct mmio_regs tmp = { .ip = C_BASE };
	unsigned int align = 1;
	u64 want = S_BASE + 256 + (rnd() % 2048);

	if (vec_form(&c->in))
		align = c->w >= 16 ? c->w : 1;
	if (align > 1)
		want &= ~(u64)(align - 1);
	c->t = aim(c->f, &c->in, c->st.gpr, want, align);
	if (!c->t || c->t < S_BASE || c->t + c->w > S_BASE + PAGE)
		return -1;
	/* the forms' own values at the operand: edges */
	edge_fill(spage + (c->t - S_BASE), c->w, c->casen);
	/* CMPXCHG: equal half of the time */
	if (c->in.dst_kind == MMIO_OPND_CMPXCHG_AX && (c->casen & 2) &&
	    c->in.ea_base != 0 && c->in.ea_index != 0)
		memcpy(&c->st.gpr[0], spage + (c->t - S_BASE), c->w);
	if (mmio_decode(c->f->b, c->f->len, &c->in))
		return -1;
	memcpy(tmp.gpr, c->st.gpr, sizeof(tmp.gpr));
	if (mmio_insn_ea(&c->in, &tmp) != c->t) {
		failf(c->f, c->casen, "mmio_insn_ea is not the operand");
		return 0;
	}
	return 1;
}

/* Random state, the operand placed.  1 set up, 0 a difference, -1
 * skipped. */
static int case_setup(struct run *c)
{
	unsigned int i;

	if (mmio_decode(c->f->b, c->f->len, &c->in)) {
		failf(c->f, c->casen, "does not decode");
		return 0;
	}
	c->w = c->in.width;
	for (i = 0; i < 16; i++)
		c->st.gpr[i] = rnd();
	if (c->casen & 1)
		for (i = 0; i < 16; i++)
			c->st.gpr[i] = edge_value(c->casen / 2 + i);
	c->st.flags = 0x2 | (rnd() & FL_STATUS);
	c->st.pad = 0;
	rnd_fill(&c->st.vec[0][0], sizeof(c->st.vec));
	rnd_fill(spage, PAGE);
	rnd_fill(mpage, PAGE);
	c->elems = 1;
	if (is_string(&c->in)) {
		case_setup_string(c);
		return 1;
	}
	return case_setup_operand(c);
}

/* What case_env() leaves in an emulator register the instruction skips. */
static u64 poison_gpr(unsigned int i)
{
	return 0xdead5ec0de000000ULL ^ ((u64)i << 40) ^ (i * 0x1010101ULL);
}

/* The emulator's environment (the same bytes as the CPU's) and registers;
 * a REP form stopped early by a short device range or a failing memory
 * check is let run by the CPU as far as the emulator may go. */
static void case_env(struct run *c)
{
	const struct setup *su = c->su;
	int rep = is_string(&c->in) && (c->in.flags & MMIO_INSN_REP);

	memset(&env, 0, sizeof(env));
	memcpy(env.dev, spage, PAGE);
	memcpy(env.mem, mpage, PAGE);
	memcpy(c->s0, spage, PAGE);
	memcpy(c->m0, mpage, PAGE);
	memcpy(env.vec, c->st.vec, sizeof(c->st.vec));
	env.range_lo = S_BASE;
	env.range_hi = S_BASE + PAGE;
	env.mem_fail_from = -1;
	c->cpu_count = c->elems;
	if (rep && c->elems && su->fit && su->fit < c->elems) {
		/* the device range holds @fit elements */
		if (c->st.flags & FL_DF) {
			env.range_lo = c->t - (su->fit - 1) * c->w;
			env.range_hi = c->t + c->w;
		} else {
			env.range_lo = c->t;
			env.range_hi = c->t + su->fit * c->w;
		}
		c->cpu_count = su->fit;
		c->interrupted = 1;
	}
	if (rep && c->elems && su->mem_fail > 0 &&
	    (u64)su->mem_fail < c->cpu_count &&
	    c->in.string_op == MMIO_STR_MOVS) {
		env.mem_fail_from = su->mem_fail;
		c->cpu_count = su->mem_fail;
		c->interrupted = 1;
	}
	if (is_string(&c->in) && su->mem_fail == 0 &&
	    c->in.string_op == MMIO_STR_MOVS && c->elems)
		env.mem_fail_from = 0;
	/*
	 * As the kernel loads them: only the registers the emulator says it
	 * may read (mmio_insn_regs_used()); the others hold garbage, which a
	 * wrong answer would let into a value, an address or a register.
	 */
	for (unsigned int i = 0; i < 16; i++)
		c->r.gpr[i] = mmio_insn_regs_used(&c->in) & (1u << i) ?
			      c->st.gpr[i] : poison_gpr(i);
	c->r.ip = C_BASE;
	c->r.flags = c->st.flags;
}

/* The emulator's registers are as case_env() loaded them. */
static int regs_untouched(const struct run *c)
{
	for (unsigned int i = 0; i < 16; i++)
		if (c->r.gpr[i] != (mmio_insn_regs_used(&c->in) & (1u << i) ?
				    c->st.gpr[i] : poison_gpr(i)))
			return 0;
	return 1;
}

/* A case the emulator must refuse: it did, and touched nothing. */
static int case_refused(struct run *c, int ret)
{
	int want = c->su->expect_ea_mismatch ? MMIO_EMU_EA_MISMATCH :
		   MMIO_EMU_NO_MEM;

	if (ret != want) {
		failf(c->f, c->casen, "returned %d, not %d", ret, want);
		return 0;
	}
	if (env.nacc || !regs_untouched(c) || c->r.ip != C_BASE || c->r.flags != c->st.flags ||
	    memcmp(env.vec, c->st.vec, sizeof(c->st.vec)) ||
	    memcmp(env.dev, c->s0, PAGE) || memcmp(env.mem, c->m0, PAGE)) {
		failf(c->f, c->casen, "refused (%d) but touched something",
		      ret);
		return 0;
	}
	return 1;
}

/* The general registers, rflags and rip after both runs. */
static int case_compare_regs(struct run *c)
{
	struct form *f = c->f;
	unsigned int i;

	/*
	 * compare what the kernel keeps: it copies back only the registers
	 * the emulator says it wrote (mmio_regs.written)
	 */
	for (i = 0; i < 16; i++)
		if (!(c->r.written & (1U << i)))
			c->r.gpr[i] = c->st.gpr[i];
	for (i = 0; i < 16; i++)
		if (c->r.gpr[i] != c->cpu.gpr[i]) {
			failf(f, c->casen, "%s: cpu %#" PRIx64 " emulator %#"
			      PRIx64 " (before %#" PRIx64 ")", gpr_names[i],
			      c->cpu.gpr[i], c->r.gpr[i], c->st.gpr[i]);
			return 0;
		}
	/* every register the CPU changed is one mmio_insn_data_regs() names */
	for (i = 0; i < 16; i++)
		if (c->cpu.gpr[i] != c->st.gpr[i] &&
		    !(mmio_insn_data_regs(&c->in) & (1u << i))) {
			failf(f, c->casen, "%s changed, not in mmio_insn_data_regs"
			      " %#x", gpr_names[i], mmio_insn_data_regs(&c->in));
			return 0;
		}
	if ((c->r.flags & FL_CMP) != (c->cpu.flags & FL_CMP)) {
		failf(f, c->casen, "rflags: cpu %#" PRIx64 " emulator %#" PRIx64
		      " (before %#" PRIx64 ")", c->cpu.flags & FL_CMP,
		      c->r.flags & FL_CMP, c->st.flags & FL_CMP);
		return 0;
	}
	if (c->r.ip != (c->interrupted ? C_BASE : C_BASE + f->len)) {
		failf(f, c->casen, "ip: %#" PRIx64 ", want %#lx", c->r.ip,
		      c->interrupted ? C_BASE : C_BASE + f->len);
		return 0;
	}
	return 1;
}

/* The vector registers and both pages after both runs. */
static int case_compare_memory(struct run *c)
{
	unsigned int i, n = have_avx ? 32 : 16;

	for (i = 0; i < 16; i++) {
		if (memcmp(env.vec[i], c->cpu.vec[i], n)) {
			unsigned int j;

			for (j = 0; j < n && env.vec[i][j] == c->cpu.vec[i][j];)
				j++;
			failf(c->f, c->casen, "%cmm%u byte %u: cpu %02x emulator "
			      "%02x (before %02x)", have_avx ? 'y' : 'x', i, j,
			      c->cpu.vec[i][j], env.vec[i][j], c->st.vec[i][j]);
			return 0;
		}
	}
	if (memcmp(env.dev, spage, PAGE) || memcmp(env.mem, mpage, PAGE)) {
		int dv = memcmp(env.dev, spage, PAGE) != 0;
		u8 *a = dv ? env.dev : env.mem, *b = dv ? spage : mpage;

		for (i = 0; a[i] == b[i]; i++)
			;
		failf(c->f, c->casen, "%s byte %#x: cpu %02x emulator %02x",
		      dv ? "device page" : "memory page", i, b[i], a[i]);
		return 0;
	}
	return 1;
}

/* The emulator's device accesses: the ones the instruction makes. */
static int case_compare_accesses(struct run *c)
{
	unsigned int want = is_string(&c->in) ? c->cpu_count :
			    is_rmw(&c->in) ? 2 : 1;
	unsigned int i, w = c->w;

	if ((unsigned int)env.nacc != want) {
		failf(c->f, c->casen, "%d device accesses, want %u",
		      env.nacc, want);
		return 0;
	}
	for (i = 0; i < want && i < 64; i++) {
		const struct acc *a = &env.acc[i];
		unsigned int dir;
		u64 at = c->t;

		if (is_string(&c->in)) {
			at = (c->st.flags & FL_DF) ? c->t - (u64)i * w :
				c->t + (u64)i * w;
			dir = c->in.string_op == MMIO_STR_STOS ||
			      (c->in.string_op == MMIO_STR_MOVS &&
			       !c->su->dev_si) ? MMIO_ACC_WRITE :
					      MMIO_ACC_READ;
		} else if (is_rmw(&c->in)) {
			dir = i ? MMIO_ACC_WRITE : MMIO_ACC_READ;
		} else {
			dir = c->in.access;
		}
		if (a->width != w || a->addr != at || a->dir != dir) {
			failf(c->f, c->casen, "access %u: dir %u addr %#lx "
			      "width %u, want %u %#" PRIx64 " %u", i,
			      a->dir, a->addr, a->width, dir, at, w);
			return 0;
		}
	}
	return 1;
}

/*
 * One case of a form: the emulator and the CPU run it from the same
 * state.  Returns 1 when they matched, 0 on a difference, -1 when the
 * case could not be set up (skipped).
 */
static int run_case(struct form *f0, int casen, const struct setup *su)
{
	static struct run c;
	unsigned long fault;
	int ret, sig;

	memset(&c, 0, sizeof(c));
	c.fm = *f0;
	c.f = &c.fm;
	c.casen = casen;
	c.su = su;
	ret = case_setup(&c);
	if (ret != 1)
		return ret;
	fault = c.t + (su->fault_in % c.w);
	if (su->expect_ea_mismatch)
		fault = c.t - 1;
	case_env(&c);

	ret = mmio_emulate(&c.in, &c.r, fault, &env);
	cases_run++;
	if (env.err[0]) {
		failf(c.f, casen, "environment: %s", env.err);
		return 0;
	}
	if (su->expect_ea_mismatch || env.mem_fail_from == 0)
		return case_refused(&c, ret);
	if (ret != MMIO_EMU_OK) {
		failf(c.f, casen, "mmio_emulate returned %d", ret);
		return 0;
	}

	/* the CPU, with rcx = what the emulator could do */
	if (is_string(&c.in) && (c.in.flags & MMIO_INSN_REP))
		c.st.gpr[1] = c.cpu_count;
	put_code(c.f);
	sig = cpu_run(&c.st, &c.cpu);
	if (sig) {
		failf(c.f, casen, "the CPU took signal %d (harness setup)", sig);
		return 0;
	}
	if (c.interrupted)
		c.cpu.gpr[1] += c.elems - c.cpu_count;
	return case_compare_regs(&c) && case_compare_memory(&c) &&
	       case_compare_accesses(&c);
}

/* All cases of a form; counts it. */
static void test_form(struct form *f)
{
	struct mmio_insn in;
	int k, ok = 1, ran = 0;

	form_failed = 0;
	if (mmio_decode(f->b, f->len, &in) || !mmio_emulate_supported(&in)) {
		printf("FAIL: %s [", f->name);
		print_bytes(f);
		printf("]: not decoded or not supported\n");
		forms_tested++;
		return;
	}
	for (k = 0; k < (int)cases_per_form; k++) {
		struct setup su = { .fault_in = (int)(rnd() & 63) };
		int rc;

		if (k == 0)
			su.fault_in = 0;
		if (is_string(&in)) {
			static const u64 counts[] = { 1, 3, 7, 0, 2, 5, 8, 4 };

			su.count = counts[k % 8];
			su.df = (k >> 1) & 1;
			su.dev_si = k & 1;
			su.mem_fail = -1;
			if (in.string_op == MMIO_STR_LODS)
				su.dev_si = 1;
			if ((in.flags & MMIO_INSN_REP) && k >= 8 && su.count > 1)
				su.fit = 1 + rnd() % (su.count - 1);
			if ((in.flags & MMIO_INSN_REP) && k >= 16 &&
			    su.count > 1)
				su.mem_fail = rnd() % su.count;
		}
		rc = run_case(f, k, &su);
		if (rc == 0)
			ok = 0;
		if (rc >= 0)
			ran++;
		else
			cases_skipped++;
		if (k == 1 && !is_string(&in)) {
			/* one byte before the operand: refused */
			struct setup bad = { .expect_ea_mismatch = 1 };

			if (run_case(f, 100, &bad) == 0)
				ok = 0;
		}
	}
	forms_tested++;
	if (!ran) {
		printf("FAIL: %s [", f->name);
		print_bytes(f);
		printf("]: no case could be set up\n");
		return;
	}
	if (ok)
		forms_ok++;
	else if (verbose)
		printf("  (%s: %d cases)\n", f->name, ran);
}

/* ---- generated forms ---------------------------------------------------- */

struct gen {
	const char *pfx;	/* legacy prefixes (bytes, 0-terminated) */
	int w;			/* REX.W */
	int rex;		/* force a REX prefix */
	int vex;		/* 0, or 1 for VEX */
	int vl, vpp, vmap;	/* VEX.L, pp, map */
	const u8 *op;		/* opcode bytes (with 0f/0f38/0f3a) */
	int oplen;
	int reg;		/* ModRM.reg, 0..15 */
	int base, index, scale;	/* 0..15 or -1 */
	int dispsz;		/* 0, 1, 4 */
	int immsz;
	u64 imm;
	int moffs;		/* A0-A3: 8-byte address, no ModRM */
};

/* Encode; returns the form (length 0 when impossible). */
static struct form encode(const struct gen *g, const char *name)
{
	struct form f = { .disp_off = -1, .moffs_off = -1 };
	u8 *p = f.b;
	int R = (g->reg >> 3) & 1, X = 0, B = 0, mod, rm, sib = -1;
	int base = g->base, index = g->index, dsz = g->dispsz;
	const char *q;
	int i;

	snprintf(f.name, sizeof(f.name), "%s", name);
	if (!g->moffs) {
		if (index == 4)
			return (struct form){ .len = 0 };
		if (base >= 0 && (base & 7) == 5 && dsz == 0)
			dsz = 1;
		if (base == -2) {		/* RIP-relative */
			rm = 5;
			dsz = 4;
		} else if (index >= 0 || base < 0 || (base & 7) == 4) {
			rm = 4;
			sib = ((index >= 0 ? index & 7 : 4) << 3) |
			      (base >= 0 ? base & 7 : 5);
			sib |= (g->scale == 8 ? 3 : g->scale == 4 ? 2 :
				g->scale == 2 ? 1 : 0) << 6;
			X = index >= 0 ? (index >> 3) & 1 : 0;
			if (base < 0)
				dsz = 4;
		} else {
			rm = base & 7;
		}
		B = base >= 0 ? (base >> 3) & 1 : 0;
		mod = base < 0 ? 0 : dsz == 1 ? 1 : dsz == 4 ? 2 : 0;
		if (base == -2)
			sib = -1;
	} else {
		mod = rm = 0;
	}
	for (q = g->pfx; q && *q; q++)
		*p++ = (u8)*q;
	if (g->vex) {
		if (!X && !B && !g->w && g->vmap == 1) {
			*p++ = 0xc5;
			*p++ = (!R << 7) | (0xf << 3) | (g->vl << 2) | g->vpp;
		} else {
			*p++ = 0xc4;
			*p++ = (!R << 7) | (!X << 6) | (!B << 5) | g->vmap;
			*p++ = (g->w << 7) | (0xf << 3) | (g->vl << 2) |
			       g->vpp;
		}
	} else if (g->w || R || X || B || g->rex) {
		*p++ = 0x40 | (g->w << 3) | (R << 2) | (X << 1) | B;
	}
	for (i = 0; i < g->oplen; i++)
		*p++ = g->op[i];
	if (g->moffs) {
		f.moffs_off = p - f.b;
		memset(p, 0, 8);
		p += 8;
	} else {
		*p++ = (mod << 6) | ((g->reg & 7) << 3) | rm;
		if (sib >= 0)
			*p++ = sib;
		if (dsz) {
			u64 d = rnd();

			f.disp_off = p - f.b;
			f.disp_size = dsz;
			/* a displacement the address can absorb */
			d = dsz == 1 ? (u8)(rnd() % 256) :
				(u32)((int32_t)(rnd() % 0x20000) - 0x10000);
			memcpy(p, &d, dsz);
			p += dsz;
		}
	}
	memcpy(p, &g->imm, g->immsz);
	p += g->immsz;
	f.len = p - f.b;
	return f;
}

static void gen_test(const struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void gen_test(const struct gen *g, const char *fmt, ...)
{
	char name[64];
	struct form f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	f = encode(g, name);
	if (!f.len)
		return;
	test_form(&f);
}

/*
 * Addressing modes to sweep with register @r: base, base + disp8, base +
 * index * scale + disp32, index * scale + disp32, base + base * scale +
 * disp8, RIP + disp32, disp32.  rsp is swept like the others (as data and
 * as base; it cannot be an index): the trampoline loads and saves it
 * without using the stack.
 */
static void addr_mode(struct gen *g, int r, int m)
{
	static const int scales[4] = { 1, 2, 4, 8 };

	g->base = g->index = -1;
	g->scale = 1;
	g->dispsz = 0;
	switch (m % 7) {
	case 5:
		g->base = -2;		/* [rip + disp32] */
		break;
	case 6:
		g->dispsz = 4;		/* [disp32]: no base, no index */
		break;
	case 0:
		g->base = r;
		break;
	case 1:
		g->base = r;
		g->dispsz = 1;
		break;
	case 2:
		g->base = (r + 5) & 15;
		g->index = r == 4 ? 12 : r;
		g->scale = scales[(r + m) & 3];
		g->dispsz = 4;
		break;
	case 3:
		g->index = r == 4 ? 5 : r;
		g->scale = scales[r & 3];
		break;
	default:
		g->base = r;
		g->index = r == 4 ? 12 : r;
		g->scale = scales[(r >> 2) & 3];
		g->dispsz = 1;
		break;
	}
}

#define OP(...)	.op = (const u8[]){ __VA_ARGS__ }, \
		.oplen = sizeof((u8[]){ __VA_ARGS__ })

struct gpr_op {
	const char *name;
	u8 op[3];
	int oplen;
	int byte;		/* byte register operand */
	int widths;		/* bit 0: 16 (66), 1: 32, 2: 64 (REX.W) */
	int reg_digit;		/* -1, or the /digit */
	int imm;		/* immediate size: 1, or 4 (2 with 66) */
	int lockable;
};

static const struct gpr_op gpr_ops[] = {
	{ "mov st8", { 0x88 }, 1, 1, 0, -1, 0, 0 },
	{ "mov st", { 0x89 }, 1, 0, 7, -1, 0, 0 },
	{ "mov ld8", { 0x8a }, 1, 1, 0, -1, 0, 0 },
	{ "mov ld", { 0x8b }, 1, 0, 7, -1, 0, 0 },
	{ "mov imm8", { 0xc6 }, 1, 1, 0, 0, 1, 0 },
	{ "mov imm", { 0xc7 }, 1, 0, 7, 0, 4, 0 },
	{ "movsxd", { 0x63 }, 1, 0, 7, -1, 0, 0 },
	{ "movzx b", { 0x0f, 0xb6 }, 2, 0, 7, -1, 0, 0 },
	{ "movzx w", { 0x0f, 0xb7 }, 2, 0, 7, -1, 0, 0 },
	{ "movsx b", { 0x0f, 0xbe }, 2, 0, 7, -1, 0, 0 },
	{ "movsx w", { 0x0f, 0xbf }, 2, 0, 7, -1, 0, 0 },
	{ "movnti", { 0x0f, 0xc3 }, 2, 0, 6, -1, 0, 0 },
	{ "movbe ld", { 0x0f, 0x38, 0xf0 }, 3, 0, 7, -1, 0, 0 },
	{ "movbe st", { 0x0f, 0x38, 0xf1 }, 3, 0, 7, -1, 0, 0 },
	{ "xchg8", { 0x86 }, 1, 1, 0, -1, 0, 1 },
	{ "xchg", { 0x87 }, 1, 0, 7, -1, 0, 1 },
	{ "cmpxchg8", { 0x0f, 0xb0 }, 2, 1, 0, -1, 0, 1 },
	{ "cmpxchg", { 0x0f, 0xb1 }, 2, 0, 7, -1, 0, 1 },
	{ "xadd8", { 0x0f, 0xc0 }, 2, 1, 0, -1, 0, 1 },
	{ "xadd", { 0x0f, 0xc1 }, 2, 0, 7, -1, 0, 1 },
	{ "not8", { 0xf6 }, 1, 1, 0, 2, 0, 1 },
	{ "not", { 0xf7 }, 1, 0, 7, 2, 0, 1 },
	{ "neg8", { 0xf6 }, 1, 1, 0, 3, 0, 1 },
	{ "neg", { 0xf7 }, 1, 0, 7, 3, 0, 1 },
	{ "inc8", { 0xfe }, 1, 1, 0, 0, 0, 1 },
	{ "inc", { 0xff }, 1, 0, 7, 0, 0, 1 },
	{ "dec8", { 0xfe }, 1, 1, 0, 1, 0, 1 },
	{ "dec", { 0xff }, 1, 0, 7, 1, 0, 1 },
	{ "test8 imm", { 0xf6 }, 1, 1, 0, 0, 1, 0 },
	{ "test imm", { 0xf7 }, 1, 0, 7, 0, 4, 0 },
	{ "test8 imm /1", { 0xf6 }, 1, 1, 0, 1, 1, 0 },
#define ALU(n, d) \
	{ n "8 imm", { 0x80 }, 1, 1, 0, d, 1, d < 7 }, \
	{ n " imm", { 0x81 }, 1, 0, 7, d, 4, d < 7 }, \
	{ n " imm8", { 0x83 }, 1, 0, 7, d, 1, d < 7 }
	ALU("add", 0), ALU("or", 1), ALU("adc", 2), ALU("sbb", 3),
	ALU("and", 4), ALU("sub", 5), ALU("xor", 6), ALU("cmp", 7),
#undef ALU
	/* with a register: r/m OP r (00, 01), r OP r/m (02, 03) */
#define ALUR(n, b, lock) \
	{ n "8 m,r", { b }, 1, 1, 0, -1, 0, lock }, \
	{ n " m,r", { b + 1 }, 1, 0, 7, -1, 0, lock }, \
	{ n "8 r,m", { b + 2 }, 1, 1, 0, -1, 0, 0 }, \
	{ n " r,m", { b + 3 }, 1, 0, 7, -1, 0, 0 }
	ALUR("add", 0x00, 1), ALUR("or", 0x08, 1), ALUR("adc", 0x10, 1),
	ALUR("sbb", 0x18, 1), ALUR("and", 0x20, 1), ALUR("sub", 0x28, 1),
	ALUR("xor", 0x30, 1), ALUR("cmp", 0x38, 0),
#undef ALUR
	{ "test8 m,r", { 0x84 }, 1, 1, 0, -1, 0, 0 },
	{ "test m,r", { 0x85 }, 1, 0, 7, -1, 0, 0 },
	{ "bt imm", { 0x0f, 0xba }, 2, 0, 7, 4, 1, 0 },
	{ "bts imm", { 0x0f, 0xba }, 2, 0, 7, 5, 1, 1 },
	{ "btr imm", { 0x0f, 0xba }, 2, 0, 7, 6, 1, 1 },
	{ "btc imm", { 0x0f, 0xba }, 2, 0, 7, 7, 1, 1 },
#define SHIFT(n, d) \
	{ n "8 1", { 0xd0 }, 1, 1, 0, d, 0, 0 }, \
	{ n " 1", { 0xd1 }, 1, 0, 7, d, 0, 0 }, \
	{ n "8 cl", { 0xd2 }, 1, 1, 0, d, 0, 0 }, \
	{ n " cl", { 0xd3 }, 1, 0, 7, d, 0, 0 }, \
	{ n "8 imm", { 0xc0 }, 1, 1, 0, d, 1, 0 }, \
	{ n " imm", { 0xc1 }, 1, 0, 7, d, 1, 0 }
	SHIFT("rol", 0), SHIFT("ror", 1), SHIFT("rcl", 2), SHIFT("rcr", 3),
	SHIFT("shl", 4), SHIFT("shr", 5), SHIFT("sal", 6), SHIFT("sar", 7),
#undef SHIFT
};

static const char *const wname[3] = { "16", "32", "64" };

/* moffs: a0-a3, 8/16/32/64 */
static void gen_moffs_forms(void)
{
	unsigned int i;
	int wi;

	for (i = 0xa0; i <= 0xa3; i++) {
		for (wi = -1; wi < 3; wi++) {
			u8 op = i;
			struct gen g = { .op = &op, .oplen = 1, .moffs = 1 };
			char pfx[2] = { 0 };

			if ((i & 1) ? wi < 0 : wi >= 0)
				continue;
			if (wi == 0)
				pfx[0] = 0x66;
			g.pfx = pfx;
			g.w = wi == 2;
			gen_test(&g, "mov moffs %02x %s", i,
				 wi < 0 ? "8" : wname[wi]);
		}
	}
}

static void gen_gpr_forms(void)
{
	unsigned int i;
	int wi, r, m;

	for (i = 0; i < sizeof(gpr_ops) / sizeof(gpr_ops[0]); i++) {
		const struct gpr_op *o = &gpr_ops[i];

		if (o->op[0] == 0x0f && o->op[1] == 0x38 && !have_movbe)
			continue;
		for (wi = -1; wi < 3; wi++) {
			struct gen g = { .op = o->op, .oplen = o->oplen };
			char pfx[4] = { 0 };

			if (wi < 0 ? !o->byte : !(o->widths & (1 << wi)))
				continue;
			if (wi == 0)
				pfx[0] = 0x66;
			g.pfx = pfx;
			g.w = wi == 2;
			g.immsz = o->imm == 4 && wi == 0 ? 2 : o->imm;
			for (r = 0; r < 16; r++) {
				for (m = 0; m < 7; m++) {
					int rex;

					addr_mode(&g, (r * 7 + m) & 15, m);
					g.reg = o->reg_digit >= 0 ?
						o->reg_digit : r;
					g.imm = rnd();
					if (o->imm) {
						/* immediates: edge values */
						g.imm = m & 1 ? edge_value(r) :
							g.imm;
						/* shift counts, bit offsets */
						if (((o->op[0] & 0xfe) == 0xc0 ||
						     o->op[1] == 0xba) && m == 2)
							g.imm = r * 5;
					}
					for (rex = 0; rex < 2; rex++) {
						/* byte regs 4-7: ah.. or spl.. */
						if (rex && !(o->byte && wi < 0 &&
							     r >= 4 && r < 8))
							continue;
						g.rex = rex;
						gen_test(&g, "%s%s r%d m%d%s",
							 o->name,
							 wi < 0 ? "" :
							 wname[wi], r, m,
							 rex ? " rex" : "");
					}
					if (o->lockable && m == 0 && r < 2) {
						char lp[4] = { (char)0xf0 };

						if (pfx[0])
							lp[1] = pfx[0];
						g.pfx = lp;
						gen_test(&g, "lock %s%s r%d",
							 o->name, wi < 0 ? "" :
							 wname[wi], r);
						g.pfx = pfx;
					}
				}
			}
		}
	}
	gen_moffs_forms();
}

static void gen_string_forms(void)
{
	static const u8 ops[] = { 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad };
	unsigned int i, saved = cases_per_form;
	int wi, rep;

	cases_per_form = 24;
	for (i = 0; i < sizeof(ops); i++) {
		for (wi = -1; wi < 3; wi++) {
			for (rep = 0; rep < 2; rep++) {
				struct gen g = { .op = &ops[i], .oplen = 1 };
				char pfx[3] = { 0 };
				struct form f = { .disp_off = -1,
						  .moffs_off = -1 };
				u8 *p = f.b;
				const char *q;

				if ((ops[i] & 1) ? wi < 0 : wi >= 0)
					continue;
				if (rep)
					pfx[0] = 0xf3;
				if (wi == 0)
					pfx[rep] = 0x66;
				for (q = pfx; *q; q++)
					*p++ = *q;
				if (wi == 2)
					*p++ = 0x48;
				*p++ = ops[i];
				f.len = p - f.b;
				(void)g;
				snprintf(f.name, sizeof(f.name), "%s%s %d",
					 rep ? "rep " : "",
					 ops[i] < 0xaa ? "movs" :
					 ops[i] < 0xac ? "stos" : "lods",
					 wi < 0 ? 8 : 16 << wi);
				test_form(&f);
			}
		}
	}
	cases_per_form = saved;
}

struct vec_op {
	const char *name;
	u8 pfx;			/* 0, 0x66, 0xf3, 0xf2 */
	u8 map;			/* 1 0f, 2 0f38, 3 0f3a */
	u8 op;
	int w;			/* REX.W / VEX.W */
	int leg, vex128, vex256;
	int imm;		/* has an imm8: lanes to sweep */
	int need;		/* 1: sse4.1, 2: avx2 */
};

static const struct vec_op vec_ops[] = {
	{ "movups ld", 0, 1, 0x10, 0, 1, 1, 1, 0, 0 },
	{ "movups st", 0, 1, 0x11, 0, 1, 1, 1, 0, 0 },
	{ "movupd ld", 0x66, 1, 0x10, 0, 1, 1, 1, 0, 0 },
	{ "movupd st", 0x66, 1, 0x11, 0, 1, 1, 1, 0, 0 },
	{ "movss ld", 0xf3, 1, 0x10, 0, 1, 1, 0, 0, 0 },
	{ "movss st", 0xf3, 1, 0x11, 0, 1, 1, 0, 0, 0 },
	{ "movsd ld", 0xf2, 1, 0x10, 0, 1, 1, 0, 0, 0 },
	{ "movsd st", 0xf2, 1, 0x11, 0, 1, 1, 0, 0, 0 },
	{ "movlps ld", 0, 1, 0x12, 0, 1, 0, 0, 0, 0 },
	{ "movlps st", 0, 1, 0x13, 0, 1, 1, 0, 0, 0 },
	{ "movlpd ld", 0x66, 1, 0x12, 0, 1, 0, 0, 0, 0 },
	{ "movlpd st", 0x66, 1, 0x13, 0, 1, 1, 0, 0, 0 },
	{ "movhps ld", 0, 1, 0x16, 0, 1, 0, 0, 0, 0 },
	{ "movhps st", 0, 1, 0x17, 0, 1, 1, 0, 0, 0 },
	{ "movhpd ld", 0x66, 1, 0x16, 0, 1, 0, 0, 0, 0 },
	{ "movhpd st", 0x66, 1, 0x17, 0, 1, 1, 0, 0, 0 },
	{ "movaps ld", 0, 1, 0x28, 0, 1, 1, 1, 0, 0 },
	{ "movaps st", 0, 1, 0x29, 0, 1, 1, 1, 0, 0 },
	{ "movapd ld", 0x66, 1, 0x28, 0, 1, 1, 1, 0, 0 },
	{ "movapd st", 0x66, 1, 0x29, 0, 1, 1, 1, 0, 0 },
	{ "movntps", 0, 1, 0x2b, 0, 1, 1, 1, 0, 0 },
	{ "movntpd", 0x66, 1, 0x2b, 0, 1, 1, 1, 0, 0 },
	{ "movd ld", 0x66, 1, 0x6e, 0, 1, 1, 0, 0, 0 },
	{ "movq ld", 0x66, 1, 0x6e, 1, 1, 1, 0, 0, 0 },
	{ "movd st", 0x66, 1, 0x7e, 0, 1, 1, 0, 0, 0 },
	{ "movq st", 0x66, 1, 0x7e, 1, 1, 1, 0, 0, 0 },
	{ "movq ld f3", 0xf3, 1, 0x7e, 0, 1, 1, 0, 0, 0 },
	{ "movq st d6", 0x66, 1, 0xd6, 0, 1, 1, 0, 0, 0 },
	{ "movdqa ld", 0x66, 1, 0x6f, 0, 1, 1, 1, 0, 0 },
	{ "movdqa st", 0x66, 1, 0x7f, 0, 1, 1, 1, 0, 0 },
	{ "movdqu ld", 0xf3, 1, 0x6f, 0, 1, 1, 1, 0, 0 },
	{ "movdqu st", 0xf3, 1, 0x7f, 0, 1, 1, 1, 0, 0 },
	{ "movntdq", 0x66, 1, 0xe7, 0, 1, 1, 1, 0, 0 },
	{ "movntdqa", 0x66, 2, 0x2a, 0, 1, 1, 0, 0, 1 },
	{ "movntdqa256", 0x66, 2, 0x2a, 0, 0, 0, 1, 0, 2 },
	{ "pinsrw", 0x66, 1, 0xc4, 0, 1, 0, 0, 8, 0 },
	{ "pinsrb", 0x66, 3, 0x20, 0, 1, 0, 0, 16, 1 },
	{ "pinsrd", 0x66, 3, 0x22, 0, 1, 0, 0, 4, 1 },
	{ "pinsrq", 0x66, 3, 0x22, 1, 1, 0, 0, 2, 1 },
	{ "pextrb", 0x66, 3, 0x14, 0, 1, 1, 0, 16, 1 },
	{ "pextrw", 0x66, 3, 0x15, 0, 1, 1, 0, 8, 1 },
	{ "pextrd", 0x66, 3, 0x16, 0, 1, 1, 0, 4, 1 },
	{ "pextrq", 0x66, 3, 0x16, 1, 1, 1, 0, 2, 1 },
	{ "extractps", 0x66, 3, 0x17, 0, 1, 1, 0, 4, 1 },
	/* the upper lane (imm 1) is refused: see refused_forms */
	{ "vextractf128", 0x66, 3, 0x19, 0, 0, 0, 1, 1, 0 },
	{ "vextracti128", 0x66, 3, 0x39, 0, 0, 0, 1, 1, 2 },
};

static void gen_vec_forms(void)
{
	static const u8 pp[256] = { [0x66] = 1, [0xf3] = 2, [0xf2] = 3 };
	unsigned int i;
	int enc, r, m, lane;

	for (i = 0; i < sizeof(vec_ops) / sizeof(vec_ops[0]); i++) {
		const struct vec_op *o = &vec_ops[i];
		u8 opb[3];
		int n = 0;

		if ((o->need == 1 && !have_sse41) || (o->need == 2 && !have_avx2))
			continue;
		for (enc = 0; enc < 3; enc++) {
			struct gen g = { 0 };
			char pfx[2] = { 0 };

			if (enc == 0 ? !o->leg : enc == 1 ? !o->vex128 :
			    !o->vex256)
				continue;
			if (enc && !have_avx)
				continue;
			n = 0;
			if (enc == 0) {
				pfx[0] = o->pfx;
				opb[n++] = 0x0f;
				if (o->map == 2)
					opb[n++] = 0x38;
				if (o->map == 3)
					opb[n++] = 0x3a;
			} else {
				g.vex = 1;
				g.vl = enc == 2;
				g.vpp = pp[o->pfx];
				g.vmap = o->map;
			}
			opb[n++] = o->op;
			g.pfx = pfx;
			g.op = opb;
			g.oplen = n;
			g.w = o->w;
			g.immsz = o->imm ? 1 : 0;
			for (r = 0; r < 16; r++) {
				m = r % 7;
				addr_mode(&g, (r * 5 + 3) & 15, m);
				g.reg = r;
				lane = o->imm ? (int)(rnd() % o->imm) : 0;
				if (o->op == 0x22 || o->op == 0x16 ||
				    o->op == 0x17 || o->op == 0x14 ||
				    o->op == 0x15 || o->op == 0x20 ||
				    o->op == 0xc4 || o->op == 0x19 ||
				    o->op == 0x39)
					g.imm = lane;
				gen_test(&g, "%s%s xmm%d m%d", enc == 0 ? "" :
					 enc == 1 ? "v128 " : "v256 ", o->name,
					 r, m);
			}
		}
	}
}

/*
 * Forms the emulator must refuse (MMIO_EMU_UNSUPPORTED, nothing touched):
 * they decode, but are not emulated or cannot be emulated exactly.
 */
static const struct {
	const char *name;
	u8 b[15];
	unsigned int n;
} refused_forms[] = {
#define REF(nm, ...) { nm, { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ }) }
	REF("mov eax, fs:[rdi]", 0x64, 0x8b, 0x07),
	REF("mov eax, gs:[rdi]", 0x65, 0x8b, 0x07),
	REF("mov eax, [edi] (addr32)", 0x67, 0x8b, 0x07),
	REF("lock shl dword [rdi], 1 (#UD)", 0xf0, 0xd1, 0x27),
	REF("lock cmp dword [rdi], 1 (#UD)", 0xf0, 0x83, 0x3f, 0x01),
	REF("lock cmp [rdi], eax (#UD)", 0xf0, 0x39, 0x07),
	REF("lock add eax, [rdi] (#UD)", 0xf0, 0x03, 0x07),
	REF("bts [rdi], eax", 0x0f, 0xab, 0x07),
	REF("cmovz eax, [rdi]", 0x0f, 0x44, 0x07),
	REF("push qword [rdi]", 0xff, 0x37),
	REF("pop qword [rdi]", 0x8f, 0x07),
	REF("setz [rdi]", 0x0f, 0x94, 0x07),
	REF("cmpxchg8b [rdi]", 0x0f, 0xc7, 0x0f),
	REF("rep cmpsb", 0xf3, 0xa6),
	REF("repne scasb", 0xf2, 0xae),
	REF("rep insb", 0xf3, 0x6c),
	REF("outsb", 0x6e),
	REF("repne movsb (f2)", 0xf2, 0xa4),
	REF("vmovlps xmm0, xmm1, [rdi] (vvvv)", 0xc5, 0xf0, 0x12, 0x07),
	REF("vpinsrd xmm0, xmm1, [rdi], 1", 0xc4, 0xe3, 0x71, 0x22, 0x07, 0x01),
	REF("vextractf128 [rdi], ymm0, 1", 0xc4, 0xe3, 0x7d, 0x19, 0x07, 0x01),
	REF("insertps xmm0, [rdi], 0x10", 0x66, 0x0f, 0x3a, 0x21, 0x07, 0x10),
	REF("vmovdqu32 zmm0, [rdi] (evex)", 0x62, 0xf1, 0x7e, 0x48, 0x6f, 0x07),
	REF("movdqu8 xmm0{k1}, [rdi]", 0x62, 0xf1, 0x7f, 0x09, 0x6f, 0x07),
	REF("movdir64b rax, [rdi]", 0x66, 0x0f, 0x38, 0xf8, 0x07),
	REF("movdiri [rdi], eax", 0x0f, 0x38, 0xf9, 0x07),
	REF("movq mm0, [rdi] (mmx)", 0x0f, 0x6e, 0x07),
	REF("addps xmm0, [rdi]", 0x0f, 0x58, 0x07),
	REF("crc32 eax, byte [rdi]", 0xf2, 0x0f, 0x38, 0xf0, 0x07),
#undef REF
};

static void test_refused(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(refused_forms) / sizeof(refused_forms[0]); i++) {
		static struct mmio_env env;
		struct mmio_insn in;
		struct mmio_regs r, r0;
		int ret, ok = 1;

		forms_tested++;
		memset(&env, 0, sizeof(env));
		env.range_lo = S_BASE;
		env.range_hi = S_BASE + PAGE;
		env.mem_fail_from = -1;
		for (ret = 0; ret < 16; ret++)
			r.gpr[ret] = S_BASE + 64;
		r.ip = C_BASE;
		r.flags = 0x2;
		r.written = 0;
		r0 = r;
		if (mmio_decode(refused_forms[i].b, refused_forms[i].n, &in)) {
			/* the decoder refuses it: not ours to emulate */
			forms_ok++;
			continue;
		}
		if (mmio_emulate_supported(&in))
			ok = 0;
		ret = mmio_emulate(&in, &r, S_BASE + 64, &env);
		if (ret != MMIO_EMU_UNSUPPORTED || env.nacc ||
		    memcmp(&r, &r0, sizeof(r)))
			ok = 0;
		if (ok)
			forms_ok++;
		else
			printf("FAIL: refused form %s: supported %d, returned "
			       "%d, %d accesses\n", refused_forms[i].name,
			       mmio_emulate_supported(&in), ret, env.nacc);
	}
}

/* ---- the driver corpus -------------------------------------------------- */

#ifdef WITH_CAPSTONE
struct fset {
	u8 (*key)[16];
	size_t cap, used;
};

static u64 key_hash(const u8 *k)
{
	u64 h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ k[i]) * 1099511628211ULL;
	return h;
}

/* 1 if new (inserted). */
static int fset_add(struct fset *s, const u8 *k)
{
	size_t i;

	if (s->used * 2 >= s->cap) {
		struct fset n = { .cap = s->cap ? s->cap * 2 : 4096 };

		n.key = calloc(n.cap, 16);
		for (i = 0; i < s->cap; i++) {
			static const u8 zero[16];

			if (memcmp(s->key[i], zero, 16))
				fset_add(&n, s->key[i]);
		}
		free(s->key);
		*s = n;
	}
	for (i = key_hash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		static const u8 zero[16];

		if (!memcmp(s->key[i], k, 16))
			return 0;
		if (!memcmp(s->key[i], zero, 16)) {
			memcpy(s->key[i], k, 16);
			s->used++;
			return 1;
		}
	}
}

static struct form *corpus;
static size_t ncorpus, corpus_cap;
static unsigned long corpus_insns, corpus_emulated, ea_disagree;

static int cs_reg16(unsigned int r)
{
	static const unsigned int r64[16] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
		X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
		X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
		X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
	};
	int i;

	if (r == X86_REG_INVALID)
		return MMIO_EA_NONE;
	if (r == X86_REG_RIP)
		return MMIO_EA_RIP;
	for (i = 0; i < 16; i++)
		if (r == r64[i])
			return i;
	return -1;
}

/*
 * Where the ModRM byte of @b is (legacy prefixes, REX, VEX, 0f/0f38/0f3a),
 * and the displacement after it: capstone 4's encoding offsets are not
 * reliable with a 66 prefix.  Everything from the displacement on (the
 * immediate follows it) is left out of the dedupe key.
 */
static int modrm_at(const u8 *b, unsigned int len)
{
	unsigned int i = 0;

	while (i < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 ||
			   b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
			   b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 ||
			   b[i] == 0x64 || b[i] == 0x65 ||
			   (b[i] & 0xf0) == 0x40))
		i++;
	if (i < len && b[i] == 0xc5)
		return i + 3;
	if (i + 1 < len && b[i] == 0xc4)
		return i + 4;
	if (i < len && b[i] == 0x0f) {
		if (i + 1 < len && (b[i + 1] == 0x38 || b[i + 1] == 0x3a))
			return i + 3;
		return i + 2;
	}
	return i + 1;
}

static void form_disp(struct form *f)
{
	unsigned int m = modrm_at(f->b, f->len), mod, rm, at;

	if (m >= f->len)
		return;
	mod = f->b[m] >> 6;
	rm = f->b[m] & 7;
	at = m + 1;
	if (rm == 4 && mod != 3) {
		if (mod == 0 && at < f->len && (f->b[at] & 7) == 5)
			mod = 2;
		at++;
	} else if (mod == 0 && rm == 5) {
		mod = 2;
	}
	f->disp_off = at;
	f->disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
}

/* Decoded but not emulated, by mnemonic (reported, not a failure). */
static struct {
	const char *name;
	unsigned long n;
} refused_by[96];
static unsigned long corpus_refused;

static void refused_count(const struct mmio_insn *in)
{
	const char *name = mmio_decode_mnemonic(in);
	unsigned int i;

	if (in->xflags & MMIO_XF_FSGS)
		name = "(fs/gs)";		/* per-CPU data, not MMIO */
	else if (in->flags & MMIO_INSN_EVEX)
		name = "(evex)";

	corpus_refused++;
	for (i = 0; i < 96 && refused_by[i].name; i++)
		if (refused_by[i].name == name)
			break;
	if (i < 96) {
		refused_by[i].name = name;
		refused_by[i].n++;
	}
}

static int refused_cmp(const void *a, const void *b)
{
	const typeof(refused_by[0]) *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static void corpus_insn(csh h, struct fset *seen, const u8 *code,
			size_t avail)
{
	struct mmio_insn in;
	cs_insn *ci;
	struct form f = { .disp_off = -1, .moffs_off = -1, .corpus = 1 };
	u8 key[16];
	size_t n;
	int i;

	if (mmio_decode(code, avail, &in))
		return;
	if (!mmio_emulate_supported(&in)) {
		refused_count(&in);
		return;
	}
	corpus_emulated++;
	memset(key, 0, sizeof(key));
	memcpy(f.b, code, in.length);
	f.len = in.length;
	if (in.modrm_mem) {
		form_disp(&f);
		memcpy(key, code, f.disp_off);
	} else {
		memcpy(key, code, in.length);
		f.moffs_off = in.length - 8;
		memset(key + f.moffs_off, 0, 8);
	}
	key[15] = in.length;
	if (!fset_add(seen, key))
		return;
	n = cs_disasm(h, code, in.length, 0, 1, &ci);
	if (!n)
		return;
	{
		cs_x86 *x = &ci->detail->x86;
		/* the decoder's address fields, against capstone */
		for (i = 0; i < x->op_count && !in.string_op; i++) {
			const cs_x86_op *op = &x->operands[i];

			if (op->type != X86_OP_MEM)
				continue;
			if (in.ea_base != cs_reg16(op->mem.base) ||
			    in.ea_index != cs_reg16(op->mem.index) ||
			    (in.ea_index != MMIO_EA_NONE &&
			     in.ea_scale != op->mem.scale) ||
			    in.ea_disp != op->mem.disp) {
				if (ea_disagree++ < 5)
					printf("ea disagrees with capstone: "
					       "%s %s\n", ci->mnemonic,
					       ci->op_str);
			}
			break;
		}
		{
			snprintf(f.name, sizeof(f.name), "corpus %.20s %.36s",
				 ci->mnemonic, ci->op_str);
			if (ncorpus == corpus_cap) {
				corpus_cap = corpus_cap ? corpus_cap * 2 :
					1024;
				corpus = realloc(corpus,
						 corpus_cap * sizeof(*corpus));
			}
			corpus[ncorpus++] = f;
		}
	}
	cs_free(ci, n);
}

static void corpus_file(csh h, csh hd, struct fset *seen, const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat stb;
	u8 *base;
	int fd, i;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &stb) || stb.st_size < (off_t)sizeof(*eh)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	base = mmap(NULL, stb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return;
	eh = (const void *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		goto out;
	sh = (const void *)(base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const u8 *code;
		size_t size;
		uint64_t addr = 0;
		cs_insn *ci = cs_malloc(h);

		if (sh[i].sh_type != SHT_PROGBITS ||
		    !(sh[i].sh_flags & SHF_EXECINSTR) ||
		    sh[i].sh_offset + sh[i].sh_size > (u64)stb.st_size) {
			cs_free(ci, 1);
			continue;
		}
		code = base + sh[i].sh_offset;
		size = sh[i].sh_size;
		while (size) {
			const u8 *at = code;
			size_t left = size;

			if (!cs_disasm_iter(h, &code, &size, &addr, ci)) {
				code++;
				size--;
				addr++;
				continue;
			}
			corpus_insns++;
			corpus_insn(hd, seen, at, left < 15 ? left : 15);
		}
		cs_free(ci, 1);
	}
out:
	munmap(base, stb.st_size);
}

static int corpus_load(const char *list)
{
	struct fset seen = { 0 };
	char line[4096];
	csh h, hd;
	FILE *fp = fopen(list, "r");
	unsigned int files = 0;

	if (!fp)
		return -1;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_64, &hd) != CS_ERR_OK)
		return -1;
	cs_option(hd, CS_OPT_DETAIL, CS_OPT_ON);
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0]) {
			corpus_file(h, hd, &seen, line);
			files++;
		}
	}
	fclose(fp);
	cs_close(&h);
	cs_close(&hd);
	free(seen.key);
	printf("emulate: corpus: %u files, %lu instructions, %lu emulated "
	       "memory instructions, %zu distinct forms\n", files,
	       corpus_insns, corpus_emulated, ncorpus);
	if (ea_disagree)
		printf("emulate: corpus: %lu address fields disagree with "
		       "capstone\n", ea_disagree);
	qsort(refused_by, 96, sizeof(refused_by[0]), refused_cmp);
	printf("emulate: corpus: %lu decoded memory instructions not "
	       "emulated:", corpus_refused);
	for (files = 0; files < 12 && refused_by[files].n; files++)
		printf(" %s %lu", refused_by[files].name, refused_by[files].n);
	printf("\n");
	return 0;
}
#endif

/* ---- main --------------------------------------------------------------- */

static void *map_at(unsigned long addr)
{
	void *p = mmap((void *)addr, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		       0);

	if (p != (void *)addr) {
		fprintf(stderr, "emulate: cannot map a page at %#lx\n", addr);
		exit(2);
	}
	return p;
}

/* The pages at their fixed addresses, the fault handlers, the CPU's
 * features. */
static void host_setup(void)
{
	static u8 altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_fault,
				.sa_flags = SA_ONSTACK | SA_NODEFER };
	unsigned int a, b, c, d;

	map_at(S_BASE);
	map_at(M_BASE);
	map_at(C_BASE);
	sigaltstack(&ss, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	__builtin_cpu_init();
	have_avx = !!__builtin_cpu_supports("avx");
	have_avx2 = !!__builtin_cpu_supports("avx2");
	have_sse41 = !!__builtin_cpu_supports("sse4.1");
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	have_movbe = (c >> 22) & 1;
	emu_have_avx = have_avx;
	emu_code = C_BASE;
}

int main(int argc, char **argv)
{
	const char *list = NULL;
	unsigned int gen_ok, gen_tested;
	int i, corpus_untested = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--corpus-list") && i + 1 < argc)
			list = argv[++i];
		else if (!strcmp(argv[i], "--no-corpus"))
			corpus_untested = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else {
			fprintf(stderr, "usage: emulate_test [-v] "
				"[--corpus-list FILE | --no-corpus]\n");
			return 2;
		}
	}
	host_setup();
	printf("emulate: host: avx %d avx2 %d sse4.1 %d movbe %d%s\n",
	       have_avx, have_avx2, have_sse41, have_movbe,
	       have_avx ? "" : " (xmm only, no VEX forms)");

	gen_gpr_forms();
	gen_string_forms();
	gen_vec_forms();
	test_refused();
	gen_ok = forms_ok;
	gen_tested = forms_tested;
	printf("emulate: generated: %u/%u forms identical (%zu of them "
	       "refused forms)\n", gen_ok, gen_tested,
	       sizeof(refused_forms) / sizeof(refused_forms[0]));
#ifdef WITH_CAPSTONE
	if (list) {
		size_t k;
		unsigned int before_ok = forms_ok, before = forms_tested;

		if (corpus_load(list)) {
			printf("emulate: corpus: %s: cannot read\n", list);
			return 1;
		}
		cases_per_form = 6;
		for (k = 0; k < ncorpus; k++)
			test_form(&corpus[k]);
		printf("emulate: corpus: %u/%u forms identical\n",
		       forms_ok - before_ok, forms_tested - before);
		if (ea_disagree)
			forms_tested++;	/* a decoder failure counts */
	} else
#endif
	{
		(void)list;
		corpus_untested = 1;
	}
	if (corpus_untested)
		printf("emulate: corpus: UNTESTED (no lab driver modules)\n");
	printf("emulate: %u cases, %u skipped (address not reachable)\n",
	       cases_run, cases_skipped);
	printf("emulate: %u/%u forms identical\n", forms_ok, forms_tested);
	return forms_ok == forms_tested && forms_tested ? 0 : 1;
}
