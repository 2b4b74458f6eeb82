// SPDX-License-Identifier: GPL-2.0
/*
 * PCI devices: which BAR each access falls in, and probes on a device or
 * a driver rather than on a physical address.
 *
 * The runtime keeps its own table of the PCI devices (IDs, resources, the
 * bound driver's name), rebuilt in process context at load and on every
 * PCI bus notification, and published with RCU: it is read in any
 * context (session API calls from stap probes, the ioremap hook, the
 * fault path), where the PCI core's own lookups are not allowed.
 *
 * Every armed span gets the BAR it lies in (struct smmio_pci_loc) when it
 * is armed, and again whenever the table changes, so an event's $bar,
 * $offset and device cost the fault path one subtraction and one compare
 * (smmio_event_pci()).
 *
 * Selectors (stap_mmio_ops.add_pci) are resolved against the table when
 * the script adds them: a device address or vendor:device IDs become the
 * ranges of their memory BARs.  A driver selector is also remembered
 * (struct smmio_pci_follow): when a device binds to that driver, the bus
 * notifier adds the device's BARs to the session at BUS_NOTIFY_BIND_DRIVER,
 * before the driver's probe runs, so the mappings it makes are armed as
 * ioremap() makes them and its first access is traced.  Once the driver
 * is unbound (its mappings gone, with their UNMAP events) or its probe
 * failed, or the device is removed, the device's ranges go.
 *
 * The table is published, and ranges are added and dropped, under
 * smmio_lock in one section, so a selector added while a device binds
 * sees either the binding or the notification, never neither.
 */
#include <linux/pci.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include "internal.h"

/* The resources mmiotrace's PCIDEV line shows: six BARs and the ROM. */
#define SMMIO_PCI_RES		7
#define SMMIO_PCI_BARS		6

struct smmio_pci_res {
	u64 start;
	u64 end;		/* inclusive, as struct resource */
	unsigned long flags;	/* IORESOURCE_* */
};

/* One PCI device as it was when the table was built. */
struct smmio_pci_info {
	u32 id;			/* STAP_MMIO_PCI_DEV() */
	u16 vendor;
	u16 device;
	unsigned int irq;
	struct smmio_pci_res res[SMMIO_PCI_RES];
	char driver[STAP_MMIO_PCI_NAME_MAX];	/* "" when unbound */
};

struct smmio_pci_table {
	struct rcu_head rcu;
	unsigned int n;
	struct smmio_pci_info dev[];
};

static struct smmio_pci_table __rcu *smmio_pci_table;

/* The table of the moment: under RCU (any flavour) or smmio_lock. */
static __always_inline const struct smmio_pci_table *smmio_pci_now(void)
{
	return rcu_dereference_check(smmio_pci_table,
				     rcu_read_lock_any_held() ||
				     lockdep_is_held(&smmio_lock));
}

/* A memory BAR with an address the kernel assigned. */
static __always_inline bool smmio_pci_mem(const struct smmio_pci_res *r)
{
	return (r->flags & IORESOURCE_MEM) &&
	       !(r->flags & IORESOURCE_UNSET) && r->start && r->end > r->start;
}

static void smmio_pci_name(u32 id, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", id >> 16, (id >> 8) & 0xff,
		 PCI_SLOT(id & 0xff), PCI_FUNC(id & 0xff));
}

/* --- the table --- */

/* Process context: a new table of every PCI device, or NULL. */
static struct smmio_pci_table *smmio_pci_build(void)
{
	struct smmio_pci_table *t;
	struct pci_dev *pdev = NULL;
	unsigned int n = 0, cap;
	struct device_driver *drv;
	int i;

