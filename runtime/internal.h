/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the stap_mmio runtime share.
 *
 * The parts and what each one owns, in the order data flows:
 *   fault.c ... dispatch.c  the fault path (fault.h lists its parts):
 *                     fault -> decode -> emulate or step -> dispatch
 *   mappings.c        following ioremap/iounmap, arming pages (spans), the
 *                     index of armed spans the fault path searches
 *   alias.c           the second mapping of each armed mapping
 *   map_events.c      MAP/UNMAP events -> dispatch
 *   session.c         sessions, their ranges and handshake, the dispatch
 *                     table
 *   pci.c             PCI devices: their BARs for every event, device and
 *                     driver selectors, following drivers as devices bind
 *   stap_mmio_main.c  module init/exit
 *   symbols.c         finding unexported kernel symbols
 *   kmmio_owner.c     initialising kmmio, coexisting with the mmiotrace tracer
 *   stats.c           counters and debugfs
 *   lossless.c        the opt-in mode that takes other CPUs offline
 *   kmmio_smp.c       kmmio's own step with several CPUs: serialised, TLB
 *
 * Locking, in one place:
 *   smmio_lock (spinlock, irqsave) serialises every writer: sessions,
 *   mappings, spans, the dispatch table, the span index.  It is never
 *   taken on the fault path.  Lock order: smmio_arm_mutex -> smmio_lock
 *   -> kmmio's own kmmio_lock (taken inside register_kmmio_probe()/
 *   unregister_kmmio_probe()).
 *   smmio_arm_mutex serialises the process-context passes that make
 *   second mappings and arm (session handshake, ioremap(), the PCI bus
 *   notifier as devices bind, unbind and go: pci.c).
 *   The fault path reads the span index, the dispatch table, spans and
 *   sessions with interrupts off (under RCU): everything they touch is
 *   freed with call_rcu()/kfree_rcu().
 */
#ifndef STAP_MMIO_INTERNAL_H
#define STAP_MMIO_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/mmiotrace.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/string.h>
#include "stap_mmio.h"

#define SMMIO_NAME	STAP_MMIO_MODULE_NAME

extern spinlock_t smmio_lock;
extern struct mutex smmio_arm_mutex;

/* lossless.c: process context only. */
int smmio_lossless_init(void);
void smmio_lossless_exit(void);

/* kmmio_smp.c */
void smmio_step_serialise_init(void);
bool smmio_steps_serialised(void);
void smmio_step_begin(void);
void smmio_step_end(void);
void smmio_kmmio_smp_exit(void);
void smmio_flush_local_tlb(void *unused);

/* symbols.c */
unsigned long smmio_lookup_symbol(const char *name);
unsigned long smmio_require_symbol(const char *name);

/* kmmio_owner.c: process context only, but for the lockdown check. */
int smmio_kmmio_acquire(void);
void smmio_kmmio_release(void);
bool smmio_tracer_enabled(void);
unsigned int smmio_kmmio_count(void);
int smmio_lockdown_refuses(void);

/* A physical range a session traces, as the fault path sees it. */
struct smmio_drange {
	u64 start;
	u64 end;		/* exclusive */
	u64 max_end;		/* the largest end of this and every range before */
	u32 flags;		/* STAP_MMIO_RANGE_* */
	u16 probe;		/* the session's probe index */
	u8 slot;		/* index into smmio_dispatch.session[] */
};

struct smmio_session;

/*
 * The fault path's view of all started sessions; replaced as a whole.
 * range[] is sorted by start, so the ranges an access overlaps are found
 * by a binary search and a short walk back (see smmio_deliver()).
 */
struct smmio_dispatch {
	struct rcu_head rcu;
	u64 gen;			/* which table: never 0, never reused */
	unsigned int nranges;
	u32 all_flags;			/* every range's flags, or-ed */
	bool timestamps;		/* a range wants accesses timestamped */
	struct smmio_session *session[STAP_MMIO_MAX_SESSIONS];
	struct smmio_drange range[];
};

extern struct smmio_dispatch __rcu *smmio_dispatch;

/* session.c */
struct smmio_range {
	u64 start;
	u64 end;		/* exclusive */
	u32 flags;		/* STAP_MMIO_RANGE_* */
	u32 probe;
	/* A PCI selector's range: its device; else STAP_MMIO_PCI_NONE. */
	u32 pci_dev;
	/* ... added for a driver: goes when the device is unbound. */
	bool bound;
};

