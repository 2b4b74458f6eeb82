// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_exerciser - scripted MMIO accesses on QEMU test devices, for the
 * stap-mmio test suite.
 *
 * The module maps one test device and performs the accesses it is told
 * to, one command per write to /sys/kernel/debug/mmio_exerciser/cmd, and
 * records every access it made in .../log, one line per device access:
 *
 *	R|W WIDTH OFFSET VALUE ACCESSOR
 *
 * WIDTH is in bytes, OFFSET is from the start of the mapped BAR, VALUE is
 * the value that crossed the bus (for the big-endian accessors that is the
 * byte-swapped CPU value), ACCESSOR is the kernel function used.  Lines
 * starting with '#' are notes: "# cmd: COMMAND" before the accesses of
 * each command, map, unmap, loop timings, errors.  String
 * operations are logged as the accesses the x86-64 implementation makes:
 * memcpy_toio()/memcpy_fromio() use MOVSB/MOVSW to align, REP MOVSL, then
 * MOVSW/MOVSB for the tail; memset_io() is memset(): REP STOSB on CPUs
 * with fast short REP STOSB, otherwise 8-byte stores and a byte tail.
 *
 * Targets:
 *   edu	QEMU "edu" (PCI 1234:11e8, BAR0 1 MiB), bound as our pci_driver
 *		and mapped with pci_iomap().  It accepts 4- and 8-byte accesses.
 *   sdhci	QEMU "sdhci-pci" (PCI 1b36:0007, BAR0 256 bytes), found with
 *		pci_get_device() and mapped with ioremap() without binding, so
 *		the guest's own sdhci-pci driver may map it too.  It accepts
 *		1-, 2- and 4-byte accesses.
 *
 * Writes are only allowed to registers without side effects (see the
 * writable windows below), and accesses only in widths the device takes
 * and naturally aligned (memset_io() can make an unaligned 8-byte store),
 * unless the module is loaded with unsafe=1.
 *
 * Commands (numbers in C syntax, 0x... for hex):
 *   map | unmap | target edu|sdhci | clear (empties the log)
 *   ACCESSOR OFF [VAL]	readb..readq, writeb..writeq, the _relaxed and
 *			__raw_ forms, ioread8/16/32, iowrite8/16/32,
 *			ioread16be/32be, iowrite16be/32be, ioread64_lo_hi,
 *			iowrite64_lo_hi; aliases r8..r64, w8..w64,
 *			raw_r8..raw_r64, raw_w8..raw_w64
 *   toio OFF LEN SEED	memcpy_toio() of pattern bytes
 *   fromio OFF LEN	memcpy_fromio()
 *   memset OFF BYTE LEN	memset_io()
 *   rep_w8|16|32 OFF COUNT SEED	iowriteN_rep() of pattern values
 *   rep_r8|16|32 OFF COUNT		ioreadN_rep()
 *   loop N		N times: writel(i) then readl() of the target's
 *			scratch register; logs "# loop N OFF ns=T"; calls
 *			cond_resched() every 1024 pairs
 *   burst N		the same without ever yielding the CPU (a tracer's
 *			consumer cannot drain while it runs on this CPU);
 *			logs "# burst N OFF ns=T"; N is at most EX_BURST_MAX
 *   seq		the target's standard sequence (see edu_seq/sdhci_seq)
 *   rmw KIND OFF [VAL]	one read-modify-write instruction on the register
 *			at OFF: KIND is or32|or64 (lock or VAL, register
 *			source), ori32|ori64 (lock or $0x5a0, immediate),
 *			add32|add64 (add VAL, not locked), inc32|inc64,
 *			xchg32|xchg64 (xchg with VAL), xadd32|xadd64 (lock
 *			xadd VAL).  The device sees a read then a write;
 *			both are logged ("R" then "W", accessor lock_orl,
 *			addq, xchgl, ...).  xchg and xadd return the value
 *			read; for the others the exerciser first reads the
 *			register with readl/readq (logged too) and logs the
 *			RMW's read as that value: only registers that read
 *			back the same value twice qualify (edu: 0x04, 0x80..
 *			0x97, 0x100..; not 0x08).  VAL defaults to 0x10.
 *   smp NITER K [NTHREADS]
 *			NTHREADS kthreads (default: one per online CPU, at
 *			most EX_SMP_MAX), thread S bound to the S-th online
 *			CPU, all released at once on the same edu page; each
 *			does NITER iterations of: writel((S+1)<<24|I) and
 *			readl() of its own register (edu_smp_regs[S]),
 *			memcpy_toio() of 32 pattern bytes (seed S<<16|I) to
 *			0x100+0x40*S, memcpy_fromio() of the 24 bytes at
 *			0x80, and every K-th iteration (K=0: never) one rmw
 *			on its register, the KIND cycling through the list
 *			above (32-bit).  Each thread logs into its own
 *			buffer; the command returns when all are done and
 *			appends their logs, thread by thread, every access
 *			line ending in " cpu=N" (the CPU that made it),
 *			then "# smp thread S cpu=N iterations=NITER ns=T".
 *			edu only.
 *   hammer OFF [ROFF]	starts one kthread that writel()s 1, 2, 3, ... to
 *			OFF (and readl()s ROFF after each write when given)
 *			until "hammer_stop"; returns at once.  Accesses are
 *			not logged one by one (the run is long): the values
 *			written are exactly 1..N.  The thread calls
 *			cond_resched() after each write (and read), then
 *			udelay(hammer_delay) when that is set.
 *   hammer_cpu N	bind the next hammer to CPU N (4294967295: unbound,
 *			the default)
 *   hammer_delay US	microseconds between iterations of the next
 *			hammer (default 0, at most 10000): keeps QEMU's trace
 *			of a long run to a manageable size
 *			"info" shows the value written last so far
 *			("hammer_writes N"), so a test can place an event
 *			of its own in the run.
 *   hammer_stop	stops it and logs "# hammer OFF writes=N last=N
 *			reads=M ROFF ns=T" (ROFF 0x0 and reads=0 without one)
 *
 * Pattern: byte I of the pattern with seed S is
 *	x = (u32)S * 2654435761 + I * 40503;  byte = (x >> 24) ^ (x & 0xff)
 * and the K-th WIDTH-byte value is built little-endian from bytes
 * K*WIDTH .. K*WIDTH+WIDTH-1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>	/* newer kernels define *64_lo_hi only here */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>

#define EX_LOG_SIZE		(4 * 1024 * 1024)
#define EX_CMD_MAX		256
#define EX_ARGS_MAX		6
#define EX_STRING_MAX		4096
#define EX_REP_MAX		1024
/*
 * A traced access costs up to ~60 us under QEMU TCG: 50000 pairs are
 * about 6 s without a reschedule, well inside the soft lockup (20 s) and
 * RCU stall (21 s) limits even on a loaded host.
 */
#define EX_BURST_MAX		50000
#define EX_SMP_MAX		4
#define EX_SMP_LOG_SIZE		(EX_LOG_SIZE / 4)

static bool map_at_load = true;
module_param(map_at_load, bool, 0444);
MODULE_PARM_DESC(map_at_load, "map the target when the module loads (default 1)");

static char *target = "edu";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "device to exercise: edu or sdhci (default edu)");

static bool unsafe;
module_param(unsafe, bool, 0444);
MODULE_PARM_DESC(unsafe, "allow any width and writes to registers with side effects");