	for_each_pci_dev(pdev)
		n++;
	cap = n + 8;
	t = kvzalloc(struct_size(t, dev, cap), GFP_KERNEL);
	if (!t)
		return NULL;
	pdev = NULL;
	for_each_pci_dev(pdev) {
		struct smmio_pci_info *d = &t->dev[t->n];
		int domain = pci_domain_nr(pdev->bus);

		/* STAP_MMIO_PCI_DEV() holds domains up to 0xffff only. */
		if (domain < 0 || domain > 0xffff || t->n == cap)
			continue;
		d->id = STAP_MMIO_PCI_DEV(domain, pdev->bus->number,
					  pdev->devfn);
		d->vendor = pdev->vendor;
		d->device = pdev->device;
		d->irq = pdev->irq;
		for (i = 0; i < SMMIO_PCI_RES; i++) {
			d->res[i].start = pdev->resource[i].start;
			d->res[i].end = pdev->resource[i].end;
			d->res[i].flags = pdev->resource[i].flags;
		}
		drv = READ_ONCE(pdev->dev.driver);
		if (drv && drv->name)
			strscpy(d->driver, drv->name, sizeof(d->driver));
		t->n++;
	}
	return t;
}

static void smmio_pci_refresh_span(struct smmio_mapping *m, void *arg)
{
	struct smmio_span *sp;
	struct smmio_pci_loc loc;

	list_for_each_entry(sp, &m->spans, node) {
		smmio_pci_locate(sp->phys, sp->probe.len, &loc);
		if (!memcmp(&loc, &sp->pci, sizeof(loc)))
			continue;
		/*
		 * Field by field, as the fault path may be reading it: with
		 * @len 0 meanwhile, its events are looked up on their own.
		 */
		WRITE_ONCE(sp->pci.len, 0);
		barrier();
		WRITE_ONCE(sp->pci.start, loc.start);
		WRITE_ONCE(sp->pci.off_mask, loc.off_mask);
		WRITE_ONCE(sp->pci.pci_dev, loc.pci_dev);
		WRITE_ONCE(sp->pci.bar, loc.bar);
		WRITE_ONCE(sp->pci.vendor, loc.vendor);
		WRITE_ONCE(sp->pci.device_id, loc.device_id);
		barrier();
		WRITE_ONCE(sp->pci.len, loc.len);
	}
}

/* Publish @t (NULL: keep the old table) and refresh every span's BAR. */
static void smmio_pci_publish(struct smmio_pci_table *t)
{
	struct smmio_pci_table *old;

	lockdep_assert_held(&smmio_lock);
	if (!t)
		return;
	old = rcu_dereference_protected(smmio_pci_table,
					lockdep_is_held(&smmio_lock));
	rcu_assign_pointer(smmio_pci_table, t);
	if (old)
		kvfree_rcu(old, rcu);
	smmio_visit_mappings(smmio_pci_refresh_span, NULL);
}

static const struct smmio_pci_info *smmio_pci_find(const struct smmio_pci_table *t,
						   u32 id)
{
	unsigned int i;

	for (i = 0; t && i < t->n; i++)
		if (t->dev[i].id == id)
			return &t->dev[i];
	return NULL;
}

/* --- where an address lies --- */

static __always_inline void smmio_pci_loc_set(struct smmio_pci_loc *loc,
					      const struct smmio_pci_info *d,
					      int bar)
{
	loc->start = d->res[bar].start;
	loc->len = d->res[bar].end - d->res[bar].start + 1;
	loc->off_mask = 0;
	loc->pci_dev = d->id;
	loc->bar = bar;
	loc->vendor = d->vendor;
	loc->device_id = d->device;
}

/*
 * The BAR holding @phys, else the first one [phys, phys+len) overlaps,
 * into @loc; else "none" (struct smmio_pci_loc).  Under RCU or
 * smmio_lock; the fault path calls it (through smmio_pci_event_fill())
 * for an access outside its span's BAR.
 */
void smmio_pci_locate(u64 phys, u64 len, struct smmio_pci_loc *loc)
{
	const struct smmio_pci_table *t = smmio_pci_now();
	const struct smmio_pci_info *over = NULL;
	int over_bar = 0;
	u64 last = phys + len - 1;
	unsigned int i;
	int bar;

	memset(loc, 0, sizeof(*loc));
	loc->len = U64_MAX;
	loc->off_mask = U64_MAX;
	loc->pci_dev = STAP_MMIO_PCI_NONE;
	loc->bar = -1;
	loc->vendor = -1;
	loc->device_id = -1;
	for (i = 0; t && i < t->n; i++) {
		const struct smmio_pci_info *d = &t->dev[i];

		for (bar = 0; bar < SMMIO_PCI_BARS; bar++) {
			const struct smmio_pci_res *r = &d->res[bar];

			if (!smmio_pci_mem(r) || r->start > last ||
			    r->end < phys)
				continue;
			if (r->start <= phys) {
				smmio_pci_loc_set(loc, d, bar);
				return;
			}
			if (!over || r->start < over->res[over_bar].start) {
				over = d;
				over_bar = bar;
			}
		}
	}
	if (over)
		smmio_pci_loc_set(loc, over, over_bar);
}
NOKPROBE_SYMBOL(smmio_pci_locate);

