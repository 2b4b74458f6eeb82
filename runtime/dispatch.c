// SPDX-License-Identifier: GPL-2.0
/*
 * Dispatch: hand one event to every started session whose ranges it
 * overlaps, through the two functions stap scripts probe.
 *
 *   stap_mmio_event(ev)  one call per event per matching session; the
 *                        script's lowered probes set ev->ack
 *   stap_mmio_sync(ev)   the session handshake (session.c): an empty event
 *                        the script's probe acknowledges once SystemTap
 *                        has registered every probe of the script
 *
 * Contexts: the page-fault handler and the debug trap (interrupts off,
 * NMI-like), and process context for MAP/UNMAP events.  Under RCU: the
 * dispatch table and the sessions it points to are freed with
 * call_rcu()/kfree_rcu().  Nothing here sleeps or takes a lock.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/sched/clock.h>
#include <asm/unwind.h>
#include "internal.h"

/* The event being handed to the scripts on this CPU, for backtraces. */
static DEFINE_PER_CPU(struct stap_mmio_event *, smmio_delivering);

/*
 * The event functions: stap scripts probe them (module("stap_mmio")
 * .function("stap_mmio_event")), so they must stay real, unclonable
 * functions.  The asm tells the compiler the consumer may write *ev.
 */
noinline __noclone void stap_mmio_event(struct stap_mmio_event *ev)
{
	asm volatile("" : : "r"(ev) : "memory");
}
EXPORT_SYMBOL_GPL(stap_mmio_event);

noinline __noclone void stap_mmio_sync(struct stap_mmio_event *ev)
{
	asm volatile("" : : "r"(ev) : "memory");
}
EXPORT_SYMBOL_GPL(stap_mmio_sync);

