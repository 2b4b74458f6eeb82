// SPDX-License-Identifier: GPL-2.0
/*
 * The session API the generated stap modules call, and the
 * dispatch table the fault path reads.
 *
 * Every entry point may be called in atomic context (stap begin/end
 * probes): allocations are GFP_ATOMIC and the only lock is smmio_lock.
 * A bad request fails with -errno and one kernel log line saying why.
 *
 * A session is armed in two steps.  start(), in the script's begin probe,
 * checks the ranges and returns any error; the session is armed only
 * after the handshake: a work item calls stap_mmio_sync() until the
 * script's probe on it acknowledges, which SystemTap allows only once every
 * probe of the script is registered.  Arming before that would send
 * accesses to nobody.  Arming needs process context anyway: the second
 * mappings are made then (alias.c).
 *
 * Each arming or close rebuilds the dispatch table (every range of every
 * armed session), publishes it with RCU and re-arms the mappings to
 * match; the fault path never sees a half-built table.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include "internal.h"

DEFINE_SPINLOCK(smmio_lock);
struct smmio_dispatch __rcu *smmio_dispatch;
atomic_t smmio_nr_sessions = ATOMIC_INIT(0);
atomic_t smmio_nr_armed = ATOMIC_INIT(0);

/* How long a session waits for its script's probes, and how often. */
#define SMMIO_HANDSHAKE_TIMEOUT	(30 * HZ)
#define SMMIO_HANDSHAKE_MS	2

static void smmio_handshake_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(smmio_handshake_work, smmio_handshake_fn);

/* Open sessions, by slot; under smmio_lock. */
static struct smmio_session *smmio_sessions[STAP_MMIO_MAX_SESSIONS];
static int smmio_next_session_id;

#define SMMIO_ISA_START	0xa0000ULL
#define SMMIO_ISA_END	0x100000ULL

struct smmio_session *smmio_session_find(int id)
{
	int i;

	lockdep_assert_held(&smmio_lock);
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++)
		if (smmio_sessions[i] && smmio_sessions[i]->id == id)
			return smmio_sessions[i];
	return NULL;
}

static int smmio_session_slot(const struct smmio_session *s)
{
	int i;

	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++)
		if (smmio_sessions[i] == s)
			return i;
	return -1;
}

static int smmio_drange_cmp(const void *a, const void *b)
{
	const struct smmio_drange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Sort by start and note each range's running maximum end. */
static void smmio_index_dispatch(struct smmio_dispatch *d)
{
	u64 max_end = 0;
	unsigned int i;

	sort(d->range, d->nranges, sizeof(d->range[0]), smmio_drange_cmp,
	     NULL);
	for (i = 0; i < d->nranges; i++) {
		max_end = max(max_end, d->range[i].end);
		d->range[i].max_end = max_end;
		d->all_flags |= d->range[i].flags;
		if (!(d->range[i].flags & STAP_MMIO_RANGE_NO_TIMESTAMP))
			d->timestamps = true;
	}
}

/*
 * Build the table of every started session's ranges; NULL when none.
 * Under smmio_lock: allocates atomically, sorts in place.
 */
static struct smmio_dispatch *smmio_build_dispatch(int *err)
{
	static u64 smmio_dispatch_gen;
	struct smmio_dispatch *d;
	unsigned int n = 0, i, k;

	lockdep_assert_held(&smmio_lock);
	*err = 0;
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++)
		if (smmio_sessions[i] && smmio_sessions[i]->armed)
			n += smmio_sessions[i]->nranges;
	if (!n)
		return NULL;
	d = kzalloc(struct_size(d, range, n), GFP_ATOMIC);
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	d->gen = ++smmio_dispatch_gen;
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++) {
		struct smmio_session *s = smmio_sessions[i];

		if (!s || !s->armed)
			continue;
		d->session[i] = s;
		for (k = 0; k < s->nranges; k++) {
			struct smmio_drange *r = &d->range[d->nranges++];

			r->start = s->ranges[k].start;
			r->end = s->ranges[k].end;
			r->flags = s->ranges[k].flags;
			r->probe = s->ranges[k].probe;
			r->slot = i;
		}
	}
	smmio_index_dispatch(d);
	return d;
}