/*
 * The PCI fields of an event outside its span's BAR (or of a span being
 * updated), from the table.  Fault path.
 */
void smmio_pci_event_fill(struct stap_mmio_event *ev)
{
	struct smmio_pci_loc loc;
	u64 off;

	smmio_pci_locate(ev->phys, 1, &loc);
	off = ev->phys - loc.start;
	ev->bar = loc.bar;
	ev->bar_offset = off | loc.off_mask;
	ev->pci_dev = loc.pci_dev;
	ev->vendor = loc.vendor;
	ev->device_id = loc.device_id;
}
NOKPROBE_SYMBOL(smmio_pci_event_fill);

/* --- the mmiotrace PCIDEV line --- */

int smmio_pci_describe(u32 pci_dev, char *buf, unsigned int len)
{
	const struct smmio_pci_info *d;
	unsigned int n = 0;
	int i;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	rcu_read_lock();
	d = smmio_pci_find(smmio_pci_now(), pci_dev);
	if (!d) {
		rcu_read_unlock();
		return -ENODEV;
	}
	/* The kernel tracer's fields: bus+devfn, IDs, IRQ, 7 bases, 7 sizes. */
	n += scnprintf(buf + n, len - n, "PCIDEV %02x%02x %04x%04x %x",
		       (pci_dev >> 8) & 0xff, pci_dev & 0xff, d->vendor,
		       d->device, d->irq);
	for (i = 0; i < SMMIO_PCI_RES; i++)
		n += scnprintf(buf + n, len - n, " %llx",
			       d->res[i].start |
			       (d->res[i].flags & PCI_REGION_FLAG_MASK));
	for (i = 0; i < SMMIO_PCI_RES; i++)
		n += scnprintf(buf + n, len - n, " %llx",
			       d->res[i].start < d->res[i].end ?
			       d->res[i].end - d->res[i].start + 1 : 0);
	n += scnprintf(buf + n, len - n, " %s", d->driver);
	rcu_read_unlock();
	return n;
}

/* --- selectors --- */

/*
 * The range of BAR @bar of @d that @offset/@length select, into @r.
 * Returns 0 or -errno with @why said.
 */
static int smmio_pci_bar_range(const struct smmio_pci_info *d, int bar,
			       u64 offset, u64 length, struct smmio_range *r,
			       char *why)
{
	const struct smmio_pci_res *res = &d->res[bar];
	u64 size;

	if (res->flags & IORESOURCE_IO) {
		snprintf(why, STAP_MMIO_PCI_WHY_MAX,
			 "BAR %d is an I/O port BAR, not memory", bar);
		return -EMEDIUMTYPE;
	}
	if (!smmio_pci_mem(res)) {
		snprintf(why, STAP_MMIO_PCI_WHY_MAX, "BAR %d does not exist",
			 bar);
		return -ENXIO;
	}
	size = res->end - res->start + 1;
	if (offset >= size) {
		snprintf(why, STAP_MMIO_PCI_WHY_MAX,
			 "offset 0x%llx is past the end of BAR %d (0x%llx bytes)",
			 offset, bar, size);
		return -ERANGE;
	}
	r->start = res->start + offset;
	r->end = length && length < size - offset ? r->start + length :
		 res->end + 1;
	r->pci_dev = d->id;
	return 0;
}

/*
 * The ranges @sel selects in device @d, appended to @r (room for
 * SMMIO_PCI_BARS more).  Returns how many, or -errno with @why said.
 */
static int smmio_pci_dev_ranges(const struct smmio_pci_info *d,
				s32 sel_bar, u64 offset, u64 length,
				struct smmio_range *r, char *why)
{
	int bar, n = 0, ret, err = 0;

