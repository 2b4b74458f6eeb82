// mmio_address_point.cxx - kernel.mmio(ADDR)[.length(LEN)][.KIND]: every
// access overlapping the physical range [ADDR, ADDR+LEN), LEN 1 by default.
// The begin probe adds it with __mmio_add(K, ADDR, LEN, FLAGS).
#include "mmio_point_forms.h"

namespace stapmmio {

bool check_address_point(PointCheck &c, MmioPoint &out)
{
	const Component &mmio = c.pp.comps[1];
	if (!mmio.has_arg) {
		return c.error("kernel.mmio probe point needs an address, a device or a driver: "
			       "kernel.mmio(ADDR), kernel.mmio.pci(DEVICE) or "
			       "kernel.mmio.driver(NAME)");
	}
	if (!mmio.more_args.empty())
		return c.error("kernel.mmio probe point takes one address: kernel.mmio(ADDR)");
	if (mmio.arg.is_string)
		return c.error("address of kernel.mmio probe point must be a number, not a string");
	if (mmio.arg.negative && mmio.arg.magnitude)
		return c.error("address of kernel.mmio probe point must not be negative");
	MmioRange &r = out.range;
	r.form = RangeForm::address;
	r.addr = mmio.arg.magnitude;
	r.len = 1;
	if (!check_suffixes(c, 2, false, out))
		return false;
	if (r.len - 1 > UINT64_MAX - r.addr)
		return c.error("range of kernel.mmio probe point wraps past the end of the "
			       "address space");
	r.glue_function = "__mmio_add";
	r.glue_args = { glue_value(mmio.arg, c.script, hex(r.addr)),
			out.length_glue.empty() ? hex(r.len) : out.length_glue };
	return true;
}

} // namespace stapmmio
