// SPDX-License-Identifier: GPL-2.0
/*
 * Follow every ioremap()/iounmap() and arm the pages that
 * started sessions want.
 *
 * Every ioremap*() calls mmiotrace_ioremap(phys, size, virt) and every
 * iounmap() calls mmiotrace_iounmap(virt) first, whether or not the
 * mmiotrace tracer is on.  We hook the entry of both: a new mapping a
 * session wants is armed before ioremap() returns, and a mapping is
 * disarmed before its pages go away.  Mappings that existed before we
 * were loaded are found by walking the kernel's page tables over the
 * vmalloc area once, at load.
 *
 * A mapping is armed only once it has its second mapping (alias.c), made
 * in process context: by the ioremap() call itself, or by the session
 * handshake (session.c) for mappings that already exist.  Once it has
 * one, its spans can be armed and disarmed in any context.
 *
 * The fault path finds the span of a faulting address in an index of the
 * armed spans sorted by address, published with RCU and rebuilt whenever
 * a span is armed or disarmed (smmio_span_lookup()).
 *
 * A mapping's armed pages are grouped into spans: one kmmio probe per
 * run of pages of one page size.  kmmio finds a probe by the page-aligned
 * fault address, so spans start on a page (or 2 MiB) boundary.
 *
 * Nothing from the outside is trusted: before a span is armed, every page
 * of it is looked up and must be present and map the physical address we
 * expect.  A stale address is dropped, a page someone else armed (the
 * mmiotrace tracer) is refused, and a 1 GiB page is refused.
 *
 * Everything here runs under smmio_lock unless said otherwise; the
 * process-context passes that make aliases and arm hold smmio_arm_mutex
 * around it, so no two of them interleave.
 */
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/pgtable.h>
#include <linux/mutex.h>
#include <linux/err.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <asm/pgtable.h>
#include "internal.h"

DEFINE_MUTEX(smmio_arm_mutex);

static LIST_HEAD(smmio_mappings);
static atomic_t smmio_next_map_id = ATOMIC_INIT(0);
atomic_t smmio_armed_pages = ATOMIC_INIT(0);
atomic_t smmio_nr_mappings = ATOMIC_INIT(0);

/* One span the dispatch table wants armed. */
struct smmio_want {
	unsigned long addr;
	unsigned long len;
};

/* The armed spans by address, for the fault path; replaced as a whole. */
struct smmio_span_index {
	struct rcu_head rcu;
	unsigned int n;
	struct smmio_span_entry {
		unsigned long start;
		unsigned long end;
		struct smmio_span *span;	/* NULL once disarmed */
	} e[];
};

static struct smmio_span_index __rcu *smmio_span_index;
static unsigned int smmio_nr_spans;

/*
 * The armed span holding @addr, or NULL.  Fault path: interrupts off,
 * which holds off the grace period that frees spans and indexes.
 */
notrace struct smmio_span *smmio_span_lookup(unsigned long addr)
{
	struct smmio_span_index *x = rcu_dereference_sched(smmio_span_index);
	unsigned int lo = 0, hi, mid;

	/* Every page fault comes here while kmmio has a page armed. */
	if (!x || !x->n || addr < x->e[0].start || addr >= x->e[x->n - 1].end)
		return NULL;
	hi = x->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < x->e[mid].start)
			hi = mid;
		else if (addr >= x->e[mid].end)
			lo = mid + 1;
		else
			return READ_ONCE(x->e[mid].span);
	}
	return NULL;
}
NOKPROBE_SYMBOL(smmio_span_lookup);