/* A range of register offsets, [start, end). */
struct ex_window {
	u32 start;
	u32 end;
};

struct ex_target {
	const char *name;
	u16 vendor;
	u16 device;
	unsigned int widths;		/* BIT(n): n-byte accesses accepted */
	u32 loop_off;			/* 32-bit scratch register for loop */
	const struct ex_window *writable;
	unsigned int nr_writable;
	const char * const *seq;
	unsigned int nr_seq;
};

/*
 * edu: 0x04 liveness (reads back ~written), 0x08 factorial (starts a
 * computation, no interrupt unless 0x20 bit 7 is set), 0x80..0x97 DMA
 * source, destination and count (stored only; 0x98 would start the DMA),
 * 0x100.. unused (writes ignored, reads all ones).  0x20 (interrupt
 * enable), 0x60/0x64 (raise/ack interrupt) and 0x98 are not writable.
 */
static const struct ex_window edu_writable[] = {
	{ 0x04, 0x0c }, { 0x80, 0x98 }, { 0x100, 0x100000 },
};

/*
 * sdhci: 0x04 block size, 0x06 block count, 0x08 argument, 0x28 host
 * control, 0x29 power control.  All are plain registers in QEMU: they do
 * not start commands, transfers or DMA and raise no interrupt.
 */
static const struct ex_window sdhci_writable[] = {
	{ 0x04, 0x0c }, { 0x28, 0x2a },
};

/*
 * The standard sequences: every accessor and width the device accepts,
 * every written value distinct.  Reads of edu 0x04 return ~(last write),
 * edu 0x00 is the id 0x010000ed, edu 0x80..0x97 and sdhci 0x04..0x0b read
 * back what was written (sdhci 0x04 keeps its low 15 bits).
 */
static const char * const edu_seq[] = {
	"readl 0x00",
	"writel 0x04 0x12345678",		"readl 0x04",
	"writel_relaxed 0x04 0x23456789",	"readl_relaxed 0x04",
	"__raw_writel 0x04 0x3456789a",		"__raw_readl 0x04",
	"iowrite32 0x04 0x456789ab",		"ioread32 0x04",
	"iowrite32be 0x04 0x56789abc",		"ioread32be 0x04",
	"writeq 0x80 0x1122334455667788",	"readq 0x80",
	"writeq_relaxed 0x88 0x2233445566778899", "readq_relaxed 0x88",
	"__raw_writeq 0x90 0x33445566778899aa",	"__raw_readq 0x90",
	"iowrite64_lo_hi 0x80 0x445566778899aabb", "ioread64_lo_hi 0x80",
	"writel 0x88 0x6789abcd",		"readl 0x88",
	"readq 0x00",
	"readl 0x20",
	"toio 0x100 16 1",
	"fromio 0x80 16",
	"rep_w32 0x04 3 2",			"rep_r32 0x04 3",
	"readl 0x04",
};

static const char * const sdhci_seq[] = {
	"readl 0x40",
	"readw 0xfe",
	"writew 0x04 0x0123",			"readw 0x04",
	"writew 0x06 0x4567",			"readw 0x06",
	"writel 0x08 0x89abcdef",		"readl 0x08",
	"writeb 0x08 0x11",			"readb 0x08",
	"writeb_relaxed 0x09 0x22",		"readb_relaxed 0x09",
	"__raw_writeb 0x0a 0x33",		"__raw_readb 0x0a",
	"iowrite8 0x0b 0x44",			"ioread8 0x0b",
	"writew_relaxed 0x08 0x5566",		"readw_relaxed 0x08",
	"__raw_writew 0x0a 0x7788",		"__raw_readw 0x0a",
	"iowrite16 0x08 0x99aa",		"ioread16 0x08",
	"iowrite16be 0x0a 0xbbcc",		"ioread16be 0x0a",
	"writel_relaxed 0x08 0xddeeff01",	"readl_relaxed 0x08",
	"__raw_writel 0x08 0x02030405",		"__raw_readl 0x08",
	"iowrite32 0x08 0x06070809",		"ioread32 0x08",
	"writeb 0x28 0x02",			"readb 0x28",
	"toio 0x09 3 3",
	"fromio 0x05 3",
	"fromio 0x08 4",
	"memset 0x08 0x5a 4",			"readl 0x08",
	"rep_w8 0x08 3 4",			"rep_r8 0x08 3",
	"rep_w16 0x0a 2 5",			"rep_r16 0x0a 2",
};

enum { TARGET_EDU, TARGET_SDHCI, NR_TARGETS };

static const struct ex_target ex_targets[NR_TARGETS] = {
	[TARGET_EDU] = {
		.name = "edu", .vendor = 0x1234, .device = 0x11e8,
		.widths = BIT(4) | BIT(8), .loop_off = 0x04,
		.writable = edu_writable,
		.nr_writable = ARRAY_SIZE(edu_writable),
		.seq = edu_seq, .nr_seq = ARRAY_SIZE(edu_seq),
	},
	[TARGET_SDHCI] = {
		.name = "sdhci", .vendor = 0x1b36, .device = 0x0007,
		.widths = BIT(1) | BIT(2) | BIT(4), .loop_off = 0x08,
		.writable = sdhci_writable,
		.nr_writable = ARRAY_SIZE(sdhci_writable),
		.seq = sdhci_seq, .nr_seq = ARRAY_SIZE(sdhci_seq),
	},
};

/* Everything below is protected by ex_lock. */
static DEFINE_MUTEX(ex_lock);
static const struct ex_target *ex_cur = &ex_targets[TARGET_EDU];
static struct pci_dev *edu_pdev;	/* bound by our pci_driver */
static struct pci_dev *ex_pdev;		/* device of the current mapping */
static void __iomem *ex_base;
static resource_size_t ex_phys;
static resource_size_t ex_size;
static bool ex_enabled_by_us;		/* sdhci: we enabled its decoding */
/*
 * A log: the module's own (ex_mainlog, under ex_lock), or one per smp
 * thread (its thread's alone until the thread is done).
 */
struct ex_logbuf {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};
static struct ex_logbuf ex_mainlog;
static struct dentry *ex_dir;

static __printf(2, 0) void ex_vblogf(struct ex_logbuf *b, const char *fmt,
				     va_list args)
{
	size_t room;
	int n;

	if (b->full)
		return;
	room = b->size - b->len;
	n = vsnprintf(b->buf + b->len, room, fmt, args);
	if (n >= room - 32) {
		b->len += scnprintf(b->buf + b->len, b->size - b->len,
				    "# log full\n");
		b->full = true;
		return;
	}
	b->len += n;
}

static __printf(2, 3) void ex_blogf(struct ex_logbuf *b, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	ex_vblogf(b, fmt, args);
	va_end(args);
}

/* Appends a thread's log (vsnprintf's precision cannot take its size). */
static void ex_log_append(const char *text, size_t len)
{
	struct ex_logbuf *b = &ex_mainlog;

	if (b->full)
		return;
	if (len >= b->size - b->len - 32) {
		b->len += scnprintf(b->buf + b->len, b->size - b->len,
				    "# log full\n");
		b->full = true;
		return;
	}
	memcpy(b->buf + b->len, text, len);
	b->len += len;
}

static __printf(1, 2) void ex_logf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	ex_vblogf(&ex_mainlog, fmt, args);
	va_end(args);
}