/* A driver a session follows (pci.c): kernel.mmio.driver("NAME"). */
struct smmio_pci_follow {
	char driver[STAP_MMIO_PCI_NAME_MAX];
	s32 bar;
	u32 flags;
	u32 probe;
	u64 offset;
	u64 length;
};

struct smmio_session {
	struct rcu_head rcu;
	int id;
	struct module *owner;
	char name[32];
	bool started;
	unsigned int nranges;
	unsigned int cap;
	struct smmio_range *ranges;
	unsigned int nfollow;
	struct smmio_pci_follow *follow;	/* drivers it follows */
	bool armed;			/* handshake done: in the dispatch table */
	bool gave_up;			/* the handshake timed out */
	unsigned long start_jiffies;	/* when start() was called */
	atomic64_t seq;			/* events sent: the last seq */
	atomic64_t delivered;		/* ... that a probe acknowledged */
	atomic64_t undelivered;		/* ... that no probe acknowledged */
	atomic64_t unknown;
	atomic64_t value_unknown;
	atomic64_t maybe_missed;
	atomic64_t emulated;
	atomic64_t stepped;
	atomic64_t present_steps;
	atomic64_t overrides;
	atomic64_t skipped;
	atomic64_t override_refused;
	atomic64_t pci_gone;		/* traced PCI devices unbound/removed */
};

int smmio_session_init(void);
void smmio_session_exit(void);
extern const struct stap_mmio_ops stap_mmio_ops;
/* For pci.c, under smmio_lock. */
struct smmio_session *smmio_session_find(int id);
bool smmio_range_flags_ok(unsigned int flags);
const char *smmio_range_problem(unsigned int probe, u64 phys, u64 len,
				unsigned int flags);
int smmio_session_add_ranges(struct smmio_session *s,
			     const struct smmio_range *r, unsigned int n);
unsigned int smmio_session_drop_ranges(struct smmio_session *s, u32 pci_dev,
				       bool bound_only);
typedef void (*smmio_session_fn_t)(struct smmio_session *s, void *arg);
void smmio_visit_sessions(smmio_session_fn_t fn, void *arg);
int smmio_sessions_reshape(void);

/*
 * Where a span lies in a PCI memory BAR (pci.c), copied into each event
 * of the span (smmio_event_init()): the BAR holding the span's first
 * byte, else the first one it overlaps.  A span in no BAR has @start 0,
 * @len ~0 and @off_mask ~0, so its events take the same path and get
 * -1; an access outside @len (a span reaching past its BAR) is looked
 * up on its own.
 */
struct smmio_pci_loc {
	u64 start;		/* the BAR's physical start */
	u64 len;		/* its length */
	u64 off_mask;		/* or-ed into the offset: ~0 when in no BAR */
	/* As in struct stap_mmio_event, so that they are copied as one. */
	s32 bar;
	u32 pci_dev;		/* STAP_MMIO_PCI_DEV() */
	s32 vendor;
	s32 device_id;
};

/* mappings.c: all under smmio_lock unless said otherwise. */
struct smmio_mapping {
	struct list_head list;		/* in smmio_mappings */
	struct list_head spans;		/* armed spans, struct smmio_span */
	struct rcu_head rcu;
	u64 phys;			/* page-aligned physical base */
	unsigned long virt;		/* page-aligned virtual base */
	unsigned long size;		/* page-aligned length */
	int id;
	bool existed;			/* found at load, not seen created */
	bool refused;			/* could not be armed: see the log */
	bool alias_failed;		/* no second mapping could be made */
	void *alias;			/* the second mapping (alias.c) */
	struct smmio_alias_free *alias_free;	/* to release it with */
	struct smmio_map_event *pending_map;	/* MAP event not yet sent */
};

struct smmio_span {
	struct kmmio_probe probe;	/* page-level aligned addr/len */
	struct list_head node;		/* in smmio_mapping.spans */
	struct rcu_head rcu;
	struct smmio_mapping *map;	/* valid under RCU on the fault path */
	u64 phys;			/* physical address of probe.addr */
	void *alias;			/* probe.addr in the second mapping */
	unsigned int pages;		/* 4 KiB pages covered */
	struct smmio_pci_loc pci;	/* its PCI BAR, under smmio_lock */
};