/* Publish a new dispatch table. */
static int smmio_publish(void)
{
	struct smmio_dispatch *old, *d;
	int err;

	lockdep_assert_held(&smmio_lock);
	d = smmio_build_dispatch(&err);
	if (err)
		return err;
	old = rcu_dereference_protected(smmio_dispatch,
					lockdep_is_held(&smmio_lock));
	rcu_assign_pointer(smmio_dispatch, d);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* Publish a new dispatch table and arm exactly what it wants. */
static int smmio_republish(int *conflicts)
{
	int err = smmio_publish();

	if (err)
		return err;
	return smmio_rearm_all(rcu_dereference_protected(smmio_dispatch,
					lockdep_is_held(&smmio_lock)),
			       conflicts);
}

/*
 * The armed sessions' ranges changed (a device bound, unbound or went):
 * publish them and arm exactly what they want.  Process context, holding
 * smmio_arm_mutex; the second mappings the new ranges need were made.
 */
int smmio_sessions_reshape(void)
{
	unsigned long flags;
	int ret, conflicts = 0;

	lockdep_assert_held(&smmio_arm_mutex);
	spin_lock_irqsave(&smmio_lock, flags);
	ret = smmio_republish(&conflicts);
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (atomic_read(&smmio_nr_armed))
		smmio_sync_tlbs();
	if (ret)
		pr_err(SMMIO_NAME ": cannot rearm after a PCI device changed: %d\n",
		       ret);
	else if (conflicts)
		pr_warn(SMMIO_NAME ": %d mapping(s) armed by another kmmio user: not traced\n",
			conflicts);
	return ret;
}

static int smmio_open(struct module *owner, const char *name)
{
	struct smmio_session *s;
	unsigned long flags;
	int i, id = -EBUSY;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	s = kzalloc(sizeof(*s), GFP_ATOMIC);
	if (!s) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	s->owner = owner;
	strscpy(s->name, name ? name : "?", sizeof(s->name));

	spin_lock_irqsave(&smmio_lock, flags);
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++) {
		if (!smmio_sessions[i]) {
			s->id = id = ++smmio_next_session_id;
			smmio_sessions[i] = s;
			atomic_inc(&smmio_nr_sessions);
			break;
		}
	}
	spin_unlock_irqrestore(&smmio_lock, flags);

	if (id < 0) {
		pr_warn(SMMIO_NAME ": %s: cannot open a session: %d sessions are open already\n",
			s->name, STAP_MMIO_MAX_SESSIONS);
		kfree(s);
		module_put(THIS_MODULE);
	}
	return id;
}

/* Does a range with @flags want something, and only what we know? */
bool smmio_range_flags_ok(unsigned int flags)
{
	return (flags & (STAP_MMIO_RANGE_ACCESS | STAP_MMIO_RANGE_MAP)) &&
	       !(flags & ~(STAP_MMIO_RANGE_ACCESS | STAP_MMIO_RANGE_MAP |
			   STAP_MMIO_RANGE_READ_BEFORE |
			   STAP_MMIO_RANGE_NO_TIMESTAMP));
}