/* One access line; with cpu >= 0, " cpu=N" at its end (smp threads). */
static void ex_blog_access(struct ex_logbuf *b, bool write, unsigned int width,
			   u32 off, u64 val, const char *accessor, int cpu)
{
	if (cpu >= 0)
		ex_blogf(b, "%c %u 0x%x 0x%llx %s cpu=%d\n", write ? 'W' : 'R',
			 width, off, val, accessor, cpu);
	else
		ex_blogf(b, "%c %u 0x%x 0x%llx %s\n", write ? 'W' : 'R',
			 width, off, val, accessor);
}

static void ex_log_access(bool write, unsigned int width, u32 off, u64 val,
			  const char *accessor)
{
	ex_blog_access(&ex_mainlog, write, width, off, val, accessor, -1);
}

/* ---- the accessors ---------------------------------------------------- */

#define EX_READER(fn)							\
static u64 rd_##fn(const void __iomem *addr)				\
{									\
	return fn(addr);						\
}

#define EX_WRITER(fn, type)						\
static void wr_##fn(u64 val, void __iomem *addr)			\
{									\
	fn((type)val, addr);						\
}

EX_READER(readb)
EX_READER(readw)
EX_READER(readl)
EX_READER(readq)
EX_READER(readb_relaxed)
EX_READER(readw_relaxed)
EX_READER(readl_relaxed)
EX_READER(readq_relaxed)
EX_READER(__raw_readb)
EX_READER(__raw_readw)
EX_READER(__raw_readl)
EX_READER(__raw_readq)
EX_READER(ioread8)
EX_READER(ioread16)
EX_READER(ioread32)
EX_READER(ioread16be)
EX_READER(ioread32be)
EX_READER(ioread64_lo_hi)
EX_WRITER(writeb, u8)
EX_WRITER(writew, u16)
EX_WRITER(writel, u32)
EX_WRITER(writeq, u64)
EX_WRITER(writeb_relaxed, u8)
EX_WRITER(writew_relaxed, u16)
EX_WRITER(writel_relaxed, u32)
EX_WRITER(writeq_relaxed, u64)
EX_WRITER(__raw_writeb, u8)
EX_WRITER(__raw_writew, u16)
EX_WRITER(__raw_writel, u32)
EX_WRITER(__raw_writeq, u64)
EX_WRITER(iowrite8, u8)
EX_WRITER(iowrite16, u16)
EX_WRITER(iowrite32, u32)
EX_WRITER(iowrite16be, u16)
EX_WRITER(iowrite32be, u32)
EX_WRITER(iowrite64_lo_hi, u64)

struct ex_accessor {
	const char *name;
	const char *alias;
	unsigned int width;
	bool big_endian;		/* bus value is the byte-swapped one */
	u64 (*read)(const void __iomem *addr);
	void (*write)(u64 val, void __iomem *addr);
};

#define RD(fn, w, al, be) \
	{ .name = #fn, .alias = al, .width = w, .big_endian = be, .read = rd_##fn }
#define WR(fn, w, al, be) \
	{ .name = #fn, .alias = al, .width = w, .big_endian = be, .write = wr_##fn }

static const struct ex_accessor ex_accessors[] = {
	RD(readb, 1, "r8", false),
	RD(readw, 2, "r16", false),
	RD(readl, 4, "r32", false),
	RD(readq, 8, "r64", false),
	WR(writeb, 1, "w8", false),
	WR(writew, 2, "w16", false),
	WR(writel, 4, "w32", false),
	WR(writeq, 8, "w64", false),
	RD(readb_relaxed, 1, NULL, false),
	RD(readw_relaxed, 2, NULL, false),
	RD(readl_relaxed, 4, NULL, false),
	RD(readq_relaxed, 8, NULL, false),
	WR(writeb_relaxed, 1, NULL, false),
	WR(writew_relaxed, 2, NULL, false),
	WR(writel_relaxed, 4, NULL, false),
	WR(writeq_relaxed, 8, NULL, false),
	RD(__raw_readb, 1, "raw_r8", false),
	RD(__raw_readw, 2, "raw_r16", false),
	RD(__raw_readl, 4, "raw_r32", false),
	RD(__raw_readq, 8, "raw_r64", false),
	WR(__raw_writeb, 1, "raw_w8", false),
	WR(__raw_writew, 2, "raw_w16", false),
	WR(__raw_writel, 4, "raw_w32", false),
	WR(__raw_writeq, 8, "raw_w64", false),
	RD(ioread8, 1, NULL, false),
	RD(ioread16, 2, NULL, false),
	RD(ioread32, 4, NULL, false),
	RD(ioread16be, 2, NULL, true),
	RD(ioread32be, 4, NULL, true),
	RD(ioread64_lo_hi, 8, NULL, false),
	WR(iowrite8, 1, NULL, false),
	WR(iowrite16, 2, NULL, false),
	WR(iowrite32, 4, NULL, false),
	WR(iowrite16be, 2, NULL, true),
	WR(iowrite32be, 4, NULL, true),
	WR(iowrite64_lo_hi, 8, NULL, false),
};

static const struct ex_accessor *ex_find_accessor(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ex_accessors); i++) {
		const struct ex_accessor *a = &ex_accessors[i];

		if (!strcmp(name, a->name) || (a->alias && !strcmp(name, a->alias)))
			return a;
	}
	return NULL;
}

static u64 ex_swab(u64 val, unsigned int width)
{
	switch (width) {
	case 2:
		return swab16(val);
	case 4:
		return swab32(val);
	case 8:
		return swab64(val);
	}
	return val;
}

static u64 ex_mask(u64 val, unsigned int width)
{
	return width >= 8 ? val : val & (BIT_ULL(width * 8) - 1);
}

/* ---- checks ------------------------------------------------------------ */

static int ex_check_mapped(void)
{
	if (!ex_base) {
		ex_logf("# error: %s is not mapped\n", ex_cur->name);
		return -ENXIO;
	}
	return 0;
}

static int ex_check_range(u32 off, u64 len)
{
	if (!len || off >= ex_size || len > ex_size - off) {
		ex_logf("# error: 0x%x+%llu is outside %s's 0x%llx bytes\n",
			off, len, ex_cur->name, (u64)ex_size);
		return -ERANGE;
	}
	return 0;
}

static int ex_check_width(u32 off, unsigned int width)
{
	if (unsafe)
		return 0;
	if (!(ex_cur->widths & BIT(width))) {
		ex_logf("# error: %s does not accept %u-byte accesses (at 0x%x)\n",
			ex_cur->name, width, off);
		return -EINVAL;
	}
	return 0;
}

static int ex_check_writable(u32 off, u64 len)
{
	unsigned int i;

	if (unsafe)
		return 0;
	for (i = 0; i < ex_cur->nr_writable; i++) {
		const struct ex_window *w = &ex_cur->writable[i];

		if (off >= w->start && off + len <= w->end)
			return 0;
	}
	ex_logf("# error: %s 0x%x+%llu is not a side-effect-free register\n",
		ex_cur->name, off, len);
	return -EPERM;
}

/* ---- single accesses ------------------------------------------------------ */