int smmio_mappings_init(void);
void smmio_mappings_exit(void);
int smmio_rearm_all(const struct smmio_dispatch *d, int *conflicts);
int smmio_ranges_conflicts(const struct smmio_range *r, unsigned int n);
void smmio_prepare_aliases(const struct smmio_range *r, unsigned int n);
struct smmio_span *smmio_span_lookup(unsigned long addr);
void smmio_sync_tlbs(void);
/* The ioremap/iounmap hooks; stats.c reads how many calls they missed. */
extern struct kprobe smmio_ioremap_hook, smmio_iounmap_hook;
typedef void (*smmio_mapping_fn_t)(struct smmio_mapping *m, void *arg);
void smmio_visit_mappings(smmio_mapping_fn_t fn, void *arg);

/* alias.c */
struct smmio_alias_free;
void *smmio_alias_create(u64 phys, unsigned long size, unsigned long virt);
struct smmio_alias_free *smmio_alias_release_prepare(void);
void smmio_alias_release(void *alias, struct smmio_alias_free *f);
void smmio_alias_exit(void);

/* kmmio_probe.c: kmmio's own step, for what the fault path leaves it. */
void smmio_pre_handler(struct kmmio_probe *p, struct pt_regs *regs,
		       unsigned long addr);
void smmio_post_handler(struct kmmio_probe *p, unsigned long condition,
			struct pt_regs *regs);

/* pci.c */
int smmio_pci_init(void);
void smmio_pci_exit(void);
void smmio_pci_locate(u64 phys, u64 len, struct smmio_pci_loc *loc);
void smmio_pci_event_fill(struct stap_mmio_event *ev);
int smmio_add_pci(int id, unsigned int probe, struct stap_mmio_pci_sel *sel,
		  unsigned int flags);
int smmio_pci_describe(u32 pci_dev, char *buf, unsigned int len);

/*
 * An event's PCI fields from its span's precomputed BAR: one compare and
 * five stores on the fault path; only an access outside the span's BAR
 * looks further.
 */
static __always_inline void
smmio_event_pci(struct stap_mmio_event *ev, const struct smmio_pci_loc *loc)
{
	u64 off = ev->phys - loc->start;

	if (likely(off < loc->len)) {
		ev->bar = loc->bar;
		ev->pci_dev = loc->pci_dev;
		ev->vendor = loc->vendor;
		ev->device_id = loc->device_id;
		ev->bar_offset = off | loc->off_mask;
	} else {
		smmio_pci_event_fill(ev);
	}
}

/* dispatch.c */
void smmio_deliver(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		   u32 want, int only_session);
void smmio_deliver_access(const struct smmio_dispatch *d,
			  struct stap_mmio_event *ev);
int smmio_backtrace(u64 *pcs, unsigned int max);
int smmio_skip(void);
noinline void stap_mmio_event(struct stap_mmio_event *ev);

/*
 * The dispatch table of the moment, for a caller under RCU (of any
 * flavour: the fault path has interrupts off); NULL when no session is
 * started.  The fault path fetches it once per instruction and passes it
 * on: its events go to the sessions of that one table.
 */
static __always_inline const struct smmio_dispatch *smmio_dispatch_now(void)
{
	return rcu_dereference_check(smmio_dispatch, rcu_read_lock_any_held());
}

/* Does a started session of @d want reads of some range before the device? */
static __always_inline bool
smmio_wants_reads_before(const struct smmio_dispatch *d)
{
	return d && (d->all_flags & STAP_MMIO_RANGE_READ_BEFORE);
}

/*
 * A record the fault path fills field by field before anyone reads it:
 * kernels built to zero every stack variable (INIT_STACK_ALL_ZERO, as
 * Debian's are) would otherwise clear it on every access.
 */
#if __has_attribute(__uninitialized__)
#define smmio_noinit __attribute__((__uninitialized__))
#else
#define smmio_noinit
#endif

/*
 * Fill every field of an access event to be delivered through @d but
 * value, value_hi[], flags and type (the caller's) and match[]
 * (smmio_deliver()'s).  Field by field,
 * not a memset of the whole record: this runs once per access.
 */