	if (sel_bar >= 0) {
		ret = smmio_pci_bar_range(d, sel_bar, offset, length, r, why);
		return ret ? ret : 1;
	}
	for (bar = 0; bar < SMMIO_PCI_BARS; bar++) {
		if (!smmio_pci_mem(&d->res[bar]))
			continue;
		ret = smmio_pci_bar_range(d, bar, offset, length, &r[n], why);
		if (!ret)
			n++;
		else
			err = ret;
	}
	if (n)
		return n;
	if (!err) {
		snprintf(why, STAP_MMIO_PCI_WHY_MAX, "the device has no memory BAR");
		return -ENXIO;
	}
	snprintf(why, STAP_MMIO_PCI_WHY_MAX,
		 "offset 0x%llx is past the end of every memory BAR", offset);
	return -ERANGE;
}

static bool smmio_pci_matches(const struct stap_mmio_pci_sel *sel,
			      const struct smmio_pci_info *d)
{
	switch (sel->kind) {
	case STAP_MMIO_PCI_BDF:
		return d->id == STAP_MMIO_PCI_DEV(sel->domain, sel->bus,
						  sel->devfn);
	case STAP_MMIO_PCI_ID:
		return d->vendor == sel->vendor && d->device == sel->device;
	case STAP_MMIO_PCI_DRIVER:
		return d->driver[0] && !strcmp(d->driver, sel->driver);
	}
	return false;
}

static const char *smmio_pci_sel_check(const struct stap_mmio_pci_sel *sel,
				       unsigned int probe, unsigned int flags)
{
	if (sel->size < sizeof(*sel))
		return "selector from an incompatible tapset";
	if (probe >= STAP_MMIO_MAX_PROBES)
		return "too many probes (the limit is 256)";
	if (!smmio_range_flags_ok(flags))
		return "bad range flags";
	if (sel->bar < -1 || sel->bar >= SMMIO_PCI_BARS)
		return "PCI devices have BARs 0 to 5";
	switch (sel->kind) {
	case STAP_MMIO_PCI_BDF:
		if (sel->domain > 0xffff || sel->bus > 0xff || sel->devfn > 0xff)
			return "bad PCI device address";
		return NULL;
	case STAP_MMIO_PCI_ID:
		if (sel->vendor > 0xffff || sel->device > 0xffff)
			return "PCI vendor and device IDs are 16-bit numbers";
		return NULL;
	case STAP_MMIO_PCI_DRIVER:
		if (!sel->driver[0])
			return "empty driver name";
		return NULL;
	}
	return "unknown kind of selector";
}

/*
 * The ranges of every device of table @t that @sel selects, into a new
 * array (*@out, kfree() it).  Returns how many, or -errno with @why said
 * (with the device's name when several devices could be meant).
 */
static int smmio_pci_resolve(const struct smmio_pci_table *t,
			     const struct stap_mmio_pci_sel *sel,
			     unsigned int probe, unsigned int flags,
			     struct smmio_range **out, char *why)
{
	struct smmio_range *r;
	unsigned int i, devs = 0;
	int n = 0, ret;
	char name[16];