static int ex_single(const struct ex_accessor *a, u32 off, u64 val, int nargs)
{
	void __iomem *addr;
	int ret;

	if (nargs != (a->write ? 2 : 1)) {
		ex_logf("# error: %s takes %s\n", a->name,
			a->write ? "OFFSET VALUE" : "OFFSET");
		return -EINVAL;
	}
	ret = ex_check_mapped();
	if (!ret)
		ret = ex_check_range(off, a->width);
	if (!ret)
		ret = ex_check_width(off, a->width);
	if (!ret && off % a->width) {
		ex_logf("# error: 0x%x is not %u-byte aligned\n", off, a->width);
		ret = -EINVAL;
	}
	if (!ret && a->write)
		ret = ex_check_writable(off, a->width);
	if (ret)
		return ret;

	addr = ex_base + off;
	if (a->write) {
		val = ex_mask(val, a->width);
		a->write(val, addr);
	} else {
		val = a->read(addr);
	}
	if (a->big_endian)
		val = ex_swab(val, a->width);
	ex_log_access(a->write, a->width, off, val, a->name);
	return 0;
}

/* ---- string and repeated accesses -------------------------------------- */

static u8 ex_pattern_byte(u64 seed, u32 i)
{
	u32 x = (u32)seed * 2654435761u + i * 40503u;

	return (x >> 24) ^ (x & 0xff);
}

static u64 ex_get_le(const u8 *p, unsigned int width)
{
	switch (width) {
	case 1:
		return *p;
	case 2:
		return get_unaligned_le16(p);
	case 4:
		return get_unaligned_le32(p);
	}
	return get_unaligned_le64(p);
}

struct ex_piece {
	u32 off;			/* from the start of the operation */
	u8 width;
};

/* The accesses x86-64's memcpy_toio()/memcpy_fromio() make. */
static unsigned int ex_movs_pieces(u32 off, u32 len, struct ex_piece *p)
{
	unsigned int n = 0;
	u32 pos = 0, i;

	if (off & 1) {
		p[n++] = (struct ex_piece){ pos, 1 };
		pos++;
	}
	if (len - pos > 1 && ((off + pos) & 2)) {
		p[n++] = (struct ex_piece){ pos, 2 };
		pos += 2;
	}
	for (i = (len - pos) / 4; i; i--) {
		p[n++] = (struct ex_piece){ pos, 4 };
		pos += 4;
	}
	if ((len - pos) & 2) {
		p[n++] = (struct ex_piece){ pos, 2 };
		pos += 2;
	}
	if ((len - pos) & 1)
		p[n++] = (struct ex_piece){ pos, 1 };
	return n;
}

/* The stores x86-64's memset() makes (memset_io() is memset()). */
static unsigned int ex_memset_pieces(u32 off, u32 len, struct ex_piece *p)
{
	unsigned int n = 0;
	u32 pos = 0, misalign = ((unsigned long)ex_base + off) & 7;

	if (boot_cpu_has(X86_FEATURE_FSRS)) {
		for (; pos < len; pos++)
			p[n++] = (struct ex_piece){ pos, 1 };
		return n;
	}
	if (misalign && len > 7) {
		p[n++] = (struct ex_piece){ 0, 8 };	/* one unaligned store */
		pos = 8 - misalign;
		misalign = 0;
	}
	if (!misalign) {
		for (; len - pos >= 8; pos += 8)
			p[n++] = (struct ex_piece){ pos, 8 };
	}
	for (; pos < len; pos++)
		p[n++] = (struct ex_piece){ pos, 1 };
	return n;
}

static int ex_check_pieces(u32 off, const struct ex_piece *p, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = ex_check_width(off + p[i].off, p[i].width);
		if (ret)
			return ret;
		/* QEMU's edu and sdhci refuse unaligned accesses. */
		if (!unsafe && (off + p[i].off) % p[i].width) {
			ex_logf("# error: the %u-byte access at 0x%x would be unaligned\n",
				p[i].width, off + p[i].off);
			return -EINVAL;
		}
	}
	return 0;
}

static void ex_blog_pieces(struct ex_logbuf *b, bool write, u32 off,
			   const u8 *buf, const struct ex_piece *p,
			   unsigned int n, const char *accessor, int cpu)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ex_blog_access(b, write, p[i].width, off + p[i].off,
			       ex_get_le(buf + p[i].off, p[i].width), accessor,
			       cpu);
}

static void ex_log_pieces(bool write, u32 off, const u8 *buf,
			  const struct ex_piece *p, unsigned int n,
			  const char *accessor)
{
	ex_blog_pieces(&ex_mainlog, write, off, buf, p, n, accessor, -1);
}

enum ex_string_op { EX_TOIO, EX_FROMIO, EX_MEMSET };

static int ex_string(enum ex_string_op op, u32 off, u64 len, u64 arg)
{
	struct ex_piece *pieces;
	unsigned int n;
	u8 *buf;
	u32 i;
	int ret;

	ret = ex_check_mapped();
	if (!ret)
		ret = ex_check_range(off, len);
	if (!ret && len > EX_STRING_MAX) {
		ex_logf("# error: length %llu is over %u\n", len, EX_STRING_MAX);
		ret = -EINVAL;
	}
	if (!ret && op != EX_FROMIO)
		ret = ex_check_writable(off, len);
	if (ret)
		return ret;

	buf = kzalloc(len + 8, GFP_KERNEL);
	pieces = kcalloc(len, sizeof(*pieces), GFP_KERNEL);
	if (!buf || !pieces) {
		ret = -ENOMEM;
		goto out;
	}
	if (op == EX_MEMSET)
		n = ex_memset_pieces(off, len, pieces);
	else
		n = ex_movs_pieces(off, len, pieces);
	ret = ex_check_pieces(off, pieces, n);
	if (ret)
		goto out;

	switch (op) {
	case EX_TOIO:
		for (i = 0; i < len; i++)
			buf[i] = ex_pattern_byte(arg, i);
		memcpy_toio(ex_base + off, buf, len);
		ex_log_pieces(true, off, buf, pieces, n, "memcpy_toio");
		break;
	case EX_FROMIO:
		memcpy_fromio(buf, ex_base + off, len);
		ex_log_pieces(false, off, buf, pieces, n, "memcpy_fromio");
		break;
	case EX_MEMSET:
		memset(buf, (u8)arg, len + 8);
		memset_io(ex_base + off, (u8)arg, len);
		ex_log_pieces(true, off, buf, pieces, n, "memset_io");
		break;
	}
out:
	kfree(pieces);
	kfree(buf);
	return ret;
}

