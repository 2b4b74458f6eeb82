// mmio_point.h - one kernel.mmio probe point, checked as stap checks its
// own points, and what it asks the runtime to trace: an MmioRange, which
// the lowered begin probe hands to the tapset (__mmio_add and friends).
//
// The forms, one file each:
//   kernel.mmio(ADDR)                       mmio_address_point.cxx
//   kernel.mmio.pci("DDDD:BB:DD.F") / (VENDOR, DEVICE)
//                                           mmio_pci_point.cxx
//   kernel.mmio.driver("NAME")              mmio_driver_point.cxx
// and the suffixes they share (.bar .offset .length .read ...) in
// mmio_point.cxx.
#ifndef STAP_MMIO_MMIO_POINT_H
#define STAP_MMIO_MMIO_POINT_H

#include <cstdint>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "script.h"

namespace stapmmio {

// What a point fires on: accesses, or a mapping of its range appearing or
// going.  The values are the runtime's event types (runtime/stap_mmio.h).
enum class EventKind { access = 0, map = 3, unmap = 4 };

// How a point names what it traces.
enum class RangeForm {
	address,	// kernel.mmio(ADDR): a physical range
	pci_slot,	// kernel.mmio.pci("DDDD:BB:DD.F"): one device's BARs
	pci_id,		// kernel.mmio.pci(VENDOR, DEVICE): every such device's
	driver,		// kernel.mmio.driver("NAME"): the bound devices' BARs
};

// One range handed to the runtime by the lowered begin probe.
struct MmioRange {
	unsigned probe = 0;		// K, the probe's index in the session
	RangeForm form = RangeForm::address;
	unsigned flags = 0;		// STAP_MMIO_RANGE_*
	uint64_t addr = 0;		// address: the first byte
	// address: bytes from addr (default 1); the BAR forms: bytes from
	// offset, 0 = to the end of the BAR
	uint64_t len = 1;
	unsigned domain = 0, bus = 0, devfn = 0;	// pci_slot
	unsigned vendor = 0, device = 0;		// pci_id
	std::string driver;				// driver
	int bar = -1;			// the BAR forms: -1 every memory BAR
	uint64_t offset = 0;		// the BAR forms: from the BAR's start
	// The tapset function that adds the range, and its arguments between
	// K and the flags as stap text: a number, or "$1"/"@1" where the user
	// wrote a script argument (so stap sees the argument used).
	std::string glue_function;
	std::vector<std::string> glue_args;
};

// The checked point.
struct MmioPoint {
	MmioRange range;
	EventKind kind = EventKind::access;
	// the suffixes' values as glue text ("$2" for a script argument)
	std::string length_glue, offset_glue, bar_glue;
};

// Is @pp a kernel.mmio point (any form)?
bool is_kernel_mmio(const ProbePoint &pp);

// Check @pp, a kernel.mmio point, and work out what it traces.  @script
// (may be null) tells which arguments are $N references.  Errors go to
// @diags, at the point's first token; false when there were any.
bool check_mmio_point(const ProbePoint &pp, const Script *script, MmioPoint &out,
		      std::vector<Diagnostic> &diags);

// The canonical text of a checked point, as stap -l lists it:
// kernel.mmio(0xfea00000).length(4), kernel.mmio.pci("0000:00:03.0").bar(0)
std::string canonical_point_text(const ProbePoint &pp, const MmioPoint &pt);

// The begin probe's call adding @r: "__mmio_add(K, ADDR, LEN, FLAGS)"
std::string glue_call(const MmioRange &r);

} // namespace stapmmio

#endif