	*out = NULL;
	r = kcalloc(t ? t->n * SMMIO_PCI_BARS + 1 : 1, sizeof(*r), GFP_ATOMIC);
	if (!r)
		return -ENOMEM;
	for (i = 0; t && i < t->n; i++) {
		const struct smmio_pci_info *d = &t->dev[i];
		int k;

		if (!smmio_pci_matches(sel, d))
			continue;
		devs++;
		ret = smmio_pci_dev_ranges(d, sel->bar, sel->offset,
					   sel->length, &r[n], why);
		if (ret < 0) {
			if (sel->kind != STAP_MMIO_PCI_BDF) {
				char tmp[STAP_MMIO_PCI_WHY_MAX];

				smmio_pci_name(d->id, name, sizeof(name));
				snprintf(tmp, sizeof(tmp), "%s: %s", name, why);
				strscpy(why, tmp, STAP_MMIO_PCI_WHY_MAX);
			}
			kfree(r);
			return ret;
		}
		for (k = n; k < n + ret; k++) {
			const char *bad;

			r[k].probe = probe;
			r[k].flags = flags;
			r[k].bound = sel->kind == STAP_MMIO_PCI_DRIVER;
			bad = smmio_range_problem(probe, r[k].start,
						  r[k].end - r[k].start, flags);
			if (bad) {
				smmio_pci_name(d->id, name, sizeof(name));
				snprintf(why, STAP_MMIO_PCI_WHY_MAX,
					 "%s: range 0x%llx+0x%llx: %s", name,
					 r[k].start, r[k].end - r[k].start,
					 bad);
				kfree(r);
				return -EINVAL;
			}
		}
		n += ret;
	}
	if (!devs && sel->kind == STAP_MMIO_PCI_BDF) {
		smmio_pci_name(STAP_MMIO_PCI_DEV(sel->domain, sel->bus,
						 sel->devfn), name, sizeof(name));
		snprintf(why, STAP_MMIO_PCI_WHY_MAX, "no PCI device %s", name);
		kfree(r);
		return -ENODEV;
	}
	if (!devs && sel->kind == STAP_MMIO_PCI_ID) {
		snprintf(why, STAP_MMIO_PCI_WHY_MAX,
			 "no PCI device with vendor 0x%04x device 0x%04x",
			 sel->vendor, sel->device);
		kfree(r);
		return -ENODEV;
	}
	*out = r;
	return n;
}

static void smmio_pci_sel_str(const struct stap_mmio_pci_sel *sel, char *buf,
			      size_t len)
{
	char name[16];

	switch (sel->kind) {
	case STAP_MMIO_PCI_BDF:
		smmio_pci_name(STAP_MMIO_PCI_DEV(sel->domain & 0xffff,
						 sel->bus & 0xff,
						 sel->devfn & 0xff),
			       name, sizeof(name));
		snprintf(buf, len, "pci %s", name);
		break;
	case STAP_MMIO_PCI_ID:
		snprintf(buf, len, "pci %04x:%04x", sel->vendor, sel->device);
		break;
	default:
		snprintf(buf, len, "driver %s", sel->driver);
		break;
	}
}

/* The session API's add_pci(): any context, like add_range(). */
int smmio_add_pci(int id, unsigned int probe, struct stap_mmio_pci_sel *sel,
		  unsigned int flags)
{
	struct smmio_pci_follow *f;
	struct smmio_range *r = NULL;
	struct smmio_session *s;
	unsigned long irqflags;
	const char *bad;
	char what[STAP_MMIO_PCI_NAME_MAX + 16];
	int n, ret = 0;

	if (!sel)
		return -EINVAL;
	sel->why[0] = '\0';
	sel->driver[sizeof(sel->driver) - 1] = '\0';
	smmio_pci_sel_str(sel, what, sizeof(what));
	bad = smmio_pci_sel_check(sel, probe, flags);
	if (bad) {
		strscpy(sel->why, bad, sizeof(sel->why));
		ret = -EINVAL;
		goto out_log;
	}

	spin_lock_irqsave(&smmio_lock, irqflags);
	s = smmio_session_find(id);
	if (!s || s->started) {
		ret = s ? -EBUSY : -ENOENT;
		strscpy(sel->why, s ? "session already started" :
			"no such session", sizeof(sel->why));
		goto out_unlock;
	}
	n = smmio_pci_resolve(smmio_pci_now(), sel, probe, flags, &r,
			      sel->why);
	if (n < 0) {
		ret = n;
		goto out_unlock;
	}
	ret = smmio_session_add_ranges(s, r, n);
	if (!ret && sel->kind == STAP_MMIO_PCI_DRIVER) {
		f = krealloc_array(s->follow, s->nfollow + 1, sizeof(*f),
				   GFP_ATOMIC);
		if (f) {
			s->follow = f;
			f = &f[s->nfollow++];
			strscpy(f->driver, sel->driver, sizeof(f->driver));
			f->bar = sel->bar;
			f->offset = sel->offset;
			f->length = sel->length;
			f->flags = flags;
			f->probe = probe;
		} else {
			s->nranges -= n;
			ret = -ENOMEM;
		}
	}
	if (ret == -ENOMEM)
		strscpy(sel->why, "out of memory", sizeof(sel->why));
out_unlock:
	spin_unlock_irqrestore(&smmio_lock, irqflags);
	kfree(r);
	if (!ret && sel->kind == STAP_MMIO_PCI_DRIVER &&
	    !driver_find(sel->driver, &pci_bus_type)) {
		strscpy(sel->why, "no PCI driver of that name is registered yet",
			sizeof(sel->why));
		pr_info(SMMIO_NAME ": session %d probe %u: %s: %s\n", id,
			probe, what, sel->why);
		return STAP_MMIO_PCI_WARN;
	}
out_log:
	if (ret)
		pr_warn(SMMIO_NAME ": session %d probe %u: %s: %s\n", id, probe,
			what, sel->why);
	return ret;
}

