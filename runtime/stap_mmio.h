/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the stap_mmio runtime module and the
 * SystemTap modules that use kernel.mmio probes.
 *
 * This header is the one definition of the event record and of the session
 * API.  The runtime includes it; the tapset (tapset/mmio.stp) is generated
 * with this file pasted into its embedded-C block, so both always agree.
 *
 * Compatibility rule: fields of struct stap_mmio_event and of struct
 * stap_mmio_ops are only ever appended, never reordered or removed.
 */
#ifndef STAP_MMIO_H
#define STAP_MMIO_H

#include <linux/types.h>

#define STAP_MMIO_API_VERSION		3

/* Name of the runtime module and of the function every event is passed to. */
#define STAP_MMIO_MODULE_NAME		"stap_mmio"
#define STAP_MMIO_EVENT_FUNCTION	"stap_mmio_event"
/*
 * The session's handshake: the runtime calls it with an empty event of the
 * session until the script's probe on it sets @ack.  SystemTap runs a
 * probe handler only once every probe of the script is registered, so
 * from then on every access reaches the script: only then are the
 * session's pages armed.
 */
#define STAP_MMIO_SYNC_FUNCTION		"stap_mmio_sync"

/* Event types: the first five are the kernel's enum mm_io_opcode. */
#define STAP_MMIO_READ			1	/* MMIO_READ */
#define STAP_MMIO_WRITE			2	/* MMIO_WRITE */
#define STAP_MMIO_MAP			3	/* MMIO_PROBE: a mapping appeared */
#define STAP_MMIO_UNMAP			4	/* MMIO_UNPROBE: a mapping went */
#define STAP_MMIO_UNKNOWN		5	/* MMIO_UNKNOWN_OP */

/* Event flags (stap_mmio_event.flags). */
#define STAP_MMIO_EV_VALUE_UNKNOWN	0x0001	/* value could not be captured */
#define STAP_MMIO_EV_RMW		0x0002	/* half of a read-modify-write */
#define STAP_MMIO_EV_STRING		0x0004	/* one element of a string op */
#define STAP_MMIO_EV_REP		0x0008	/* ... with a REP prefix */
#define STAP_MMIO_EV_WIDE		0x0010	/* width > 8: see value_hi[] */
/* A MAP event for a mapping that existed before the session started. */
#define STAP_MMIO_EV_PRESENT_MAP	0x0020
/*
 * Other CPUs were online while this access was single-stepped with the
 * page present: their own accesses to the page in that window went unseen.
 */
#define STAP_MMIO_EV_SMP_WINDOW		0x0040
/* The access was emulated in the page fault (the page stayed armed). */
#define STAP_MMIO_EV_EMULATED		0x0080
/* ... single-stepped through the runtime's second mapping (page armed). */
#define STAP_MMIO_EV_STEPPED		0x0100
/*
 * Delivered before the device read (to probes that may skip it): @value
 * is 0, or what an earlier handler assigned.
 */
#define STAP_MMIO_EV_BEFORE		0x0200
/*
 * A handler may change this access: assigning @value changes what the
 * driver reads or what the device is given, and the skip action keeps
 * the access from the device.  Set on emulated accesses of up to 8 bytes.
 */
#define STAP_MMIO_EV_CHANGEABLE		0x0400

/* Actions a handler may ask for (stap_mmio_event.action). */
#define STAP_MMIO_ACT_SKIP		0x1	/* the device never sees it */

/* Range flags (stap_mmio_ops.add_range). */
#define STAP_MMIO_RANGE_READ		0x1	/* deliver reads */
#define STAP_MMIO_RANGE_WRITE		0x2	/* deliver writes */
#define STAP_MMIO_RANGE_MAP		0x4	/* deliver MAP/UNMAP events */
/* deliver reads before the device access, so the probe may skip them */
#define STAP_MMIO_RANGE_READ_BEFORE	0x8
/*
 * The range's probe never reads the event's timestamp: when no armed
 * range of any session wants one, accesses are not timestamped (0).
 */
#define STAP_MMIO_RANGE_NO_TIMESTAMP	0x10
/* any access: the range's pages are armed */
#define STAP_MMIO_RANGE_ACCESS		(STAP_MMIO_RANGE_READ | \
					 STAP_MMIO_RANGE_WRITE | \
					 STAP_MMIO_RANGE_READ_BEFORE)


/* Probes one session may have, and sessions that may be open at once. */
#define STAP_MMIO_MAX_PROBES		256
#define STAP_MMIO_MATCH_WORDS		(STAP_MMIO_MAX_PROBES / 64)
#define STAP_MMIO_MAX_SESSIONS		16

