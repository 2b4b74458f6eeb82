// SPDX-License-Identifier: GPL-2.0
/*
 * Deliver MAP and UNMAP events.
 *
 * Mappings come and go inside our ioremap/iounmap kprobe handlers, where a
 * stap probe on stap_mmio_event() would not fire (kprobes do not nest), so
 * the event is queued and delivered from a work item in process context.
 *
 * Order matters to a reader of the trace: a mapping's MAP event must come
 * before its first access.  So the fault path also claims a mapping's
 * pending MAP event (mapping->pending_map) and delivers it just before the
 * access.  Whoever claims the event first (atomic_xchg) delivers it; the
 * work item frees it with kfree_rcu(), as the fault path reads it under RCU.
 */
#include <linux/llist.h>
#include <linux/kprobes.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <linux/sched/clock.h>
#include "internal.h"

static LLIST_HEAD(smmio_map_queue);
static void smmio_map_work_fn(struct work_struct *work);
static DECLARE_WORK(smmio_map_work, smmio_map_work_fn);

/*
 * MAP events for the mappings that exist when a session is armed: queued
 * under smmio_lock, sent by the session handshake right after, before the
 * session's pages are armed (smmio_send_present_maps()).
 */
static LLIST_HEAD(smmio_present_queue);

/* Called with smmio_lock held, any context. */
struct smmio_map_event *smmio_queue_map_event(const struct smmio_mapping *m,
					      u32 type, int session, u32 flags)
{
	struct smmio_map_event *me;

	lockdep_assert_held(&smmio_lock);
	me = kzalloc(sizeof(*me), GFP_ATOMIC);
	if (!me)
		return NULL;
	me->session = session;
	me->type = type;
	me->flags = flags;
	me->phys = m->phys;
	me->virt = m->virt;
	me->size = m->size;
	me->map_id = m->id;
	smmio_pci_locate(m->phys, m->size, &me->pci);
	me->mapping = type == STAP_MMIO_MAP && !session ?
		      (struct smmio_mapping *)m : NULL;
	if (flags & STAP_MMIO_EV_PRESENT_MAP) {
		llist_add(&me->node, &smmio_present_queue);
	} else {
		llist_add(&me->node, &smmio_map_queue);
		schedule_work(&smmio_map_work);
	}
	return me;
}

/* Under RCU (the fault path) or in the work item. */
void smmio_claim_map_event(struct smmio_map_event *me)
{
	struct stap_mmio_event ev = {};
	struct smmio_dispatch *d;

	if (atomic_xchg(&me->claimed, 1))
		return;
	ev.type = me->type;
	ev.flags = me->flags;
	ev.phys = me->phys;
	ev.virt = me->virt;
	ev.map_len = me->size;
	ev.map_id = me->map_id;
	ev.pc = 0;
	ev.cpu = raw_smp_processor_id();
	ev.timestamp = local_clock();
	smmio_event_pci(&ev, &me->pci);
	rcu_read_lock();
	d = rcu_dereference(smmio_dispatch);
	if (d)
		smmio_deliver(&ev, d, STAP_MMIO_RANGE_MAP, me->session);
	rcu_read_unlock();
}

/* Called with smmio_lock held: a mapping is going, forget its MAP event. */
void smmio_forget_map_event(struct smmio_mapping *m)
{
	struct smmio_map_event *me = m->pending_map;

	lockdep_assert_held(&smmio_lock);
	if (me) {
		me->mapping = NULL;
		WRITE_ONCE(m->pending_map, NULL);
	}
}

static void smmio_deliver_queue(struct llist_head *queue)
{
	struct llist_node *list = llist_del_all(queue);
	struct smmio_map_event *me, *tmp;
	unsigned long flags;

	/* llist is last-in first-out: restore the order they happened in. */
	list = llist_reverse_order(list);
	llist_for_each_entry_safe(me, tmp, list, node) {
		spin_lock_irqsave(&smmio_lock, flags);
		if (me->mapping) {
			if (me->mapping->pending_map == me)
				WRITE_ONCE(me->mapping->pending_map, NULL);
			me->mapping = NULL;
		}
		spin_unlock_irqrestore(&smmio_lock, flags);
		smmio_claim_map_event(me);
		kfree_rcu(me, rcu);
	}
}

static void smmio_map_work_fn(struct work_struct *work)
{
	smmio_deliver_queue(&smmio_map_queue);
}

/* Process context, without smmio_lock: a script's handler may call in. */
void smmio_send_present_maps(void)
{
	smmio_deliver_queue(&smmio_present_queue);
}

/*
 * The fault path, before the first access of @m it delivers: the
 * mapping's MAP event, if it has not gone out yet.  Under RCU.
 */
void __smmio_send_pending_map(struct smmio_mapping *m)
{
	struct smmio_map_event *me = READ_ONCE(m->pending_map);

	if (me && cmpxchg(&m->pending_map, me, NULL) == me)
		smmio_claim_map_event(me);
}
NOKPROBE_SYMBOL(__smmio_send_pending_map);

int smmio_map_events_init(void)
{
	return 0;
}

/* Process context, after the hooks that queue events are gone. */
void smmio_map_events_exit(void)
{
	flush_work(&smmio_map_work);
	smmio_deliver_queue(&smmio_map_queue);
	smmio_deliver_queue(&smmio_present_queue);
}