/* Why a range cannot be traced at all, or NULL. */
const char *smmio_range_problem(unsigned int probe, u64 phys, u64 len,
				unsigned int flags)
{
	if (probe >= STAP_MMIO_MAX_PROBES)
		return "too many probes (the limit is 256)";
	if (!len)
		return "length is 0";
	if (phys + len < phys)
		return "range wraps past the end of the physical address space";
	if (!smmio_range_flags_ok(flags))
		return "bad range flags";
	if (phys < SMMIO_ISA_END && phys + len > SMMIO_ISA_START)
		return "range overlaps the legacy ISA hole 0xa0000-0x100000, which ioremap() does not map";
	if (region_intersects(phys, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return "range overlaps system RAM";
	return NULL;
}

/* Append @n ranges to @s.  Under smmio_lock: allocates atomically. */
int smmio_session_add_ranges(struct smmio_session *s,
			     const struct smmio_range *r, unsigned int n)
{
	struct smmio_range *nr;
	unsigned int cap;

	lockdep_assert_held(&smmio_lock);
	if (s->nranges + n > s->cap) {
		cap = max(s->cap * 2, s->nranges + n);
		cap = max(cap, 8U);
		nr = krealloc_array(s->ranges, cap, sizeof(*nr), GFP_ATOMIC);
		if (!nr)
			return -ENOMEM;
		s->ranges = nr;
		s->cap = cap;
	}
	memcpy(&s->ranges[s->nranges], r, n * sizeof(*r));
	s->nranges += n;
	return 0;
}

/*
 * Take out of @s the ranges of PCI device @pci_dev (only those added for
 * a driver binding, when @bound_only).  Returns how many went.  Under
 * smmio_lock; the caller republishes (smmio_sessions_reshape()).
 */
unsigned int smmio_session_drop_ranges(struct smmio_session *s, u32 pci_dev,
				       bool bound_only)
{
	unsigned int i, out = 0;

	lockdep_assert_held(&smmio_lock);
	for (i = 0; i < s->nranges; i++) {
		const struct smmio_range *r = &s->ranges[i];

		if (r->pci_dev == pci_dev && (r->bound || !bound_only))
			continue;
		s->ranges[out++] = *r;
	}
	i = s->nranges - out;
	s->nranges = out;
	return i;
}

/* Call @fn on every open session.  Under smmio_lock. */
void smmio_visit_sessions(smmio_session_fn_t fn, void *arg)
{
	int i;

	lockdep_assert_held(&smmio_lock);
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++)
		if (smmio_sessions[i])
			fn(smmio_sessions[i], arg);
}

static int smmio_add_range(int id, unsigned int probe, u64 phys, u64 len,
			   unsigned int rflags)
{
	const char *why = smmio_range_problem(probe, phys, len, rflags);
	struct smmio_range r = {
		.start = phys,
		.end = phys + len,
		.flags = rflags,
		.probe = probe,
		.pci_dev = STAP_MMIO_PCI_NONE,
	};
	struct smmio_session *s;
	unsigned long flags;
	int ret = 0;

	if (why) {
		pr_warn(SMMIO_NAME ": session %d probe %u: range 0x%llx+0x%llx refused: %s\n",
			id, probe, phys, len, why);
		return -EINVAL;
	}

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (!s || s->started) {
		ret = s ? -EBUSY : -ENOENT;
		goto out;
	}
	ret = smmio_session_add_ranges(s, &r, 1);
out:
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (ret)
		pr_warn(SMMIO_NAME ": session %d: add_range: %s\n", id,
			ret == -ENOENT ? "no such session" :
			ret == -EBUSY ? "session already started" :
			"out of memory");
	return ret;
}

static void smmio_close_locked(struct smmio_session *s)
{
	int slot = smmio_session_slot(s);
	int conflicts;

	lockdep_assert_held(&smmio_lock);
	if (slot < 0)
		return;
	smmio_sessions[slot] = NULL;
	atomic_dec(&smmio_nr_sessions);
	if (s->armed)
		atomic_dec(&smmio_nr_armed);
	if (s->armed && smmio_republish(&conflicts))
		pr_err(SMMIO_NAME ": session %d: out of memory while closing; its pages stay armed until the next session change\n",
		       s->id);
	else if (s->armed && atomic_read(&smmio_nr_armed))
		smmio_sync_tlbs();	/* what stays armed may be reshaped */
}

static void smmio_session_free_rcu(struct rcu_head *head)
{
	struct smmio_session *s = container_of(head, struct smmio_session, rcu);

	kfree(s->ranges);
	kfree(s->follow);
	kfree(s);
}

static bool smmio_session_wants_maps(const struct smmio_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nranges; i++)
		if (s->ranges[i].flags & STAP_MMIO_RANGE_MAP)
			return true;
	return false;
}

static int smmio_start(int id)
{
	struct smmio_session *s;
	unsigned long flags;
	int ret = 0, conflicts;

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (!s || s->started) {
		ret = s ? -EBUSY : -ENOENT;
		goto out;
	}
	ret = smmio_lockdown_refuses();
	if (ret)
		goto out;
	if (!smmio_steps_serialised()) {
		ret = -EOPNOTSUPP;
		pr_warn(SMMIO_NAME ": session %d (%s): kmmio faults on several CPUs cannot be serialised on this kernel: load stap_mmio with lossless=1\n",
			id, s->name);
		goto out;
	}
	conflicts = smmio_ranges_conflicts(s->ranges, s->nranges);
	if (conflicts) {
		ret = -EBUSY;
		pr_warn(SMMIO_NAME ": session %d (%s): %d mapping(s) of its ranges are armed by another kmmio user (the mmiotrace tracer?): refusing to start\n",
			id, s->name, conflicts);
		goto out;
	}
	s->started = true;
	s->start_jiffies = jiffies;
	schedule_delayed_work(&smmio_handshake_work, 0);
out:
	spin_unlock_irqrestore(&smmio_lock, flags);
	return ret;
}