/* --- following drivers --- */

struct smmio_pci_bind {
	const struct smmio_pci_info *d;
	struct smmio_range *added;	/* ranges added to armed sessions */
	unsigned int nadded;
	unsigned int cap;
	bool reshape;
};

/* Add to @s the ranges its drivers want of the device binding now. */
static void smmio_pci_follow_bind(struct smmio_session *s, void *arg)
{
	struct smmio_pci_bind *b = arg;
	struct smmio_range r[SMMIO_PCI_BARS];
	char why[STAP_MMIO_PCI_WHY_MAX], name[16];
	unsigned int i;
	int n, k;

	for (i = 0; i < s->nfollow; i++) {
		const struct smmio_pci_follow *f = &s->follow[i];

		if (strcmp(f->driver, b->d->driver))
			continue;
		smmio_pci_name(b->d->id, name, sizeof(name));
		n = smmio_pci_dev_ranges(b->d, f->bar, f->offset, f->length, r,
					 why);
		for (k = 0; k < n; k++) {
			const char *bad;

			r[k].probe = f->probe;
			r[k].flags = f->flags;
			r[k].bound = true;
			bad = smmio_range_problem(f->probe, r[k].start,
						  r[k].end - r[k].start,
						  f->flags);
			if (bad) {
				snprintf(why, sizeof(why), "range 0x%llx+0x%llx: %s",
					 r[k].start, r[k].end - r[k].start, bad);
				n = -EINVAL;
			}
		}
		if (n >= 0 && smmio_session_add_ranges(s, r, n)) {
			strscpy(why, "out of memory", sizeof(why));
			n = -ENOMEM;
		}
		if (n < 0) {
			pr_warn(SMMIO_NAME ": session %d probe %u: driver %s: device %s bound but not traced: %s\n",
				s->id, f->probe, f->driver, name, why);
			continue;
		}
		pr_info(SMMIO_NAME ": session %d probe %u: driver %s: tracing device %s\n",
			s->id, f->probe, f->driver, name);
		if (!s->armed)
			continue;
		b->reshape = true;
		if (b->nadded + n <= b->cap) {
			memcpy(&b->added[b->nadded], r, n * sizeof(*r));
			b->nadded += n;
		}
	}
}

struct smmio_pci_drop {
	u32 id;
	bool bound_only;
	bool quiet;
	bool reshape;
	bool dropped;
};

static void smmio_pci_follow_drop(struct smmio_session *s, void *arg)
{
	struct smmio_pci_drop *dr = arg;
	char name[16];

	if (!smmio_session_drop_ranges(s, dr->id, dr->bound_only))
		return;
	dr->dropped = true;
	dr->reshape |= s->armed;
	if (dr->quiet)
		return;
	atomic64_inc(&s->pci_gone);
	smmio_pci_name(dr->id, name, sizeof(name));
	pr_info(SMMIO_NAME ": session %d: device %s %s: no longer traced\n",
		s->id, name, dr->bound_only ? "unbound" : "removed");
}

enum smmio_pci_change {
	SMMIO_PCI_REFRESH,	/* the table only */
	SMMIO_PCI_BIND,		/* a driver's probe is about to run */
	SMMIO_PCI_UNBOUND,	/* the driver is gone from the device */
	SMMIO_PCI_REMOVED,	/* the device is gone */
};