static int ex_rep(bool write, unsigned int width, u32 off, u64 count, u64 seed)
{
	static const char * const rd_names[] = {
		[1] = "ioread8_rep", [2] = "ioread16_rep", [4] = "ioread32_rep",
	};
	static const char * const wr_names[] = {
		[1] = "iowrite8_rep", [2] = "iowrite16_rep", [4] = "iowrite32_rep",
	};
	void __iomem *addr;
	u8 *buf;
	u32 i;
	int ret;

	ret = ex_check_mapped();
	if (!ret)
		ret = ex_check_range(off, width);
	if (!ret)
		ret = ex_check_width(off, width);
	if (!ret && (!count || count > EX_REP_MAX || off % width)) {
		ex_logf("# error: count must be 1..%u and 0x%x %u-byte aligned\n",
			EX_REP_MAX, off, width);
		ret = -EINVAL;
	}
	if (!ret && write)
		ret = ex_check_writable(off, width);
	if (ret)
		return ret;

	buf = kzalloc(count * width, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	addr = ex_base + off;
	if (write) {
		for (i = 0; i < count * width; i++)
			buf[i] = ex_pattern_byte(seed, i);
	}
	switch (width) {
	case 1:
		if (write)
			iowrite8_rep(addr, buf, count);
		else
			ioread8_rep(addr, buf, count);
		break;
	case 2:
		if (write)
			iowrite16_rep(addr, buf, count);
		else
			ioread16_rep(addr, buf, count);
		break;
	default:
		if (write)
			iowrite32_rep(addr, buf, count);
		else
			ioread32_rep(addr, buf, count);
		break;
	}
	for (i = 0; i < count; i++)
		ex_log_access(write, width, off, ex_get_le(buf + i * width, width),
			      write ? wr_names[width] : rd_names[width]);
	kfree(buf);
	return 0;
}

/*
 * count times writel(i) then readl() of the target's scratch register.
 * A loop yields every 1024 pairs; a burst never does, so on this CPU
 * nothing else runs until it is done (interrupts still do).
 */
static int ex_loop(u64 count, bool burst)
{
	const char *what = burst ? "burst" : "loop";
	void __iomem *addr;
	u64 start, ns, i;
	int ret;

	ret = ex_check_mapped();
	if (ret)
		return ret;
	if (burst && count > EX_BURST_MAX) {
		ex_logf("# error: burst %llu is over %u (it never yields the CPU)\n",
			count, EX_BURST_MAX);
		return -EINVAL;
	}
	addr = ex_base + ex_cur->loop_off;
	start = ktime_get_ns();
	for (i = 0; i < count; i++) {
		writel((u32)i, addr);
		readl(addr);
		if (!burst && (i & 1023) == 1023)
			cond_resched();
	}
	ns = ktime_get_ns() - start;
	ex_logf("# %s %llu 0x%x ns=%llu\n", what, count, ex_cur->loop_off, ns);
	return 0;
}

/* ---- read-modify-write instructions ------------------------------------- */

enum ex_rmw_kind { RMW_OR, RMW_ORI, RMW_ADD, RMW_INC, RMW_XCHG, RMW_XADD,
		   NR_RMW };

#define EX_ORI_IMM	0x5a0

static const struct {
	const char *name;
	const char *acc[2];		/* accessor name: 4-byte, 8-byte */
	bool returns_old;		/* the instruction yields the value read */
} ex_rmw_kinds[NR_RMW] = {
	[RMW_OR] = { "or", { "lock_orl", "lock_orq" }, false },
	[RMW_ORI] = { "ori", { "lock_orl_imm", "lock_orq_imm" }, false },
	[RMW_ADD] = { "add", { "addl", "addq" }, false },
	[RMW_INC] = { "inc", { "incl", "incq" }, false },
	[RMW_XCHG] = { "xchg", { "xchgl", "xchgq" }, true },
	[RMW_XADD] = { "xadd", { "lock_xaddl", "lock_xaddq" }, true },
};

/*
 * One RMW instruction on the register at addr.  Returns the value it read:
 * the instruction's own result for xchg/xadd, else @pre (the caller read
 * the register just before).  *written is the value it wrote.
 */
static u64 ex_rmw_insn(enum ex_rmw_kind k, unsigned int width,
		       void __iomem *addr, u64 val, u64 pre, u64 *written)
{
	if (width == 4) {
		u32 *p = (u32 __force *)addr;
		u32 v = val;

		switch (k) {
		case RMW_OR:
			asm volatile("lock orl %1, %0"
				     : "+m" (*p) : "r" (v) : "memory", "cc");
			*written = (u32)pre | v;
			return pre;
		case RMW_ORI:
			asm volatile("lock orl %1, %0"
				     : "+m" (*p) : "i" (EX_ORI_IMM) : "memory", "cc");
			*written = (u32)pre | EX_ORI_IMM;
			return pre;
		case RMW_ADD:
			asm volatile("addl %1, %0"
				     : "+m" (*p) : "r" (v) : "memory", "cc");
			*written = (u32)((u32)pre + v);
			return pre;
		case RMW_INC:
			asm volatile("incl %0" : "+m" (*p) : : "memory", "cc");
			*written = (u32)((u32)pre + 1);
			return pre;
		case RMW_XCHG:
			asm volatile("xchgl %0, %1"
				     : "+r" (v), "+m" (*p) : : "memory");
			*written = (u32)val;
			return v;
		case RMW_XADD:
			asm volatile("lock xaddl %0, %1"
				     : "+r" (v), "+m" (*p) : : "memory", "cc");
			*written = (u32)(v + (u32)val);
			return v;
		default:
			break;
		}
	} else {
		u64 *p = (u64 __force *)addr;
		u64 v = val;

		switch (k) {
		case RMW_OR:
			asm volatile("lock orq %1, %0"
				     : "+m" (*p) : "r" (v) : "memory", "cc");
			*written = pre | v;
			return pre;
		case RMW_ORI:
			asm volatile("lock orq %1, %0"
				     : "+m" (*p) : "i" (EX_ORI_IMM) : "memory", "cc");
			*written = pre | EX_ORI_IMM;
			return pre;
		case RMW_ADD:
			asm volatile("addq %1, %0"
				     : "+m" (*p) : "r" (v) : "memory", "cc");
			*written = pre + v;
			return pre;
		case RMW_INC:
			asm volatile("incq %0" : "+m" (*p) : : "memory", "cc");
			*written = pre + 1;
			return pre;
		case RMW_XCHG:
			asm volatile("xchgq %0, %1"
				     : "+r" (v), "+m" (*p) : : "memory");
			*written = val;
			return v;
		case RMW_XADD:
			asm volatile("lock xaddq %0, %1"
				     : "+r" (v), "+m" (*p) : : "memory", "cc");
			*written = v + val;
			return v;
		default:
			break;
		}
	}
	*written = pre;
	return pre;
}

/* The read before (when needed), the RMW, and their log lines. */
static void ex_rmw_logged(struct ex_logbuf *b, enum ex_rmw_kind k,
			  unsigned int width, void __iomem *base, u32 off,
			  u64 val, int cpu)
{
	void __iomem *addr = base + off;
	u64 pre = 0, old, written;

	if (!ex_rmw_kinds[k].returns_old) {
		pre = width == 4 ? readl(addr) : readq(addr);
		ex_blog_access(b, false, width, off, pre,
			       width == 4 ? "readl" : "readq", cpu);
	}
	old = ex_rmw_insn(k, width, addr, val, pre, &written);
	ex_blog_access(b, false, width, off, old,
		       ex_rmw_kinds[k].acc[width == 8], cpu);
	ex_blog_access(b, true, width, off, written,
		       ex_rmw_kinds[k].acc[width == 8], cpu);
}

static int ex_rmw_cmd(const char *name, u32 off, u64 val, int nargs)
{
	unsigned int width = 0, i;
	size_t len = strlen(name);
	int ret;

	if (len > 2 && !strcmp(name + len - 2, "32"))
		width = 4;
	else if (len > 2 && !strcmp(name + len - 2, "64"))
		width = 8;
	for (i = 0; width && i < NR_RMW; i++)
		if (strlen(ex_rmw_kinds[i].name) == len - 2 &&
		    !strncmp(name, ex_rmw_kinds[i].name, len - 2))
			break;
	if (!width || i == NR_RMW || nargs < 1 || nargs > 2) {
		ex_logf("# error: rmw or32|or64|ori32|ori64|add32|add64|inc32|inc64|xchg32|xchg64|xadd32|xadd64 OFF [VAL]\n");
		return -EINVAL;
	}
	if (nargs == 1)
		val = 0x10;
	ret = ex_check_mapped();
	if (!ret)
		ret = ex_check_range(off, width);
	if (!ret)
		ret = ex_check_width(off, width);
	if (!ret && off % width) {
		ex_logf("# error: 0x%x is not %u-byte aligned\n", off, width);
		ret = -EINVAL;
	}
	if (!ret)
		ret = ex_check_writable(off, width);
	/* edu's factorial register changes by itself: no stable read. */
	if (!ret && !unsafe && ex_cur == &ex_targets[TARGET_EDU] &&
	    off < 0x0c && off + width > 0x08) {
		ex_logf("# error: edu 0x08 does not read back what was read before\n");
		ret = -EPERM;
	}
	if (ret)
		return ret;
	ex_rmw_logged(&ex_mainlog, i, width, ex_base, off, ex_mask(val, width),
		      -1);
	return 0;
}

/* ---- smp: every CPU on the same edu page at once ------------------------- */

/* Thread S's own register for writel/readl and its RMWs. */
static const u32 edu_smp_regs[EX_SMP_MAX] = { 0x80, 0x88, 0x90, 0x04 };

#define EX_SMP_STRING	32		/* memcpy_toio() bytes per iteration */
#define EX_SMP_FROMIO	24		/* memcpy_fromio() bytes at 0x80 */

struct ex_smp_thread {
	struct ex_logbuf log;
	unsigned int slot;
	int cpu;
	u64 niter;
	u64 k;
	u64 ns;
	struct completion done;
};

static struct completion ex_smp_go;

static int ex_smp_worker(void *arg)
{
	struct ex_smp_thread *t = arg;
	u32 roff = edu_smp_regs[t->slot];
	u32 toff = 0x100 + 0x40 * t->slot;
	void __iomem *reg = ex_base + roff;
	struct ex_piece tp[EX_SMP_STRING], fp[EX_SMP_FROMIO];
	unsigned int nt, nf, j;
	u8 buf[EX_SMP_STRING];
	u64 i, start;
	u32 v;
	int cpu;

	nt = ex_movs_pieces(toff, EX_SMP_STRING, tp);
	nf = ex_movs_pieces(0x80, EX_SMP_FROMIO, fp);
	wait_for_completion(&ex_smp_go);
	cpu = raw_smp_processor_id();
	t->cpu = cpu;
	start = ktime_get_ns();
	for (i = 0; i < t->niter; i++) {
		v = (t->slot + 1) << 24 | (u32)(i & 0xffffff);
		writel(v, reg);
		ex_blog_access(&t->log, true, 4, roff, v, "writel", cpu);
		v = readl(reg);
		ex_blog_access(&t->log, false, 4, roff, v, "readl", cpu);
		for (j = 0; j < EX_SMP_STRING; j++)
			buf[j] = ex_pattern_byte(t->slot << 16 | (u32)i, j);
		memcpy_toio(ex_base + toff, buf, EX_SMP_STRING);
		ex_blog_pieces(&t->log, true, toff, buf, tp, nt, "memcpy_toio",
			       cpu);
		memcpy_fromio(buf, ex_base + 0x80, EX_SMP_FROMIO);
		ex_blog_pieces(&t->log, false, 0x80, buf, fp, nf,
			       "memcpy_fromio", cpu);
		if (t->k && i % t->k == t->k - 1)
			ex_rmw_logged(&t->log, (i / t->k) % NR_RMW, 4, ex_base,
				      roff, 0x10 << (i % 8), cpu);
		if ((i & 63) == 63)
			cond_resched();
	}
	t->ns = ktime_get_ns() - start;
	complete(&t->done);
	return 0;
}

static int ex_smp(u64 niter, u64 k, u64 nthreads, int nargs)
{
	struct ex_smp_thread *t;
	struct task_struct *task;
	unsigned int started = 0, i;
	int ret, cpu;

	ret = ex_check_mapped();
	if (ret)
		return ret;
	if (ex_cur != &ex_targets[TARGET_EDU]) {
		ex_logf("# error: smp runs on edu only\n");
		return -EINVAL;
	}
	if (nargs < 3)
		nthreads = min_t(unsigned int, num_online_cpus(), EX_SMP_MAX);
	if (!nthreads || nthreads > EX_SMP_MAX || !niter || niter > 0xffffff) {
		ex_logf("# error: smp NITER(1..%u) K [NTHREADS(1..%u)]\n",
			0xffffff, EX_SMP_MAX);
		return -EINVAL;
	}
	t = kcalloc(nthreads, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	init_completion(&ex_smp_go);
	cpu = -1;
	for (i = 0; i < nthreads; i++) {
		t[i].log.size = EX_SMP_LOG_SIZE;
		t[i].log.buf = vmalloc(EX_SMP_LOG_SIZE);
		if (!t[i].log.buf) {
			ret = -ENOMEM;
			break;
		}
		t[i].slot = i;
		t[i].niter = niter;
		t[i].k = k;
		t[i].cpu = -1;
		init_completion(&t[i].done);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		task = kthread_create_on_cpu(ex_smp_worker, &t[i], cpu,
					     "mmio_ex_smp/%u");
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
		wake_up_process(task);
		started++;
	}
	/* Release them all at once (or let the started ones finish). */
	complete_all(&ex_smp_go);
	for (i = 0; i < started; i++)
		wait_for_completion(&t[i].done);
	for (i = 0; i < started; i++) {
		ex_log_append(t[i].log.buf, t[i].log.len);
		ex_logf("# smp thread %u cpu=%d iterations=%llu ns=%llu\n",
			i, t[i].cpu, niter, t[i].ns);
	}
	if (ret)
		ex_logf("# error: smp started %u of %llu threads: %d\n",
			started, nthreads, ret);
	for (i = 0; i < nthreads; i++)
		vfree(t[i].log.buf);
	kfree(t);
	return ret;
}

/* ---- hammer: one thread writing 1, 2, 3, ... until told to stop ---------- */

static struct task_struct *ex_hammer_task;
static u32 ex_hammer_off, ex_hammer_roff;
static bool ex_hammer_reads_on;
static u64 ex_hammer_writes, ex_hammer_reads, ex_hammer_ns;
static unsigned int ex_hammer_delay;
static int ex_hammer_cpu = -1;

static int ex_hammer_fn(void *arg)
{
	void __iomem *w = ex_base + ex_hammer_off;
	void __iomem *r = ex_base + ex_hammer_roff;
	u64 start = ktime_get_ns();
	u32 i = 0;

	while (!kthread_should_stop()) {
		writel(++i, w);
		WRITE_ONCE(ex_hammer_writes, i);
		if (ex_hammer_reads_on) {
			readl(r);
			WRITE_ONCE(ex_hammer_reads, ex_hammer_reads + 1);
		}
		cond_resched();
		if (ex_hammer_delay)
			udelay(ex_hammer_delay);
	}
	ex_hammer_ns = ktime_get_ns() - start;
	return 0;
}

static int ex_hammer_start(u32 off, u32 roff, int nargs)
{
	struct task_struct *task;
	int ret;

	if (ex_hammer_task) {
		ex_logf("# error: the hammer already runs\n");
		return -EBUSY;
	}
	if (nargs < 1 || nargs > 2) {
		ex_logf("# error: hammer OFF [ROFF]\n");
		return -EINVAL;
	}
	ret = ex_check_mapped();
	if (!ret)
		ret = ex_check_range(off, 4);
	if (!ret)
		ret = ex_check_width(off, 4);
	if (!ret)
		ret = ex_check_writable(off, 4);
	if (!ret && nargs == 2)
		ret = ex_check_range(roff, 4);
	if (!ret && (off % 4 || roff % 4)) {
		ex_logf("# error: hammer offsets must be 4-byte aligned\n");
		ret = -EINVAL;
	}
	if (ret)
		return ret;
	ex_hammer_off = off;
	ex_hammer_roff = nargs == 2 ? roff : 0;
	ex_hammer_reads_on = nargs == 2;
	ex_hammer_writes = 0;
	ex_hammer_reads = 0;
	ex_hammer_ns = 0;
	if (ex_hammer_cpu >= 0)
		task = kthread_create_on_cpu(ex_hammer_fn, NULL, ex_hammer_cpu,
					     "mmio_ex_hammer/%u");
	else
		task = kthread_create(ex_hammer_fn, NULL, "mmio_ex_hammer");
	if (!IS_ERR(task))
		wake_up_process(task);
	if (IS_ERR(task)) {
		ex_logf("# error: hammer thread: %ld\n", PTR_ERR(task));
		return PTR_ERR(task);
	}
	ex_hammer_task = task;
	return 0;
}

static int ex_hammer_stop(void)
{
	if (!ex_hammer_task) {
		ex_logf("# error: no hammer runs\n");
		return -ESRCH;
	}
	kthread_stop(ex_hammer_task);
	ex_hammer_task = NULL;
	ex_logf("# hammer 0x%x writes=%llu last=%llu reads=%llu 0x%x ns=%llu\n",
		ex_hammer_off, ex_hammer_writes, ex_hammer_writes,
		ex_hammer_reads, ex_hammer_roff, ex_hammer_ns);
	return 0;
}

/* ---- mapping --------------------------------------------------------------- */

static void ex_unmap(void)
{
	if (!ex_base)
		return;
	if (ex_hammer_task)
		ex_hammer_stop();
	if (ex_pdev == edu_pdev && ex_cur == &ex_targets[TARGET_EDU]) {
		pci_iounmap(ex_pdev, ex_base);
	} else {
		iounmap(ex_base);
		if (ex_enabled_by_us)
			pci_disable_device(ex_pdev);
		pci_dev_put(ex_pdev);
	}
	ex_logf("# unmap %s 0x%llx\n", ex_cur->name, (u64)ex_phys);
	ex_base = NULL;
	ex_pdev = NULL;
	ex_enabled_by_us = false;
}

static int ex_map_sdhci(void)
{
	const struct ex_target *t = &ex_targets[TARGET_SDHCI];
	struct pci_dev *pdev;
	u16 cmd;
	int ret;

	pdev = pci_get_device(t->vendor, t->device, NULL);
	if (!pdev)
		return -ENODEV;
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM)) {
		ret = -ENODEV;
		goto put;
	}
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		ret = pci_enable_device_mem(pdev);
		if (ret)
			goto put;
		ex_enabled_by_us = true;
	}
	ex_phys = pci_resource_start(pdev, 0);
	ex_size = pci_resource_len(pdev, 0);
	ex_base = ioremap(ex_phys, ex_size);
	if (!ex_base) {
		ret = -ENOMEM;
		if (ex_enabled_by_us)
			pci_disable_device(pdev);
		ex_enabled_by_us = false;
		goto put;
	}
	ex_pdev = pdev;
	return 0;