static void smmio_queue_present_map(struct smmio_mapping *m, void *arg)
{
	smmio_queue_map_event(m, STAP_MMIO_MAP, *(int *)arg,
			      STAP_MMIO_EV_PRESENT_MAP);
}

/*
 * The handshake's second half, in process context: make the second
 * mappings, publish the session, send the MAP events of the mappings that
 * exist, then arm.
 */
static void smmio_arm_session(int id)
{
	struct smmio_range *ranges = NULL;
	struct smmio_session *s;
	unsigned int n = 0;
	unsigned long flags;
	int conflicts = 0, ret = 0;
	bool maps = false;

	mutex_lock(&smmio_arm_mutex);
	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (s && s->started && !s->armed) {
		n = s->nranges;
		ranges = kmemdup(s->ranges, n * sizeof(*ranges), GFP_ATOMIC);
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (!ranges)
		goto out;
	smmio_prepare_aliases(ranges, n);

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (s && s->started && !s->armed) {
		s->armed = true;
		atomic_inc(&smmio_nr_armed);
		ret = smmio_publish();
		maps = !ret && smmio_session_wants_maps(s);
		if (maps)
			smmio_visit_mappings(smmio_queue_present_map, &id);
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (maps)
		smmio_send_present_maps();

	spin_lock_irqsave(&smmio_lock, flags);
	if (!ret)
		ret = smmio_rearm_all(rcu_dereference_protected(smmio_dispatch,
						lockdep_is_held(&smmio_lock)),
				      &conflicts);
	spin_unlock_irqrestore(&smmio_lock, flags);
	smmio_sync_tlbs();
	if (ret)
		pr_err(SMMIO_NAME ": session %d: cannot arm: %d\n", id, ret);
	else if (conflicts)
		pr_warn(SMMIO_NAME ": session %d: %d mapping(s) of its ranges were armed by another kmmio user meanwhile: not traced\n",
			id, conflicts);
out:
	mutex_unlock(&smmio_arm_mutex);
	kfree(ranges);
}

/*
 * Process context.  Ask each started session's script whether its probes
 * are there (stap_mmio_sync()); arm the ones that answered, and try the
 * others again shortly.  The call is made without any lock: the script's
 * handler may call back into the session API.
 */
static void smmio_handshake_fn(struct work_struct *work)
{
	struct stap_mmio_event ev;
	unsigned long flags;
	bool again = false;
	int i, id;

	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++) {
		struct smmio_session *s;
		bool expired;

		spin_lock_irqsave(&smmio_lock, flags);
		s = smmio_sessions[i];
		id = s && s->started && !s->armed && !s->gave_up ? s->id : 0;
		expired = id && time_after(jiffies, s->start_jiffies +
					   SMMIO_HANDSHAKE_TIMEOUT);
		if (expired)
			s->gave_up = true;
		spin_unlock_irqrestore(&smmio_lock, flags);
		if (!id)
			continue;
		if (expired) {
			pr_warn(SMMIO_NAME ": session %d: its script never answered on %s: not armed\n",
				id, STAP_MMIO_SYNC_FUNCTION);
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.session = id;
		stap_mmio_sync(&ev);
		if (READ_ONCE(ev.ack))
			smmio_arm_session(id);
		else
			again = true;
	}
	if (again)
		schedule_delayed_work(&smmio_handshake_work,
				      msecs_to_jiffies(SMMIO_HANDSHAKE_MS));
}

static void smmio_close(int id)
{
	struct smmio_session *s;
	unsigned long flags;

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (s)
		smmio_close_locked(s);
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (!s)
		return;
	call_rcu(&s->rcu, smmio_session_free_rcu);
	module_put(THIS_MODULE);
}

struct smmio_session_maps {
	const struct smmio_session *s;
	struct stap_mmio_stats *st;
};

static bool smmio_session_overlaps(const struct smmio_session *s, u64 start,
				   u64 end)
{
	unsigned int i;

	for (i = 0; i < s->nranges; i++)
		if (s->ranges[i].start < end && start < s->ranges[i].end)
			return true;
	return false;
}

/* Count the mappings, refusals and armed pages a session's ranges touch. */
static void smmio_count_session_maps(struct smmio_mapping *m, void *arg)
{
	struct smmio_session_maps *sm = arg;
	struct smmio_span *sp;

	if (!smmio_session_overlaps(sm->s, m->phys, m->phys + m->size))
		return;
	sm->st->mappings++;
	if (m->refused)
		sm->st->refused++;
	list_for_each_entry(sp, &m->spans, node)
		if (smmio_session_overlaps(sm->s, sp->phys,
					   sp->phys + sp->probe.len))
			sm->st->armed_pages += sp->pages;
}

static int smmio_get_stats(int id, struct stap_mmio_stats *st)
{
	struct smmio_session_maps sm = { .st = st };
	struct smmio_session *s;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (s) {
		memset(st, 0, sizeof(*st));
		st->events = atomic64_read(&s->delivered);
		st->undelivered = atomic64_read(&s->undelivered);
		st->unknown = atomic64_read(&s->unknown);
		st->value_unknown = atomic64_read(&s->value_unknown);
		st->maybe_missed = atomic64_read(&s->maybe_missed);
		st->emulated = atomic64_read(&s->emulated);
		st->stepped = atomic64_read(&s->stepped);
		st->present_steps = atomic64_read(&s->present_steps);
		st->overrides = atomic64_read(&s->overrides);
		st->skipped = atomic64_read(&s->skipped);
		st->override_refused = atomic64_read(&s->override_refused);
		sm.s = s;
		smmio_visit_mappings(smmio_count_session_maps, &sm);
	} else {
		ret = -ENOENT;
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	return ret;
}

static long long smmio_pci_gone(int id)
{
	struct smmio_session *s;
	unsigned long flags;
	long long n = -ENOENT;

	spin_lock_irqsave(&smmio_lock, flags);
	s = smmio_session_find(id);
	if (s)
		n = atomic64_read(&s->pci_gone);
	spin_unlock_irqrestore(&smmio_lock, flags);
	return n;
}

const struct stap_mmio_ops stap_mmio_ops = {
	.version = STAP_MMIO_API_VERSION,
	.open = smmio_open,
	.add_range = smmio_add_range,
	.start = smmio_start,
	.close = smmio_close,
	.get_stats = smmio_get_stats,
	.backtrace = smmio_backtrace,
	.skip = smmio_skip,
	.add_pci = smmio_add_pci,
	.pci_describe = smmio_pci_describe,
	.pci_gone = smmio_pci_gone,
};
EXPORT_SYMBOL_GPL(stap_mmio_ops);

/*
 * A stap module that goes away with its session open (staprun killed,
 * then the module removed) gets its sessions closed here.  Process context.
 */
static int smmio_module_going(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;
	int i, ids[STAP_MMIO_MAX_SESSIONS], n = 0;
	unsigned long flags;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	spin_lock_irqsave(&smmio_lock, flags);
	for (i = 0; i < STAP_MMIO_MAX_SESSIONS; i++)
		if (smmio_sessions[i] && smmio_sessions[i]->owner == mod)
			ids[n++] = smmio_sessions[i]->id;
	spin_unlock_irqrestore(&smmio_lock, flags);
	for (i = 0; i < n; i++) {
		pr_info(SMMIO_NAME ": closing session %d left open by module %s\n",
			ids[i], mod->name);
		smmio_close(ids[i]);
	}
	return NOTIFY_DONE;
}

static struct notifier_block smmio_module_nb = {
	.notifier_call = smmio_module_going,
};

int smmio_session_init(void)
{
	return register_module_notifier(&smmio_module_nb);
}

/* Process context; no session is open (each holds a module reference). */
void smmio_session_exit(void)
{
	unregister_module_notifier(&smmio_module_nb);
	cancel_delayed_work_sync(&smmio_handshake_work);
}
