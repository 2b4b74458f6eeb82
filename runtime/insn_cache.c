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

static DEFINE_PER_CPU(struct smmio_decoded[SMMIO_DECODE_CACHE],
		      smmio_decode_cache);

const struct smmio_decoded smmio_not_decoded;

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

/* The bytes of @e read back through the nofault helper, and compared. */
static noinline bool smmio_insn_reread(unsigned long ip,
				       const struct smmio_decoded *e)
{
	u8 now[MMIO_INSN_MAX];

	return !copy_from_kernel_nofault(now, (void *)ip, e->raw_len) &&
	       !memcmp(now, e->raw, e->raw_len);
}

/*
 * Are the bytes @e was decoded from still at @ip?  The CPU has just run
 * the instruction at @ip, so the page it starts in is mapped: a load that
 * stays in that page needs no fault handling.  Otherwise, read them back.
 */
static __always_inline bool smmio_insn_unchanged(unsigned long ip,
						 const struct smmio_decoded *e)
{
	u64 a, b, mask;

	if (e->raw_len <= sizeof(a) &&
	    (ip & ~PAGE_MASK) <= PAGE_SIZE - sizeof(a)) {
		memcpy(&a, (const void *)ip, sizeof(a));
		memcpy(&b, e->raw, sizeof(b));
		mask = e->raw_len == sizeof(a) ? ~0ULL :
		       BIT_ULL(8 * e->raw_len) - 1;
		return !((a ^ b) & mask);
	}
	return smmio_insn_reread(ip, e);
}

/*
 * Point st->dec at the decode of the instruction at st->ip, through the
 * per-CPU cache.  A hit checks only the bytes the cached decode used, so
 * code that was unloaded and replaced at the same address is decoded
 * anew.  The entry stays valid until this CPU decodes another
 * instruction with the same hash: not before this fault is handled.
 */
notrace void smmio_decode_insn(struct smmio_cpu_state *st)
{
	struct smmio_decoded *e;

	e = this_cpu_ptr(&smmio_decode_cache[hash_long(st->ip,
						      SMMIO_DECODE_BITS)]);
	st->dec = e;
	if (e->ip == st->ip && e->raw_len &&
	    smmio_insn_unchanged(st->ip, e)) {
		smmio_count(SMMIO_DECODE_HITS);
		return;
	}
	e->ip = st->ip;
	e->raw_len = smmio_fetch(st->ip, e->raw);
	e->ok = e->raw_len &&
		mmio_decode(e->raw, e->raw_len, &e->insn) == 0 &&
		e->insn.access;
	e->emulatable = false;
	e->ev_flags = 0;
	e->regs_used = 0;
	if (e->ok) {
		mmio_emulate_prepare(&e->insn);
		e->regs_used = mmio_insn_regs_used(&e->insn);
		e->emulatable = smmio_emulatable(&e->insn);
		e->ev_flags = smmio_insn_flags(&e->insn);
		e->raw_len = e->insn.length;
	}
}

NOKPROBE_SYMBOL(smmio_fetch);
NOKPROBE_SYMBOL(smmio_insn_reread);
NOKPROBE_SYMBOL(smmio_decode_insn);
NOKPROBE_SYMBOL(mmio_decode);
