// SPDX-License-Identifier: GPL-2.0
/*
 * ibt-shape: bends one kmmio internal out of shape while it is loaded, so
 * a test can see the runtime refuse to load (runtime-kmmio-shape.exp).
 * The address comes from /proc/kallsyms; only one parameter at a time:
 *   nb_die=ADDR            nb_die.notifier_call points elsewhere
 *   kmmio_page_table=ADDR  head 3 is neither zero nor an empty list
 * Unloading puts the internal back.  Only with the mmiotrace tracer off
 * and no kmmio user loaded (nothing reads either internal then).
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/list.h>

static unsigned long nb_die;
module_param(nb_die, ulong, 0);
static unsigned long kmmio_page_table;
module_param(kmmio_page_table, ulong, 0);

static notifier_fn_t saved_call;
static struct list_head saved_head;

static int ibt_shape_notifier(struct notifier_block *nb, unsigned long v,
			      void *data)
{
	return NOTIFY_DONE;
}

static int __init ibt_shape_init(void)
{
	if (!nb_die == !kmmio_page_table)
		return -EINVAL;
	if (nb_die) {
		struct notifier_block *nb = (void *)nb_die;

		saved_call = nb->notifier_call;
		nb->notifier_call = ibt_shape_notifier;
	} else {
		struct list_head *head = (struct list_head *)kmmio_page_table + 3;

		saved_head = *head;
		head->next = (void *)head + 1;
	}
	return 0;
}

static void __exit ibt_shape_exit(void)
{
	if (nb_die)
		((struct notifier_block *)nb_die)->notifier_call = saved_call;
	else
		((struct list_head *)kmmio_page_table)[3] = saved_head;
}

module_init(ibt_shape_init);
module_exit(ibt_shape_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("runtime-kmmio-shape: a kmmio internal out of shape");