static int smmio_span_entry_cmp(const void *a, const void *b)
{
	const struct smmio_span_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Publish an index of every armed span.  When it cannot be allocated the
 * old one stays: disarmed spans were taken out of it in place, and a span
 * missing from it is still handled, by kmmio's own step.
 */
static void smmio_span_index_rebuild(void)
{
	struct smmio_span_index *x, *old;
	struct smmio_mapping *m;
	struct smmio_span *sp;
	unsigned int n = 0;

	x = kmalloc(struct_size(x, e, smmio_nr_spans), GFP_ATOMIC);
	if (!x)
		return;
	list_for_each_entry(m, &smmio_mappings, list)
		list_for_each_entry(sp, &m->spans, node) {
			if (n == smmio_nr_spans)
				break;
			x->e[n].start = sp->probe.addr;
			x->e[n].end = sp->probe.addr + sp->probe.len;
			x->e[n].span = sp;
			n++;
		}
	x->n = n;
	sort(x->e, n, sizeof(x->e[0]), smmio_span_entry_cmp, NULL);
	old = rcu_dereference_protected(smmio_span_index,
					lockdep_is_held(&smmio_lock));
	rcu_assign_pointer(smmio_span_index, x);
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Arming clears a page's entry and flushes this CPU's TLB only (kmmio's
 * rule): another CPU that used the page just before may keep its
 * translation and never fault on it.  So after arming, every CPU flushes
 * its whole TLB (kmmio_smp.c: with page table isolation a translation
 * may sit under several PCIDs, which one INVLPG does not reach).
 */
static void smmio_tlb_work_fn(struct work_struct *work)
{
	on_each_cpu(smmio_flush_local_tlb, NULL, 1);
}

static DECLARE_WORK(smmio_tlb_work, smmio_tlb_work_fn);

/*
 * After arming: no CPU may keep using an armed page.  Process context
 * waits for every CPU; atomic context (a session closing in its end
 * probe reshapes what stays armed) has it done shortly by a work item.
 */
void smmio_sync_tlbs(void)
{
	if (preemptible())
		on_each_cpu(smmio_flush_local_tlb, NULL, 1);
	else
		schedule_work(&smmio_tlb_work);
}

/* Take a disarmed span out of the published index, in place. */
static void smmio_span_index_forget(const struct smmio_span *s)
{
	struct smmio_span_index *x;
	unsigned int i;

	x = rcu_dereference_protected(smmio_span_index,
				      lockdep_is_held(&smmio_lock));
	for (i = 0; x && i < x->n; i++)
		if (x->e[i].span == s)
			WRITE_ONCE(x->e[i].span, NULL);
}

static void smmio_span_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct smmio_span, rcu));
}

static unsigned int smmio_span_level_pages(const struct smmio_span *s)
{
	unsigned int level;

	if (!lookup_address(s->probe.addr, &level))
		return 0;
	return s->probe.len / page_level_size(level);
}

/*
 * Disarm one span.  Atomic context is fine: kmmio frees its pages through
 * RCU, and so do we; the post handler that may be running on another CPU
 * holds rcu_read_lock().
 */
static void smmio_span_disarm(struct smmio_span *s)
{
	lockdep_assert_held(&smmio_lock);
	atomic_sub(s->pages, &smmio_armed_pages);
	smmio_span_index_forget(s);
	unregister_kmmio_probe(&s->probe);
	list_del(&s->node);
	smmio_nr_spans--;
	call_rcu(&s->rcu, smmio_span_free_rcu);
}

/* Does the present page at @va map @phys?  @level is its page size. */
static int smmio_check_page(unsigned long va, u64 phys, unsigned int *level)
{
	pte_t *pte = lookup_address(va, level);
	unsigned long pfn;

	if (!pte)
		return -ENOENT;
	if (*level == PG_LEVEL_1G)
		return -EOPNOTSUPP;
	/*
	 * kmmio arms a page by clearing its whole entry (L1TF), so an armed
	 * page and an unmapped one look alike: both are refused.
	 */
	if (pte_none(*pte) || !(pte_flags(*pte) & _PAGE_PRESENT))
		return -EBUSY;
	if (*level == PG_LEVEL_2M)
		pfn = pmd_pfn(*(pmd_t *)pte);
	else
		pfn = pte_pfn(*pte);
	if (pfn != phys >> PAGE_SHIFT)
		return -ESTALE;
	return 0;
}

static const char *smmio_refusal(int err)
{
	switch (err) {
	case -ENOENT:
		return "no page table entry (stale mapping)";
	case -ESTALE:
		return "page maps another physical address (stale mapping)";
	case -EOPNOTSUPP:
		return "1 GiB page: kmmio cannot arm it";
	case -EBUSY:
		return "pages not present: armed by another kmmio user (the mmiotrace tracer?) or unmapped";
	case -EEXIST:
		return "kmmio already has a probe there";
	case -ENODEV:
		return "no second mapping of its pages could be made (see the log)";
	default:
		return "cannot arm";
	}
}

