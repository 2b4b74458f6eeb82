// SPDX-License-Identifier: GPL-2.0
/*
 * The second mapping of a traced mapping: the same physical pages, mapped
 * again with the same cache attributes, never armed.  The fault path makes
 * the device access through it (emulated, or stepped with an address
 * register moved onto it) while the traced pages stay not present, so
 * every CPU keeps faulting on them.
 *
 * Made in process context (vmap_pfn() sleeps), before the mapping's first
 * page is armed: from the session handshake's work item, or from the
 * ioremap() call that created the mapping (mappings.c).  Freed in process
 * context too, after an RCU grace period, since the fault path reads it
 * under RCU: vunmap() may not be called from an RCU callback.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <asm/pgtable.h>
#include "internal.h"

/*
 * The protection of a kernel mapping of I/O memory with the cache
 * attributes (and memory-encryption bit) of the present page at @virt.
 */
static int smmio_alias_prot(unsigned long virt, pgprot_t *prot)
{
	const pteval_t keep = _PAGE_CACHE_MASK | _PAGE_ENC;
	unsigned int level;
	pte_t *pte = lookup_address(virt, &level);
	pgprotval_t flags;

	if (!pte || !(pte_flags(*pte) & _PAGE_PRESENT))
		return -EBUSY;
	if (level == PG_LEVEL_2M)
		flags = pgprot_val(pgprot_large_2_4k(__pgprot(pte_flags(*pte))));
	else if (level == PG_LEVEL_4K)
		flags = pte_flags(*pte);
	else
		return -EOPNOTSUPP;
	*prot = __pgprot((pgprot_val(PAGE_KERNEL) & ~keep) | (flags & keep));
	return 0;
}

/*
 * Map [phys, phys+size) a second time like the present mapping at @virt.
 * Process context.  Returns the address, or an ERR_PTR.
 */
void *smmio_alias_create(u64 phys, unsigned long size, unsigned long virt)
{
	unsigned long n = size >> PAGE_SHIFT, i, *pfns;
	pgprot_t prot;
	void *alias;
	int ret;

	might_sleep();
	ret = smmio_alias_prot(virt, &prot);
	if (ret)
		return ERR_PTR(ret);
	pfns = kvmalloc_array(n, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		pfns[i] = (phys >> PAGE_SHIFT) + i;
		/* vmap_pfn() maps no struct-page memory (it WARNs). */
		if (pfn_valid(pfns[i])) {
			kvfree(pfns);
			return ERR_PTR(-EINVAL);
		}
	}
	alias = vmap_pfn(pfns, n, prot);
	kvfree(pfns);
	return alias ? alias : ERR_PTR(-ENOMEM);
}

/* Aliases waiting for a grace period, then for process context. */
struct smmio_alias_free {
	struct rcu_head rcu;
	struct llist_node node;
	void *alias;
};

static LLIST_HEAD(smmio_alias_free_list);

static void smmio_alias_free_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&smmio_alias_free_list);
	struct smmio_alias_free *f, *tmp;

	llist_for_each_entry_safe(f, tmp, list, node) {
		vunmap(f->alias);
		kfree(f);
	}
}

static DECLARE_WORK(smmio_alias_free_work, smmio_alias_free_work_fn);

static void smmio_alias_free_rcu(struct rcu_head *rcu)
{
	struct smmio_alias_free *f = container_of(rcu, struct smmio_alias_free,
						  rcu);

	llist_add(&f->node, &smmio_alias_free_list);
	schedule_work(&smmio_alias_free_work);
}

/*
 * Unmap @alias once no fault can be using it.  Any context; @f is
 * preallocated with the alias (smmio_alias_release_prepare()).
 */
void smmio_alias_release(void *alias, struct smmio_alias_free *f)
{
	if (!alias)
		return;
	f->alias = alias;
	call_rcu(&f->rcu, smmio_alias_free_rcu);
}

struct smmio_alias_free *smmio_alias_release_prepare(void)
{
	return kzalloc(sizeof(struct smmio_alias_free), GFP_KERNEL);
}

/* Process context, at unload: every alias released so far is gone. */
void smmio_alias_exit(void)
{
	rcu_barrier();
	flush_work(&smmio_alias_free_work);
}