/*
 * One event: one device access, or one mapping appearing or going.
 * Delivered once per matching session; @match has bit K set when the
 * session's probe K matches the event.
 */
struct stap_mmio_event {
	__u64 phys;		/* physical address of the access / mapping */
	__u64 virt;		/* virtual address of the access / mapping */
	__u64 value;		/* value read or written (low 64 bits) */
	__u64 pc;		/* instruction pointer of the access */
	__u32 width;		/* bytes accessed (0 when unknown) */
	__u32 type;		/* STAP_MMIO_READ ... STAP_MMIO_UNKNOWN */
	__u32 cpu;		/* CPU the access ran on */
	__u32 map_id;		/* runtime's id of the mapping */
	__u32 session;		/* id of the session this delivery is for */
	__u32 flags;		/* STAP_MMIO_EV_* */
	__u64 match[STAP_MMIO_MATCH_WORDS];	/* probes of @session hit */
	__u64 map_len;		/* MAP/UNMAP: length of the mapping */
	__u64 seq;		/* per-session sequence number */
	__u64 timestamp;	/* local_clock() in ns at the access */
	__u64 value_hi[7];	/* STAP_MMIO_EV_WIDE: bits 64.. of the value */
	__u8 insn_len;		/* bytes of @insn that are valid */
	__u8 insn[15];		/* the instruction (always for UNKNOWN) */
	/*
	 * Set by the consumer (the tapset) when a probe of @session received
	 * the event: an event nobody acknowledged is counted undelivered.
	 */
	__u32 ack;
	/*
	 * The accessing context's struct pt_regs (0 for MAP/UNMAP): valid
	 * only while the event is being delivered.
	 */
	__u64 regs;
	__u32 action;		/* STAP_MMIO_ACT_*, set by handlers */
	/*
	 * API 3.  Where the access (or, for MAP/UNMAP, the mapping's first
	 * byte) falls in a PCI device's memory BAR, whatever probe matched:
	 * the BAR's number, the offset from its start, the device as
	 * STAP_MMIO_PCI_DEV(domain, bus, devfn) and its IDs.  Otherwise
	 * @bar, @bar_offset, @vendor and @device_id are -1 and @pci_dev is
	 * STAP_MMIO_PCI_NONE.
	 */
	__s32 bar;
	__u32 pci_dev;
	__s32 vendor;
	__s32 device_id;
	__s64 bar_offset;
};

/* A PCI device in one word: domain (up to 0xffff), bus, devfn. */
#define STAP_MMIO_PCI_DEV(domain, bus, devfn) \
	(((__u32)(domain) << 16) | ((__u32)(bus) << 8) | (__u32)(devfn))
#define STAP_MMIO_PCI_NONE		0xffffffffU

/*
 * API 3: which PCI memory BARs a probe traces (stap_mmio_ops.add_pci).
 * Resolved by the runtime when add_pci() is called (and, for a driver,
 * again whenever a device binds to it or unbinds), never at translate
 * time: one compiled script works on any machine.
 */
enum stap_mmio_pci_kind {
	STAP_MMIO_PCI_BDF = 1,		/* the device at domain:bus:devfn */
	STAP_MMIO_PCI_ID = 2,		/* every device with vendor:device */
	STAP_MMIO_PCI_DRIVER = 3,	/* every device bound to @driver */
};

#define STAP_MMIO_PCI_NAME_MAX		64
#define STAP_MMIO_PCI_WHY_MAX		128

struct stap_mmio_pci_sel {
	__u32 size;		/* sizeof(struct stap_mmio_pci_sel) */
	__u32 kind;		/* enum stap_mmio_pci_kind */
	__u32 domain;		/* BDF */
	__u32 bus;		/* BDF */
	__u32 devfn;		/* BDF: PCI_DEVFN(slot, function) */
	__u32 vendor;		/* ID */
	__u32 device;		/* ID */
	__s32 bar;		/* 0..5, or -1: every memory BAR */
	__u64 offset;		/* from the start of each BAR */
	__u64 length;		/* 0: to the end of each BAR */
	char driver[STAP_MMIO_PCI_NAME_MAX];	/* DRIVER, NUL-terminated */
	/* Out: on an error or a warning, one line saying why. */
	char why[STAP_MMIO_PCI_WHY_MAX];
};

/*
 * What add_pci() returns besides 0 and -errno: the selector is taken, but
 * @why holds a warning the user must see (no PCI driver of that name is
 * registered yet: its module may be loaded later).
 */
#define STAP_MMIO_PCI_WARN		1