put:
	pci_dev_put(pdev);
	return ret;
}

static int ex_map(void)
{
	int ret = 0;

	if (ex_base)
		return 0;
	if (ex_cur == &ex_targets[TARGET_EDU]) {
		if (!edu_pdev) {
			ret = -ENODEV;
		} else {
			ex_phys = pci_resource_start(edu_pdev, 0);
			ex_size = pci_resource_len(edu_pdev, 0);
			ex_base = pci_iomap(edu_pdev, 0, 0);
			if (ex_base)
				ex_pdev = edu_pdev;
			else
				ret = -ENOMEM;
		}
	} else {
		ret = ex_map_sdhci();
	}
	if (ret) {
		ex_logf("# error: cannot map %s: %d\n", ex_cur->name, ret);
		return ret;
	}
	ex_logf("# map %s 0x%llx 0x%llx\n", ex_cur->name, (u64)ex_phys,
		(u64)ex_size);
	return 0;
}

static int ex_set_target(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_TARGETS; i++) {
		if (!strcmp(name, ex_targets[i].name)) {
			if (ex_cur != &ex_targets[i])
				ex_unmap();
			ex_cur = &ex_targets[i];
			return 0;
		}
	}
	ex_logf("# error: unknown target '%s' (edu, sdhci)\n", name);
	return -EINVAL;
}