/* Validate and arm [addr, addr+len) of @m; all pages are of one size. */
static int smmio_span_arm(struct smmio_mapping *m, unsigned long addr,
			  unsigned long len)
{
	unsigned long va;
	unsigned int level;
	struct smmio_span *s;
	u64 phys = m->phys + (addr - m->virt);
	int ret;

	lockdep_assert_held(&smmio_lock);
	if (!m->alias)
		return -ENODEV;
	for (va = addr; va < addr + len; va += page_level_size(level)) {
		ret = smmio_check_page(va, phys + (va - addr), &level);
		if (ret)
			return ret;
	}

	s = kzalloc(sizeof(*s), GFP_ATOMIC);
	if (!s)
		return -ENOMEM;
	s->probe.addr = addr;
	s->probe.len = len;
	s->probe.pre_handler = smmio_pre_handler;
	s->probe.post_handler = smmio_post_handler;
	s->probe.private = s;
	s->map = m;
	s->phys = phys;
	s->alias = (u8 *)m->alias + (addr - m->virt);
	smmio_pci_locate(phys, len, &s->pci);
	ret = register_kmmio_probe(&s->probe);
	if (ret) {
		kfree(s);
		return ret;
	}
	s->pages = smmio_span_level_pages(s);
	atomic_add(s->pages, &smmio_armed_pages);
	list_add(&s->node, &m->spans);
	smmio_nr_spans++;
	return 0;
}

static int smmio_want_cmp(const void *a, const void *b)
{
	const struct smmio_want *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/*
 * The page-aligned virtual intervals of @m that @d's access ranges cover,
 * sorted and merged.  Returns how many, or -ENOMEM.
 */
static int smmio_wanted_intervals(const struct smmio_mapping *m,
				  const struct smmio_dispatch *d,
				  struct smmio_want *w)
{
	unsigned int i, n = 0, out = 0;
	u64 s, e;

	for (i = 0; d && i < d->nranges; i++) {
		const struct smmio_drange *r = &d->range[i];

		if (!(r->flags & STAP_MMIO_RANGE_ACCESS))
			continue;
		s = max(r->start, m->phys);
		e = min(r->end, m->phys + m->size);
		if (s >= e)
			continue;
		w[n].addr = (m->virt + (s - m->phys)) & PAGE_MASK;
		w[n].len = PAGE_ALIGN(m->virt + (e - m->phys)) - w[n].addr;
		n++;
	}
	if (!n)
		return 0;
	sort(w, n, sizeof(*w), smmio_want_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (w[i].addr <= w[out].addr + w[out].len) {
			unsigned long end = max(w[out].addr + w[out].len,
						w[i].addr + w[i].len);

			w[out].len = end - w[out].addr;
		} else {
			w[++out] = w[i];
		}
	}
	return out + 1;
}

/*
 * Split merged intervals into runs of one page size, each aligned to its
 * page size (a 2 MiB page is armed whole).  Writes into @spans, returns
 * how many, or -errno for a page that cannot be armed at all.
 */
static int smmio_level_runs(const struct smmio_mapping *m,
			    const struct smmio_want *w, int n,
			    struct smmio_want *spans, int max)
{
	unsigned long va, cur_end = 0, base, size;
	unsigned int level, cur_level = 0;
	int i, out = -1;

	for (i = 0; i < n; i++) {
		va = max(w[i].addr, cur_end);
		while (va < w[i].addr + w[i].len) {
			if (!lookup_address(va, &level))
				return -ENOENT;
			if (level == PG_LEVEL_1G)
				return -EOPNOTSUPP;
			size = page_level_size(level);
			base = va & page_level_mask(level);
			if (base < m->virt || base + size > m->virt + m->size)
				return -ENOENT;
			if (out >= 0 && level == cur_level &&
			    base == cur_end) {
				spans[out].len += size;
			} else {
				if (out + 1 >= max)
					return -E2BIG;
				out++;
				spans[out].addr = base;
				spans[out].len = size;
				cur_level = level;
			}
			cur_end = base + size;
			va = cur_end;
		}
	}
	return out + 1;
}

static bool smmio_span_wanted(const struct smmio_span *s,
			      const struct smmio_want *spans, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (spans[i].addr == s->probe.addr &&
		    spans[i].len == s->probe.len)
			return true;
	return false;
}

static bool smmio_span_exists(const struct smmio_mapping *m,
			      const struct smmio_want *want)
{
	struct smmio_span *s;

	list_for_each_entry(s, &m->spans, node)
		if (s->probe.addr == want->addr && s->probe.len == want->len)
			return true;
	return false;
}

static void smmio_refuse(struct smmio_mapping *m, int err)
{
	if (!m->refused)
		pr_warn(SMMIO_NAME ": mapping %d (phys 0x%llx+0x%lx) not traced: %s\n",
			m->id, m->phys, m->size, smmio_refusal(err));
	m->refused = true;
}

/*
 * Make @m's armed spans exactly what @d wants.  Spans no longer wanted are
 * disarmed first, so pages they free can be re-armed in a new shape.
 * Returns 0, or the -errno of the first page that could not be armed.
 */
static int smmio_rearm(struct smmio_mapping *m, const struct smmio_dispatch *d)
{
	lockdep_assert_held(&smmio_lock);
	struct smmio_want *w, *spans;
	struct smmio_span *s, *tmp;
	unsigned int cap = d ? d->nranges : 0;
	int n = 0, nspans = 0, i, ret = 0;

	w = NULL;
	spans = NULL;
	if (cap) {
		w = kmalloc_array(cap, sizeof(*w), GFP_ATOMIC);
		spans = kmalloc_array(cap * 4 + 8, sizeof(*spans), GFP_ATOMIC);
		if (!w || !spans) {
			ret = -ENOMEM;
			goto out;
		}
		n = smmio_wanted_intervals(m, d, w);
		nspans = smmio_level_runs(m, w, n, spans, cap * 4 + 8);
		if (nspans < 0) {
			ret = nspans;
			nspans = 0;
		}
	}

	list_for_each_entry_safe(s, tmp, &m->spans, node)
		if (!smmio_span_wanted(s, spans, nspans))
			smmio_span_disarm(s);

	for (i = 0; i < nspans; i++) {
		int err;

		if (smmio_span_exists(m, &spans[i]))
			continue;
		err = smmio_span_arm(m, spans[i].addr, spans[i].len);
		if (err && !ret)
			ret = err;
	}
	if (!ret)
		m->refused = false;
out:
	if (ret)
		smmio_refuse(m, ret);
	kfree(w);
	kfree(spans);
	return ret;
}

static void smmio_mapping_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct smmio_mapping, rcu));
}