/* Per-session statistics, also summed into debugfs. */
struct stap_mmio_stats {
	__u64 events;		/* events delivered to this session */
	__u64 unknown;		/* of which: instructions not decoded */
	__u64 value_unknown;	/* of which: value could not be captured */
	__u64 maybe_missed;	/* accesses that may have gone unseen */
	__u64 armed_pages;	/* pages armed for this session now */
	__u64 mappings;		/* mappings of its ranges seen */
	__u64 refused;		/* mappings it could not arm (see log) */
	__u64 undelivered;	/* accesses no probe of the script received */
	__u64 emulated;		/* accesses emulated in the page fault */
	__u64 stepped;		/* ... single-stepped through the 2nd mapping */
	__u64 present_steps;	/* ... single-stepped with the page present */
	__u64 overrides;	/* accesses a handler changed or skipped */
	__u64 skipped;		/* ... of which kept from the device */
	__u64 override_refused;	/* changes asked for that could not be made */
};

/*
 * The session API.  Every function may be called in atomic context (from a
 * stap begin/end probe): nothing here sleeps.  Errors are -errno, and the
 * runtime logs one line saying why.
 *
 * start() checks the ranges at once (errors are returned there) and arms
 * them once the script's probe on STAP_MMIO_SYNC_FUNCTION has answered.
 *
 * open() takes a reference on the runtime module that close() drops, so
 * a caller may symbol_put() the ops table right after open().  @owner is the
 * caller's module: if it goes away with the session still open, the runtime
 * closes the session itself.
 */
struct stap_mmio_ops {
	unsigned int version;	/* STAP_MMIO_API_VERSION */
	int (*open)(struct module *owner, const char *name);
	int (*add_range)(int session, unsigned int probe, __u64 phys,
			 __u64 len, unsigned int flags);
	int (*start)(int session);
	void (*close)(int session);
	int (*get_stats)(int session, struct stap_mmio_stats *stats);
	/*
	 * The call chain of the access being delivered on this CPU, from its
	 * instruction outwards, by the kernel's unwinder: up to @max return
	 * addresses into @pcs; returns how many (0 outside a delivery).
	 */
	int (*backtrace)(__u64 *pcs, unsigned int max);
	/*
	 * Ask that the access being delivered on this CPU not reach the
	 * device (STAP_MMIO_ACT_SKIP): 0, or -ENOENT outside a delivery.
	 */
	int (*skip)(void);
	/*
	 * API 3.  Add the PCI memory BARs @sel selects to probe @probe, with
	 * @flags as for add_range(): before start().  @sel->offset and
	 * @sel->length narrow each BAR (the range is cut at the BAR's end).
	 * A DRIVER selector also follows the driver: a device that binds to
	 * it later gets its BARs added when the bind begins (before the
	 * driver's probe maps anything), and loses them once it is unbound
	 * or removed (its mappings' UNMAP events come first).  A BDF or ID
	 * selector takes the devices there when it is added; a device that
	 * is removed loses its BARs, and one added later is not traced.
	 * Devices in PCI domains above 0xffff are not known.
	 * Returns 0, STAP_MMIO_PCI_WARN, or -errno with @sel->why set:
	 *   -ENODEV  no such device / no device with those IDs
	 *   -ENXIO   BAR N does not exist / the device has no memory BAR
	 *   -EMEDIUMTYPE  BAR N is an I/O port BAR, not memory
	 *   -ERANGE  the offset is past the end of the BAR(s)
	 *   -EINVAL  a bad selector, or a BAR's range refused (system RAM..)
	 *   -ENOENT, -EBUSY, -ENOMEM  as for add_range()
	 */
	int (*add_pci)(int session, unsigned int probe,
		       struct stap_mmio_pci_sel *sel, unsigned int flags);
	/*
	 * API 3.  The kernel mmiotrace tracer's PCIDEV line for the device
	 * @pci_dev (STAP_MMIO_PCI_DEV()), without the newline, into @buf:
	 * returns its length, or -ENODEV when no such device is known.
	 * Any context.
	 */
	int (*pci_describe)(__u32 pci_dev, char *buf, unsigned int len);
	/*
	 * API 3.  How many PCI devices the session traced went from it
	 * mid-session: unbound from the driver it follows, or removed
	 * (their mappings' UNMAP events were sent); -ENOENT for no such
	 * session.  (Not in struct stap_mmio_stats, whose size is the
	 * caller's.)
	 */
	long long (*pci_gone)(int session);
};

/* The runtime's ops table: symbol_get(stap_mmio_ops) (EXPORT_SYMBOL_GPL). */
extern const struct stap_mmio_ops stap_mmio_ops;

#endif /* STAP_MMIO_H */
