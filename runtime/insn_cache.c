// SPDX-License-Identifier: GPL-2.0
/*
 * Fetch and decode the instruction that faulted, through a small per-CPU
 * cache keyed by instruction address: a driver's accessors fault at the
 * same few addresses over and over.  A hit compares the cached bytes with
 * the bytes at the address, so code unloaded and replaced at the same
 * address is decoded anew.
 *
 * Context: the page-fault handler, interrupts off; per-CPU data only.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include "fault.h"
#include "mmio_emulate.h"

/*
 * Decodes by instruction address; the bytes are compared on every hit.
 * Hashed: the MMIO instructions of one accessor sit bytes apart.
 */
#define SMMIO_DECODE_BITS	6
#define SMMIO_DECODE_CACHE	(1 << SMMIO_DECODE_BITS)

struct smmio_decode_entry {
	unsigned long ip;
	u8 raw_len;
	u8 raw[MMIO_INSN_MAX];
	bool ok;
	bool emulatable;
	u32 ev_flags;
	struct mmio_insn insn;
};

static DEFINE_PER_CPU(struct smmio_decode_entry[SMMIO_DECODE_CACHE],
		      smmio_decode_cache);

/* Read the instruction at @ip; it ran, so its own bytes are mapped. */
static unsigned int smmio_fetch(unsigned long ip, u8 *raw)
{
	unsigned int n = MMIO_INSN_MAX;
	unsigned int to_page_end = PAGE_SIZE - (ip & ~PAGE_MASK);

	if (!copy_from_kernel_nofault(raw, (void *)ip, n))
		return n;
	n = min(n, to_page_end);
	if (!copy_from_kernel_nofault(raw, (void *)ip, n))
		return n;
	return 0;
}

/*
 * Are the bytes @e was decoded from still at @ip?  The CPU has just run
 * the instruction at @ip, so the page it starts in is mapped: a load that
 * stays in that page needs no fault handling.  Otherwise, read them back.
 */
static bool smmio_insn_unchanged(unsigned long ip,
				 const struct smmio_decode_entry *e)
{
	u8 now[MMIO_INSN_MAX];
	u64 a, b, mask;

	if (e->raw_len <= sizeof(a) &&
	    (ip & ~PAGE_MASK) <= PAGE_SIZE - sizeof(a)) {
		memcpy(&a, (const void *)ip, sizeof(a));
		memcpy(&b, e->raw, sizeof(b));
		mask = e->raw_len == sizeof(a) ? ~0ULL :
		       BIT_ULL(8 * e->raw_len) - 1;
		return !((a ^ b) & mask);
	}
	return !copy_from_kernel_nofault(now, (void *)ip, e->raw_len) &&
	       !memcmp(now, e->raw, e->raw_len);
}

/*
 * Decode the instruction at st->ip, through the per-CPU cache.  A hit
 * checks only the bytes the cached decode used, so code that was unloaded
 * and replaced at the same address is decoded anew.
 */
void smmio_decode_insn(struct smmio_cpu_state *st)
{
	struct smmio_decode_entry *e;

	e = this_cpu_ptr(&smmio_decode_cache[hash_long(st->ip,
						      SMMIO_DECODE_BITS)]);
	if (e->ip == st->ip && e->raw_len &&
	    smmio_insn_unchanged(st->ip, e)) {
		memcpy(st->raw, e->raw, sizeof(st->raw));
		st->raw_len = e->raw_len;
		st->decoded = e->ok;
		st->insn = e->insn;
		st->emulatable = e->emulatable;
		st->ev_flags = e->ev_flags;
		smmio_count(SMMIO_DECODE_HITS);
		return;
	}
	st->raw_len = smmio_fetch(st->ip, st->raw);
	st->decoded = st->raw_len &&
		      mmio_decode(st->raw, st->raw_len, &st->insn) == 0 &&
		      st->insn.access;
	st->emulatable = false;
	st->ev_flags = 0;
	if (st->decoded) {
		mmio_emulate_prepare(&st->insn);
		st->emulatable = smmio_emulatable(&st->insn);
		st->ev_flags = smmio_insn_flags(&st->insn);
	}
	e->ip = st->ip;
	e->ok = st->decoded;
	e->emulatable = st->emulatable;
	e->ev_flags = st->ev_flags;
	e->insn = st->insn;
	e->raw_len = st->decoded ? st->insn.length : st->raw_len;
	memcpy(e->raw, st->raw, sizeof(e->raw));
}

NOKPROBE_SYMBOL(smmio_fetch);
NOKPROBE_SYMBOL(smmio_insn_unchanged);
NOKPROBE_SYMBOL(smmio_decode_insn);
NOKPROBE_SYMBOL(mmio_decode);