static __always_inline void
smmio_event_init(struct stap_mmio_event *ev, const struct smmio_dispatch *d,
		 const struct smmio_span *span, struct pt_regs *regs,
		 unsigned long virt, unsigned long ip, const u8 *insn,
		 unsigned int insn_len)
{
	ev->phys = span->phys + (virt - span->probe.addr);
	ev->virt = virt;
	ev->pc = ip;
	ev->width = 0;
	ev->cpu = raw_smp_processor_id();
	ev->map_id = span->map->id;
	ev->session = 0;
	ev->map_len = 0;
	ev->seq = 0;
	/* Does a started session's range want accesses timestamped? */
	ev->timestamp = !d || d->timestamps ? local_clock() : 0;
	ev->insn_len = insn_len;
	ev->regs = (unsigned long)regs;
	ev->action = 0;
	/* All of insn[]: bytes past insn_len are not part of the contract. */
	memcpy(ev->insn, insn, sizeof(ev->insn));
	smmio_event_pci(ev, &span->pci);
}

noinline void stap_mmio_sync(struct stap_mmio_event *ev);

/* map_events.c */
struct smmio_map_event {
	struct llist_node node;
	struct rcu_head rcu;
	atomic_t claimed;
	int session;			/* 0: every session */
	u32 type;			/* STAP_MMIO_MAP or STAP_MMIO_UNMAP */
	u32 flags;			/* STAP_MMIO_EV_* */
	u64 phys;
	unsigned long virt;
	unsigned long size;
	int map_id;
	struct smmio_mapping *mapping;	/* whose pending_map this is */
	struct smmio_pci_loc pci;	/* the BAR of @phys */
};

int smmio_map_events_init(void);
void smmio_map_events_exit(void);
struct smmio_map_event *smmio_queue_map_event(const struct smmio_mapping *m,
					      u32 type, int session, u32 flags);
void smmio_claim_map_event(struct smmio_map_event *me);
void smmio_forget_map_event(struct smmio_mapping *m);
void __smmio_send_pending_map(struct smmio_mapping *m);

/* Every access asks; once per mapping the answer is yes. */
static __always_inline void smmio_send_pending_map(struct smmio_mapping *m)
{
	if (unlikely(READ_ONCE(m->pending_map)))
		__smmio_send_pending_map(m);
}
void smmio_send_present_maps(void);

/* stats.c: global counters, per CPU, never locked. */
enum smmio_counter {
	SMMIO_FAULTS,		/* kmmio faults handled */
	SMMIO_EVENTS,		/* events delivered (all sessions) */
	SMMIO_UNKNOWN,		/* instructions not decoded */
	SMMIO_VALUE_UNKNOWN,	/* accesses whose value was not captured */
	SMMIO_FILTERED,		/* faults on armed pages no range wanted */
	SMMIO_MAYBE_MISSED,	/* step windows other CPUs could slip into */
	SMMIO_DECODE_HITS,	/* decode cache hits */
	SMMIO_MAP_EVENTS,	/* MAP/UNMAP events delivered */
	SMMIO_UNDELIVERED,	/* events no probe of the session received */
	SMMIO_PROF_ACCESSES,	/* profile=1: accesses timed */
	SMMIO_PROF_EMULATE_NS,	/* ... ns emulating, delivery included */
	SMMIO_PROF_PRE_NS,	/* ... ns before a step */
	SMMIO_PROF_STEP_NS,	/* ... ns of the step itself */
	SMMIO_PROF_POST_NS,	/* ... ns after a step, delivery included */
	SMMIO_PROF_CONSUMER_NS,	/* ... ns of it in stap_mmio_event() */
	SMMIO_PCI_GONE,		/* traced PCI devices unbound or removed */
	SMMIO_NR_COUNTERS
};

DECLARE_PER_CPU(u64, smmio_counters[SMMIO_NR_COUNTERS]);

static inline void smmio_count(enum smmio_counter c)
{
	this_cpu_inc(smmio_counters[c]);
}

u64 smmio_counter_sum(enum smmio_counter c);

/* profile.c: fault-path timing while profile=1; 0 means "not timing". */
extern bool smmio_profile;

static inline u64 smmio_prof_start(void)
{
	return READ_ONCE(smmio_profile) ? local_clock() : 0;
}

/* Add the ns since @since (from smmio_prof_start()) to @c. */
static inline void smmio_prof_add(enum smmio_counter c, u64 since)
{
	if (since)
		this_cpu_add(smmio_counters[c], local_clock() - since);
}

int smmio_stats_init(void);
extern struct dentry *smmio_debugfs_dir;
void smmio_stats_exit(void);
extern atomic_t smmio_armed_pages;
extern atomic_t smmio_nr_sessions;
extern atomic_t smmio_nr_armed;
extern atomic_t smmio_nr_mappings;

#endif /* STAP_MMIO_INTERNAL_H */