/* Process context: a PCI device changed. */
static void smmio_pci_change(struct pci_dev *pdev, enum smmio_pci_change what)
{
	struct smmio_pci_table *t = smmio_pci_build();
	struct smmio_pci_bind b = {};
	struct smmio_pci_drop dr = {};
	unsigned long flags;
	int domain = pci_domain_nr(pdev->bus);
	u32 id = STAP_MMIO_PCI_DEV(domain, pdev->bus->number, pdev->devfn);

	if (domain < 0 || domain > 0xffff)
		id = STAP_MMIO_PCI_NONE;
	if (what == SMMIO_PCI_BIND) {
		b.cap = 4 * SMMIO_PCI_BARS;
		b.added = kcalloc(b.cap, sizeof(*b.added), GFP_KERNEL);
		if (!b.added)
			b.cap = 0;
	}

	mutex_lock(&smmio_arm_mutex);
	spin_lock_irqsave(&smmio_lock, flags);
	smmio_pci_publish(t);
	if (what == SMMIO_PCI_BIND && id != STAP_MMIO_PCI_NONE) {
		b.d = smmio_pci_find(smmio_pci_now(), id);
		if (b.d && b.d->driver[0]) {
			/* A bind that follows an unseen unbind: start afresh. */
			dr.id = id;
			dr.bound_only = true;
			dr.quiet = true;
			smmio_visit_sessions(smmio_pci_follow_drop, &dr);
			smmio_visit_sessions(smmio_pci_follow_bind, &b);
		}
	} else if (what == SMMIO_PCI_UNBOUND || what == SMMIO_PCI_REMOVED) {
		dr.id = id;
		dr.bound_only = what == SMMIO_PCI_UNBOUND;
		smmio_visit_sessions(smmio_pci_follow_drop, &dr);
	}
	spin_unlock_irqrestore(&smmio_lock, flags);

	if (dr.dropped && what != SMMIO_PCI_BIND)
		smmio_count(SMMIO_PCI_GONE);
	if (b.nadded)
		smmio_prepare_aliases(b.added, b.nadded);
	if (b.reshape || dr.reshape)
		smmio_sessions_reshape();
	mutex_unlock(&smmio_arm_mutex);
	kfree(b.added);
}

static int smmio_pci_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct pci_dev *pdev = to_pci_dev((struct device *)data);

	switch (action) {
	case BUS_NOTIFY_BIND_DRIVER:
		smmio_pci_change(pdev, SMMIO_PCI_BIND);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
		smmio_pci_change(pdev, SMMIO_PCI_UNBOUND);
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		smmio_pci_change(pdev, SMMIO_PCI_REMOVED);
		break;
	case BUS_NOTIFY_ADD_DEVICE:
	case BUS_NOTIFY_BOUND_DRIVER:
		smmio_pci_change(pdev, SMMIO_PCI_REFRESH);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block smmio_pci_nb = {
	.notifier_call = smmio_pci_notify,
};

/* Process context, at load: before any span is armed. */
int smmio_pci_init(void)
{
	struct smmio_pci_table *t;
	unsigned long flags;
	int ret;

	ret = bus_register_notifier(&pci_bus_type, &smmio_pci_nb);
	if (ret) {
		pr_err(SMMIO_NAME ": cannot follow the PCI bus: %d\n", ret);
		return ret;
	}
	/* After registering: a change from now on rebuilds it again. */
	t = smmio_pci_build();
	spin_lock_irqsave(&smmio_lock, flags);
	if (!rcu_access_pointer(smmio_pci_table)) {
		smmio_pci_publish(t);
		t = NULL;
	}
	spin_unlock_irqrestore(&smmio_lock, flags);
	kvfree(t);
	return 0;
}

/* Process context; no session is open, no span armed. */
void smmio_pci_exit(void)
{
	struct smmio_pci_table *t;
	unsigned long flags;

	bus_unregister_notifier(&pci_bus_type, &smmio_pci_nb);
	spin_lock_irqsave(&smmio_lock, flags);
	t = rcu_dereference_protected(smmio_pci_table,
				      lockdep_is_held(&smmio_lock));
	RCU_INIT_POINTER(smmio_pci_table, NULL);
	spin_unlock_irqrestore(&smmio_lock, flags);
	if (t)
		kvfree_rcu(t, rcu);
}