/* ---- commands ---------------------------------------------------------------- */

static int ex_run(char *line, bool in_seq);

static int ex_seq(void)
{
	char line[EX_CMD_MAX];
	unsigned int i;
	int ret;

	ex_logf("# seq %s begin\n", ex_cur->name);
	for (i = 0; i < ex_cur->nr_seq; i++) {
		strscpy(line, ex_cur->seq[i], sizeof(line));
		ret = ex_run(line, true);
		if (ret)
			return ret;
	}
	ex_logf("# seq %s end\n", ex_cur->name);
	return 0;
}

/*
 * Split a command @line into its words @argv (at most EX_ARGS_MAX), log it,
 * and parse its numeric arguments into @num.  Returns the number of words,
 * or a negative errno.
 */
static int ex_parse(char *line, char **argv, u64 *num)
{
	int argc = 0, i;
	char *tok;

	while ((tok = strsep(&line, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (argc == EX_ARGS_MAX) {
			ex_logf("# error: too many arguments\n");
			return -EINVAL;
		}
		argv[argc++] = tok;
	}
	if (!argc)
		return 0;
	if (strcmp(argv[0], "clear")) {
		ex_logf("# cmd:");
		for (i = 0; i < argc; i++)
			ex_logf(" %s", argv[i]);
		ex_logf("\n");
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[0], "target"))
			break;
		if (i == 1 && !strcmp(argv[0], "rmw"))
			continue;	/* the kind */
		if (kstrtou64(argv[i], 0, &num[i])) {
			ex_logf("# error: '%s' is not a number\n", argv[i]);
			return -EINVAL;
		}
	}
	if (num[1] > U32_MAX) {
		ex_logf("# error: offset 0x%llx too large\n", num[1]);
		return -ERANGE;
	}
	return argc;
}

/* hammer_cpu CPU (U32_MAX or more: any) and hammer_delay US. */
static int ex_hammer_set(const char *cmd, u64 val)
{
	if (!strcmp(cmd, "hammer_cpu")) {
		if (val != U32_MAX && val != U64_MAX &&
		    (val >= nr_cpu_ids || !cpu_online(val))) {
			ex_logf("# error: CPU %llu is not online\n", val);
			return -EINVAL;
		}
		ex_hammer_cpu = val >= nr_cpu_ids ? -1 : (int)val;
		return 0;
	}
	if (val > 10000) {
		ex_logf("# error: hammer_delay is at most 10000 us\n");
		return -EINVAL;
	}
	ex_hammer_delay = val;
	return 0;
}