/* Drop @m's second mapping once no fault can be using it. */
static void smmio_mapping_drop_alias(struct smmio_mapping *m)
{
	if (m->alias)
		smmio_alias_release(m->alias, m->alias_free);
	else
		kfree(m->alias_free);
	m->alias = NULL;
	m->alias_free = NULL;
}

/* Does a range of @d with one of @flags overlap [start, start+size)? */
static bool smmio_dispatch_wants(const struct smmio_dispatch *d, u32 flags,
				 u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; d && i < d->nranges; i++) {
		const struct smmio_drange *r = &d->range[i];

		if ((r->flags & flags) && r->start < start + size &&
		    start < r->end)
			return true;
	}
	return false;
}

static bool smmio_wants_map_events(const struct smmio_mapping *m,
				   const struct smmio_dispatch *d)
{
	return smmio_dispatch_wants(d, STAP_MMIO_RANGE_MAP, m->phys, m->size);
}

static struct smmio_mapping *smmio_find_mapping(unsigned long virt)
{
	struct smmio_mapping *m;

	list_for_each_entry(m, &smmio_mappings, list)
		if (m->virt == virt)
			return m;
	return NULL;
}

static struct smmio_mapping *smmio_find_mapping_id(int id)
{
	struct smmio_mapping *m;

	list_for_each_entry(m, &smmio_mappings, list)
		if (m->id == id)
			return m;
	return NULL;
}

/*
 * Called with smmio_lock held.  Page-aligns what ioremap() was given.
 * The mapping is armed later, once it has its second mapping.
 */