/* How many ranges of @d start before @end: they are sorted by start. */
static unsigned int smmio_ranges_before(const struct smmio_dispatch *d,
					u64 end)
{
	unsigned int lo = 0, hi = d->nranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->range[mid].start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Set in ev->match the probes of session @slot whose ranges of kind @want
 * overlap [start, end): range[0..top) start before @end, and walking back
 * from top stops where no earlier range reaches past @start (max_end).
 */
static void smmio_match_slot(struct stap_mmio_event *ev,
			     const struct smmio_dispatch *d, unsigned int top,
			     unsigned int slot, u32 want, u64 start)
{
	const struct smmio_drange *r;
	unsigned int i;

	memset(ev->match, 0, sizeof(ev->match));
	for (i = top; i-- > 0 && d->range[i].max_end > start; ) {
		r = &d->range[i];
		if (r->slot == slot && (r->flags & want) && r->end > start)
			ev->match[r->probe / 64] |= 1ULL << (r->probe % 64);
	}
}

/* Per-session accounting of one event, then the call the script probes. */
/*
 * A handler assigned $value or asked for a skip.  On an access that can
 * be changed, the change stands (emulate_env.c acts on it); on any other
 * the event is put back as it was, so later sessions see the truth, and
 * the refusal is counted (the session's end reports it).
 */
static void smmio_account_change(struct smmio_session *s,
				 struct stap_mmio_event *ev, u64 value,
				 u32 action)
{
	/* Before a read, only a skip can take effect: the read follows. */
	if (!(ev->flags & STAP_MMIO_EV_CHANGEABLE) ||
	    ((ev->flags & STAP_MMIO_EV_BEFORE) &&
	     !(ev->action & STAP_MMIO_ACT_SKIP))) {
		ev->value = value;
		ev->action = action;
		atomic64_inc(&s->override_refused);
		return;
	}
	atomic64_inc(&s->overrides);
	if ((ev->action & ~action) & STAP_MMIO_ACT_SKIP)
		atomic64_inc(&s->skipped);
}

static __always_inline void smmio_deliver_one(struct smmio_session *s,
					      struct stap_mmio_event *ev)
{
	struct stap_mmio_event *prev;
	u32 action;
	u64 value;
	u64 t0;

	ev->session = s->id;
	ev->seq = atomic64_inc_return(&s->seq);
	ev->ack = 0;
	if (ev->type == STAP_MMIO_UNKNOWN)
		atomic64_inc(&s->unknown);
	if (ev->flags & STAP_MMIO_EV_VALUE_UNKNOWN)
		atomic64_inc(&s->value_unknown);
	if (ev->flags & STAP_MMIO_EV_SMP_WINDOW)
		atomic64_inc(&s->maybe_missed);
	if (ev->type == STAP_MMIO_MAP || ev->type == STAP_MMIO_UNMAP) {
		smmio_count(SMMIO_MAP_EVENTS);
	} else {
		smmio_count(SMMIO_EVENTS);
		if (ev->flags & STAP_MMIO_EV_EMULATED)
			atomic64_inc(&s->emulated);
		else if (ev->flags & STAP_MMIO_EV_STEPPED)
			atomic64_inc(&s->stepped);
		else
			atomic64_inc(&s->present_steps);
	}
	value = ev->value;
	action = ev->action;
	t0 = smmio_prof_start();
	prev = this_cpu_read(smmio_delivering);
	this_cpu_write(smmio_delivering, ev);
	stap_mmio_event(ev);
	this_cpu_write(smmio_delivering, prev);
	smmio_prof_add(SMMIO_PROF_CONSUMER_NS, t0);
	if (unlikely(ev->value != value || ev->action != action))
		smmio_account_change(s, ev, value, action);
	if (READ_ONCE(ev->ack)) {
		atomic64_inc(&s->delivered);
	} else {
		atomic64_inc(&s->undelivered);
		smmio_count(SMMIO_UNDELIVERED);
	}
}

/*
 * Which sessions have a range of kind @want overlapping [start, end):
 * their slots as a mask, with ev->match filled for the first of them
 * (*@cur, usually the only one) and *@top for smmio_match_slot().
 */
static __always_inline u32
smmio_match_first(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		  u32 want, u64 start, u64 end, unsigned int *top, int *cur)
{
	unsigned int i;
	u32 slots = 0;

	*top = smmio_ranges_before(d, end);
	*cur = -1;
	memset(ev->match, 0, sizeof(ev->match));
	for (i = *top; i-- > 0 && d->range[i].max_end > start; ) {
		const struct smmio_drange *r = &d->range[i];

		if (!(r->flags & want) || r->end <= start)
			continue;
		slots |= 1U << r->slot;
		if (*cur < 0)
			*cur = r->slot;
		if (r->slot == *cur)
			ev->match[r->probe / 64] |= 1ULL << (r->probe % 64);
	}
	return slots;
}

/*
 * Deliver @ev to the sessions in @slots (only to @only_session when that
 * is not 0); ev->match holds session @cur's probes, any other session
 * gets a pass of its own.  Under RCU.  Inlined into both callers: the
 * access path's copy is the one every traced access runs.
 */
static __always_inline void
smmio_deliver_slots(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		    u32 want, u32 slots, int cur, unsigned int top,
		    int only_session)
{
	unsigned int slot;

	if (!slots) {
		if (want & (STAP_MMIO_RANGE_READ | STAP_MMIO_RANGE_WRITE))
			smmio_count(SMMIO_FILTERED);
		return;
	}
	for (; slots; slots &= slots - 1) {
		struct smmio_session *s;

		slot = __ffs(slots);
		s = d->session[slot];
		if (!s || (only_session && s->id != only_session))
			continue;
		if (slot != cur) {
			smmio_match_slot(ev, d, top, slot, want, ev->phys);
			cur = slot;
		}
		smmio_deliver_one(s, ev);
	}
}

/*
 * MAP/UNMAP events and the session handshake's: deliver @ev to every
 * session with a range of kind @want overlapping it (only to
 * @only_session when that is not 0).
 */
void smmio_deliver(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		   u32 want, int only_session)
{
	u64 len = ev->type == STAP_MMIO_MAP || ev->type == STAP_MMIO_UNMAP ?
		  ev->map_len : max_t(u32, ev->width, 1);
	unsigned int top;
	int cur;
	u32 slots;

	slots = smmio_match_first(ev, d, want, ev->phys, ev->phys + len,
				  &top, &cur);
	smmio_deliver_slots(ev, d, want, slots, cur, top, only_session);
}

/*
 * The last match of each kind of access on this CPU: a driver hits the
 * same registers over and over, and which probes an access matches
 * depends only on its address, width and kind while the table stays.
 * Keyed by the table's generation, not its address (a table freed and
 * another allocated in its place must not hit).  Not used in NMI
 * context, which could interrupt an update.
 */
struct smmio_match_memo {
	u64 gen;			/* smmio_dispatch.gen; 0: empty */
	u64 phys;
	u32 width;
	u32 slots;
	int cur;
	unsigned int top;
	u64 match[STAP_MMIO_MATCH_WORDS];
};

enum smmio_memo_kind {
	SMMIO_MEMO_READ,
	SMMIO_MEMO_READ_BEFORE,
	SMMIO_MEMO_WRITE,
	SMMIO_MEMO_OTHER,
	SMMIO_NR_MEMOS
};

static DEFINE_PER_CPU(struct smmio_match_memo[SMMIO_NR_MEMOS],
		      smmio_match_memo);

/*
 * Deliver one access (its mapping's MAP event went out first:
 * smmio_send_pending_map()) through @d, the table the caller fetched
 * with smmio_dispatch_now().  Fault path, under RCU.
 */
notrace void smmio_deliver_access(const struct smmio_dispatch *d,
				  struct stap_mmio_event *ev)
{
	struct smmio_match_memo *m;
	unsigned int top, kind;
	u32 want, slots;
	int cur;

	if (!d)
		return;
	switch (ev->type) {
	case STAP_MMIO_READ:
		if (ev->flags & STAP_MMIO_EV_BEFORE) {
			want = STAP_MMIO_RANGE_READ_BEFORE;
			kind = SMMIO_MEMO_READ_BEFORE;
		} else {
			want = STAP_MMIO_RANGE_READ;
			kind = SMMIO_MEMO_READ;
		}
		break;
	case STAP_MMIO_WRITE:
		want = STAP_MMIO_RANGE_WRITE;
		kind = SMMIO_MEMO_WRITE;
		break;
	default:
		want = STAP_MMIO_RANGE_ACCESS;
		kind = SMMIO_MEMO_OTHER;
		break;
	}
	m = this_cpu_ptr(&smmio_match_memo[kind]);
	if (m->gen == d->gen && m->phys == ev->phys && m->width == ev->width &&
	    !in_nmi()) {
		memcpy(ev->match, m->match, sizeof(ev->match));
		smmio_deliver_slots(ev, d, want, m->slots, m->cur, m->top, 0);
		return;
	}
	slots = smmio_match_first(ev, d, want, ev->phys,
				  ev->phys + max_t(u32, ev->width, 1),
				  &top, &cur);
	if (!in_nmi()) {
		m->gen = 0;
		barrier();
		m->phys = ev->phys;
		m->width = ev->width;
		m->slots = slots;
		m->cur = cur;
		m->top = top;
		memcpy(m->match, ev->match, sizeof(m->match));
		barrier();
		m->gen = d->gen;
	}
	smmio_deliver_slots(ev, d, want, slots, cur, top, 0);
}

/*
 * The session API's backtrace(): the call chain of the access being
 * delivered on this CPU, by the kernel's own unwinder (ORC), from the
 * accessing instruction through the driver's frames.  Called from a
 * script's handler, inside the delivery.
 */
int smmio_backtrace(u64 *pcs, unsigned int max)
{
	struct stap_mmio_event *ev = this_cpu_read(smmio_delivering);
	struct pt_regs *regs;
	struct unwind_state state;
	unsigned long addr;
	unsigned int n = 0;

	if (!ev || !ev->regs)
		return 0;
	regs = (struct pt_regs *)(unsigned long)ev->regs;
	/* The unwinder starts at the caller of the frame @regs is in. */
	if (max)
		pcs[n++] = ev->pc;
	for (__unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && n < max; unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		pcs[n++] = addr;
	}
	return n;
}

/*
 * The session API's skip(): the access being delivered on this CPU is
 * not to reach the device.  Called from a script's handler.
 */
int smmio_skip(void)
{
	struct stap_mmio_event *ev = this_cpu_read(smmio_delivering);

	if (!ev)
		return -ENOENT;
	ev->action |= STAP_MMIO_ACT_SKIP;
	return 0;
}

NOKPROBE_SYMBOL(smmio_account_change);
NOKPROBE_SYMBOL(smmio_skip);
NOKPROBE_SYMBOL(smmio_ranges_before);
NOKPROBE_SYMBOL(smmio_match_slot);
NOKPROBE_SYMBOL(smmio_deliver);
NOKPROBE_SYMBOL(smmio_deliver_access);