static int ex_run(char *line, bool in_seq)
{
	const struct ex_accessor *a;
	char *argv[EX_ARGS_MAX];
	u64 num[EX_ARGS_MAX] = { 0 };
	int argc;

	argc = ex_parse(line, argv, num);
	if (argc <= 0)
		return argc;
	a = ex_find_accessor(argv[0]);
	if (a)
		return ex_single(a, num[1], num[2], argc - 1);
	if (!strcmp(argv[0], "map") && argc == 1)
		return ex_map();
	if (!strcmp(argv[0], "unmap") && argc == 1) {
		ex_unmap();
		return 0;
	}
	if (!strcmp(argv[0], "clear") && argc == 1) {
		ex_mainlog.len = 0;
		ex_mainlog.full = false;
		return 0;
	}
	if (!strcmp(argv[0], "target") && argc == 2)
		return ex_set_target(argv[1]);
	if (!strcmp(argv[0], "toio") && argc == 4)
		return ex_string(EX_TOIO, num[1], num[2], num[3]);
	if (!strcmp(argv[0], "fromio") && argc == 3)
		return ex_string(EX_FROMIO, num[1], num[2], 0);
	if (!strcmp(argv[0], "memset") && argc == 4)
		return ex_string(EX_MEMSET, num[1], num[3], num[2]);
	if (!strcmp(argv[0], "loop") && argc == 2)
		return ex_loop(num[1], false);
	if (!strcmp(argv[0], "burst") && argc == 2)
		return ex_loop(num[1], true);
	if (!strcmp(argv[0], "seq") && argc == 1 && !in_seq)
		return ex_seq();
	if (!strcmp(argv[0], "rmw") && argc >= 2) {
		if (argc > 2 && num[2] > U32_MAX) {
			ex_logf("# error: offset 0x%llx too large\n", num[2]);
			return -ERANGE;
		}
		return ex_rmw_cmd(argv[1], num[2], num[3], argc - 2);
	}
	if (!strcmp(argv[0], "smp") && (argc == 3 || argc == 4))
		return ex_smp(num[1], num[2], num[3], argc - 1);
	if (!strcmp(argv[0], "hammer") && (argc == 2 || argc == 3))
		return ex_hammer_start(num[1], num[2], argc - 1);
	if (!strcmp(argv[0], "hammer_stop") && argc == 1)
		return ex_hammer_stop();
	if ((!strcmp(argv[0], "hammer_cpu") ||
	     !strcmp(argv[0], "hammer_delay")) && argc == 2)
		return ex_hammer_set(argv[0], num[1]);
	if (!strncmp(argv[0], "rep_", 4) && (argc == 3 || argc == 4)) {
		bool write = argv[0][4] == 'w';
		unsigned int width;

		if (!kstrtouint(argv[0] + 5, 10, &width) &&
		    (width == 8 || width == 16 || width == 32) &&
		    (argv[0][4] == 'r' || argv[0][4] == 'w') &&
		    argc == (write ? 4 : 3))
			return ex_rep(write, width / 8, num[1], num[2], num[3]);
	}
	ex_logf("# error: unknown command or wrong arguments: %s\n", argv[0]);
	return -EINVAL;
}

/* ---- debugfs ----------------------------------------------------------------- */

static ssize_t ex_cmd_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char line[EX_CMD_MAX];
	int ret;

	if (count >= sizeof(line))
		return -E2BIG;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = '\0';

	mutex_lock(&ex_lock);
	ret = ex_run(line, false);
	mutex_unlock(&ex_lock);
	return ret ? ret : count;
}

static const struct file_operations ex_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = ex_cmd_write,
	.llseek = noop_llseek,
};

static ssize_t ex_log_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&ex_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, ex_mainlog.buf,
				      ex_mainlog.len);
	mutex_unlock(&ex_lock);
	return ret;
}

static const struct file_operations ex_log_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ex_log_read,
	.llseek = default_llseek,
};

static int ex_info_show(struct seq_file *m, void *unused)
{
	mutex_lock(&ex_lock);
	seq_printf(m, "target %s\n", ex_cur->name);
	seq_printf(m, "pci %s\n", ex_pdev ? pci_name(ex_pdev) : "none");
	seq_printf(m, "phys 0x%llx\n", ex_base ? (u64)ex_phys : 0);
	seq_printf(m, "size 0x%llx\n", ex_base ? (u64)ex_size : 0);
	/* The test suite compares this with the tracer's virtual addresses. */
	seq_printf(m, "virt 0x%lx\n", (unsigned long)ex_base);
	seq_printf(m, "mapped %d\n", ex_base ? 1 : 0);
	seq_printf(m, "fsrs %d\n", boot_cpu_has(X86_FEATURE_FSRS) ? 1 : 0);
	/* The hammer's last value written so far (0: none running yet). */
	seq_printf(m, "hammer_writes %llu\n", READ_ONCE(ex_hammer_writes));
	mutex_unlock(&ex_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ex_info);

/* ---- the edu pci_driver -------------------------------------------------------- */

static int ex_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	mutex_lock(&ex_lock);
	if (edu_pdev) {
		ret = -EBUSY;
		goto out;
	}
	ret = pci_enable_device(pdev);
	if (ret)
		goto out;
	ret = pci_request_region(pdev, 0, KBUILD_MODNAME);
	if (ret) {
		pci_disable_device(pdev);
		goto out;
	}
	edu_pdev = pdev;
out:
	mutex_unlock(&ex_lock);
	return ret;
}

static void ex_edu_remove(struct pci_dev *pdev)
{
	mutex_lock(&ex_lock);
	if (pdev == edu_pdev) {
		if (ex_pdev == pdev)
			ex_unmap();
		pci_release_region(pdev, 0);
		pci_disable_device(pdev);
		edu_pdev = NULL;
	}
	mutex_unlock(&ex_lock);
}

static const struct pci_device_id ex_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ex_edu_ids);

static struct pci_driver ex_edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = ex_edu_ids,
	.probe = ex_edu_probe,
	.remove = ex_edu_remove,
};

/* ---- module ---------------------------------------------------------------------- */

static int __init ex_init(void)
{
	int ret;

	ex_mainlog.buf = vzalloc(EX_LOG_SIZE);
	if (!ex_mainlog.buf)
		return -ENOMEM;
	ex_mainlog.size = EX_LOG_SIZE;

	mutex_lock(&ex_lock);
	ret = ex_set_target(target);
	mutex_unlock(&ex_lock);
	if (ret) {
		pr_err("unknown target '%s' (edu, sdhci)\n", target);
		goto free_log;
	}

	ret = pci_register_driver(&ex_edu_driver);
	if (ret)
		goto free_log;

	ex_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("cmd", 0200, ex_dir, NULL, &ex_cmd_fops);
	debugfs_create_file("log", 0400, ex_dir, NULL, &ex_log_fops);
	debugfs_create_file("info", 0400, ex_dir, NULL, &ex_info_fops);

	if (map_at_load) {
		mutex_lock(&ex_lock);
		ret = ex_map();
		mutex_unlock(&ex_lock);
		if (ret)
			pr_notice("%s not mapped at load: %d\n", target, ret);
	}
	return 0;

free_log:
	vfree(ex_mainlog.buf);
	return ret;
}

static void __exit ex_exit(void)
{
	debugfs_remove_recursive(ex_dir);
	mutex_lock(&ex_lock);
	ex_unmap();
	mutex_unlock(&ex_lock);
	pci_unregister_driver(&ex_edu_driver);
	vfree(ex_mainlog.buf);
}

module_init(ex_init);
module_exit(ex_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Scripted MMIO accesses on QEMU test devices (stap-mmio tests)");