static void smmio_mapping_add(u64 phys, unsigned long size,
			      unsigned long virt, bool existed)
{
	struct smmio_dispatch *d;
	struct smmio_mapping *m;
	unsigned long offset = phys & ~PAGE_MASK;

	lockdep_assert_held(&smmio_lock);
	if (!virt || !size)
		return;
	if (smmio_find_mapping(virt & PAGE_MASK))
		return;
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return;
	INIT_LIST_HEAD(&m->spans);
	m->phys = phys & PAGE_MASK;
	m->virt = virt & PAGE_MASK;
	m->size = PAGE_ALIGN(size + offset);
	m->existed = existed;
	m->id = atomic_inc_return(&smmio_next_map_id);
	list_add_rcu(&m->list, &smmio_mappings);
	atomic_inc(&smmio_nr_mappings);

	d = rcu_dereference_protected(smmio_dispatch,
				      lockdep_is_held(&smmio_lock));
	if (d && !existed && smmio_wants_map_events(m, d))
		WRITE_ONCE(m->pending_map,
			   smmio_queue_map_event(m, STAP_MMIO_MAP, 0, 0));
}

static void smmio_mapping_remove(struct smmio_mapping *m)
{
	struct smmio_dispatch *d;
	struct smmio_span *s, *tmp;

	lockdep_assert_held(&smmio_lock);
	list_for_each_entry_safe(s, tmp, &m->spans, node)
		smmio_span_disarm(s);
	smmio_span_index_rebuild();
	smmio_mapping_drop_alias(m);
	smmio_forget_map_event(m);
	d = rcu_dereference_protected(smmio_dispatch,
				      lockdep_is_held(&smmio_lock));
	if (smmio_wants_map_events(m, d))
		smmio_queue_map_event(m, STAP_MMIO_UNMAP, 0, 0);
	list_del_rcu(&m->list);
	atomic_dec(&smmio_nr_mappings);
	call_rcu(&m->rcu, smmio_mapping_free_rcu);
}

/*
 * Arm and disarm every mapping to match @d.  Counts in @conflicts the
 * mappings whose pages someone else (the mmiotrace tracer) has armed.
 */
int smmio_rearm_all(const struct smmio_dispatch *d, int *conflicts)
{
	struct smmio_mapping *m;

	lockdep_assert_held(&smmio_lock);
	*conflicts = 0;
	list_for_each_entry(m, &smmio_mappings, list)
		if (smmio_rearm(m, d) == -EBUSY)
			(*conflicts)++;
	smmio_span_index_rebuild();
	return 0;
}

void smmio_visit_mappings(smmio_mapping_fn_t fn, void *arg)
{
	struct smmio_mapping *m;

	lockdep_assert_held(&smmio_lock);
	list_for_each_entry(m, &smmio_mappings, list)
		fn(m, arg);
}

static bool smmio_ranges_overlap(const struct smmio_range *r, unsigned int n,
				 u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((r[i].flags & STAP_MMIO_RANGE_ACCESS) &&
		    r[i].start < start + size && start < r[i].end)
			return true;
	return false;
}

/*
 * Would arming @r's mappings clash with another kmmio user?  A page of a
 * mapping in @r that is not present and not armed by us is someone
 * else's (kmmio arms by clearing the whole entry).  Any context.
 */
int smmio_ranges_conflicts(const struct smmio_range *r, unsigned int n)
{
	struct smmio_mapping *m;
	unsigned int level, i;
	int conflicts = 0;
	pte_t *pte;

	lockdep_assert_held(&smmio_lock);
	list_for_each_entry(m, &smmio_mappings, list) {
		for (i = 0; i < n; i++) {
			u64 s = max(r[i].start, m->phys);
			u64 e = min(r[i].end, m->phys + m->size);
			unsigned long va = m->virt + (s - m->phys);

			if (s >= e || !(r[i].flags & STAP_MMIO_RANGE_ACCESS))
				continue;
			pte = lookup_address(va, &level);
			if (pte && !(pte_flags(*pte) & _PAGE_PRESENT) &&
			    !smmio_span_lookup(va)) {
				conflicts++;
				break;
			}
		}
	}
	return conflicts;
}

/*
 * Give mapping @id its second mapping.  Process context, holding
 * smmio_arm_mutex (so no other pass makes one meanwhile).
 */
static void smmio_mapping_make_alias(int id, u64 phys, unsigned long size,
				     unsigned long virt)
{
	struct smmio_alias_free *f = smmio_alias_release_prepare();
	void *alias = smmio_alias_create(phys, size, virt);
	struct smmio_mapping *m;
	unsigned long flags;
	int err = IS_ERR(alias) ? PTR_ERR(alias) : f ? 0 : -ENOMEM;

	spin_lock_irqsave(&smmio_lock, flags);
	m = smmio_find_mapping_id(id);
	if (m && !err && !m->alias) {
		m->alias = alias;
		m->alias_free = f;
		alias = NULL;
		f = NULL;
	} else if (m && err) {
		m->alias_failed = true;
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (err && err != -EBUSY)
		pr_warn(SMMIO_NAME ": mapping %d (phys 0x%llx+0x%lx): no second mapping of its pages: %d\n",
			id, phys, size, err);
	if (!IS_ERR_OR_NULL(alias))
		vunmap(alias);
	kfree(f);
}

/*
 * Make the second mapping of every mapping @r's ranges overlap.  Process
 * context: called by the session handshake before it arms.
 */
void smmio_prepare_aliases(const struct smmio_range *r, unsigned int n)
{
	struct smmio_mapping *m;
	unsigned long flags, size = 0, virt = 0;
	u64 phys = 0;
	int id;

	lockdep_assert_held(&smmio_arm_mutex);
	do {
		id = 0;
		spin_lock_irqsave(&smmio_lock, flags);
		list_for_each_entry(m, &smmio_mappings, list) {
			if (m->alias || m->alias_failed ||
			    !smmio_ranges_overlap(r, n, m->phys, m->size))
				continue;
			id = m->id;
			phys = m->phys;
			size = m->size;
			virt = m->virt;
			break;
		}
		spin_unlock_irqrestore(&smmio_lock, flags);
		if (id)
			smmio_mapping_make_alias(id, phys, size, virt);
	} while (id);
}

/* --- the ioremap/iounmap hooks: kprobe context, preemption off --- */

/* Does a started session want [phys, phys+size) armed? */
static bool smmio_mapping_wanted(u64 phys, unsigned long size)
{
	return smmio_dispatch_wants(rcu_dereference_protected(smmio_dispatch,
					lockdep_is_held(&smmio_lock)),
				    STAP_MMIO_RANGE_ACCESS, phys, size);
}

/*
 * Runs in place of mmiotrace_ioremap(phys, size, virt) for a mapping a
 * started session wants, in the context of the ioremap() call, which may
 * sleep: make the second mapping, then arm, before ioremap() returns.
 */
static noinline void smmio_ioremap_take(resource_size_t phys,
					unsigned long size, void __iomem *virt)
{
	unsigned long va = (unsigned long)virt & PAGE_MASK, flags;
	struct smmio_dispatch *d;
	struct smmio_mapping *m;
	int id = 0;

	if (IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preemptible()) {
		pr_warn_ratelimited(SMMIO_NAME ": mapping of 0x%llx+0x%lx made in atomic context: not traced\n",
				    (u64)phys, size);
		return;
	}
	mutex_lock(&smmio_arm_mutex);
	spin_lock_irqsave(&smmio_lock, flags);
	m = smmio_find_mapping(va);
	if (m && !m->alias && !m->alias_failed)
		id = m->id;
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (id)
		smmio_mapping_make_alias(id, phys & PAGE_MASK,
					 PAGE_ALIGN(size + (phys & ~PAGE_MASK)),
					 va);
	spin_lock_irqsave(&smmio_lock, flags);
	m = smmio_find_mapping(va);
	d = rcu_dereference_protected(smmio_dispatch,
				      lockdep_is_held(&smmio_lock));
	if (m && d) {
		smmio_rearm(m, d);
		smmio_span_index_rebuild();
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	mutex_unlock(&smmio_arm_mutex);
}

/*
 * mmiotrace_ioremap(resource_size_t offset, unsigned long size, addr), at
 * entry: the mapping exists, the tracer (if on) has not seen it yet.
 *
 * kmmio allows one owner per page, and the tracer cannot share: it ignores
 * register_kmmio_probe() failing and later unregisters regardless, which
 * corrupts the other owner's pages.  So when a started session wants this
 * mapping, smmio_ioremap_take() runs instead of the function body: the
 * tracer never sees it.  Otherwise the body runs and the tracer, if on,
 * may take it.
 */
static int smmio_ioremap_entry(struct kprobe *p, struct pt_regs *regs)
{
	u64 phys = regs->di;
	unsigned long size = regs->si, virt = regs->dx, flags;
	bool take;

	spin_lock_irqsave(&smmio_lock, flags);
	take = smmio_mapping_wanted(phys & PAGE_MASK,
				    PAGE_ALIGN(size + (phys & ~PAGE_MASK)));
	smmio_mapping_add(phys, size, virt, false);
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (!take)
		return 0;
	if (smmio_tracer_enabled())
		pr_info_ratelimited(SMMIO_NAME ": mapping of 0x%llx+0x%lx goes to kernel.mmio sessions; the mmiotrace tracer will not see it\n",
				    phys, size);
	instruction_pointer_set(regs, (unsigned long)smmio_ioremap_take);
	return 1;
}

struct kprobe smmio_ioremap_hook = {
	.symbol_name = "mmiotrace_ioremap",
	.pre_handler = smmio_ioremap_entry,
};

/* mmiotrace_iounmap(volatile void __iomem *addr): before the unmap. */
static int smmio_iounmap_entry(struct kprobe *p, struct pt_regs *regs)
{
	struct smmio_mapping *m;
	unsigned long flags;

	spin_lock_irqsave(&smmio_lock, flags);
	m = smmio_find_mapping(regs->di & PAGE_MASK);
	if (m)
		smmio_mapping_remove(m);
	spin_unlock_irqrestore(&smmio_lock, flags);
	return 0;
}

struct kprobe smmio_iounmap_hook = {
	.symbol_name = "mmiotrace_iounmap",
	.pre_handler = smmio_iounmap_entry,
};

/* --- mappings that existed before we were loaded --- */

/*
 * A run of present, physically contiguous I/O pages in the vmalloc area.
 * vmalloc puts a guard page after every area, so a run is one mapping.
 */
struct smmio_run {
	unsigned long virt;
	u64 phys;
	unsigned long size;
};

static void smmio_run_flush(struct smmio_run *run)
{
	unsigned long flags;

	if (!run->size)
		return;
	spin_lock_irqsave(&smmio_lock, flags);
	smmio_mapping_add(run->phys, run->size, run->virt, true);
	spin_unlock_irqrestore(&smmio_lock, flags);
	run->size = 0;
}

/* One present leaf: RAM ends the run, I/O extends it or starts one. */
static void smmio_run_page(struct smmio_run *run, unsigned long va,
			   unsigned long pfn, unsigned long size)
{
	u64 phys = (u64)pfn << PAGE_SHIFT;

	if (pfn_valid(pfn)) {
		smmio_run_flush(run);
		return;
	}
	if (run->size && va == run->virt + run->size &&
	    phys == run->phys + run->size) {
		run->size += size;
		return;
	}
	smmio_run_flush(run);
	run->virt = va;
	run->phys = phys;
	run->size = size;
}

/* Walk one PMD's page table. */
static void smmio_walk_ptes(struct smmio_run *run, pmd_t *pmd,
			    unsigned long addr, unsigned long end)
{
	pte_t *pte;

	for (; addr < end; addr += PAGE_SIZE) {
		pte = pte_offset_kernel(pmd, addr);
		if (pte_present(*pte))
			smmio_run_page(run, addr, pte_pfn(*pte), PAGE_SIZE);
		else
			smmio_run_flush(run);
	}
}

/*
 * Find the I/O mappings that exist now by walking the kernel's page tables
 * over the vmalloc area: present leaves that are not RAM, grouped into
 * runs.  (Not /proc/vmallocinfo: it prints hashed addresses unless
 * kptr_restrict says otherwise.)  Every mapping found is validated again
 * before it is armed.  Process context, at load.
 */
static void smmio_scan_existing(void)
{
	struct mm_struct *mm = (void *)smmio_lookup_symbol("init_mm");
	unsigned long addr = VMALLOC_START, end = VMALLOC_END, next;
	struct smmio_run run = {};
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (!mm) {
		pr_warn(SMMIO_NAME ": no init_mm: mappings made before load are not traced\n");
		return;
	}
	while (addr < end && addr >= VMALLOC_START) {
		pgd = pgd_offset(mm, addr);
		p4d = p4d_offset(pgd, addr);
		if (pgd_none(*pgd) || p4d_none(*p4d)) {
			next = p4d_addr_end(addr, end);
			goto hole;
		}
		pud = pud_offset(p4d, addr);
		next = pud_addr_end(addr, end);
		if (pud_none(*pud) || pud_leaf(*pud))
			goto hole;	/* kmmio cannot arm 1 GiB pages */
		pmd = pmd_offset(pud, addr);
		next = pmd_addr_end(addr, end);
		if (pmd_none(*pmd) || !pmd_present(*pmd))
			goto hole;
		if (pmd_leaf(*pmd))
			smmio_run_page(&run, addr & PMD_MASK, pmd_pfn(*pmd),
				       PMD_SIZE);
		else
			smmio_walk_ptes(&run, pmd, addr, next);
		addr = next;
		cond_resched();
		continue;
hole:
		smmio_run_flush(&run);
		addr = next;
	}
	smmio_run_flush(&run);
}

/* debugfs stap_mmio/mappings: every mapping followed, and its spans. */
static void smmio_show_mapping(struct smmio_mapping *map, void *arg)
{
	struct seq_file *m = arg;
	struct smmio_span *s;

	seq_printf(m, "%d phys=0x%llx size=0x%lx%s%s", map->id, map->phys,
		   map->size, map->existed ? " existed" : "",
		   map->refused ? " refused" : "");
	list_for_each_entry(s, &map->spans, node)
		seq_printf(m, " span=0x%llx+0x%lx/%u", s->phys, s->probe.len,
			   s->pages);
	seq_putc(m, '\n');
}

static int smmio_mappings_show(struct seq_file *m, void *v)
{
	unsigned long flags;

	spin_lock_irqsave(&smmio_lock, flags);
	smmio_visit_mappings(smmio_show_mapping, m);
	spin_unlock_irqrestore(&smmio_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(smmio_mappings);

/* Process context. */
int smmio_mappings_init(void)
{
	int ret;

	ret = register_kprobe(&smmio_ioremap_hook);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot hook mmiotrace_ioremap: %d\n", ret);
		return ret;
	}
	ret = register_kprobe(&smmio_iounmap_hook);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot hook mmiotrace_iounmap: %d\n", ret);
		unregister_kprobe(&smmio_ioremap_hook);
		return ret;
	}
	smmio_scan_existing();
	debugfs_create_file("mappings", 0400, smmio_debugfs_dir, NULL,
			    &smmio_mappings_fops);
	return 0;
}

/* Process context; no session is left, so no span is armed. */
void smmio_mappings_exit(void)
{
	struct smmio_span_index *idx;
	struct smmio_mapping *m, *tmp;
	unsigned long flags;

	unregister_kprobe(&smmio_iounmap_hook);
	unregister_kprobe(&smmio_ioremap_hook);
	if (smmio_ioremap_hook.nmissed)
		pr_warn(SMMIO_NAME ": %lu ioremap calls were missed\n",
			smmio_ioremap_hook.nmissed);

	spin_lock_irqsave(&smmio_lock, flags);
	list_for_each_entry_safe(m, tmp, &smmio_mappings, list) {
		struct smmio_span *s, *stmp;

		list_for_each_entry_safe(s, stmp, &m->spans, node) {
			pr_err(SMMIO_NAME ": span left armed at unload: disarming\n");
			smmio_span_disarm(s);
		}
		smmio_mapping_drop_alias(m);
		list_del_rcu(&m->list);
		call_rcu(&m->rcu, smmio_mapping_free_rcu);
	}
	idx = rcu_dereference_protected(smmio_span_index,
					lockdep_is_held(&smmio_lock));
	RCU_INIT_POINTER(smmio_span_index, NULL);
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (idx)
		kfree_rcu(idx, rcu);
	flush_work(&smmio_tlb_work);
	smmio_alias_exit();
}
