// mmio_driver_point.cxx - kernel.mmio.driver("NAME")[.bar(N)][.offset(OFF)]
// [.length(LEN)][.KIND]: the memory BARs of every PCI device bound to the
// driver NAME, those bound when the session starts and those bound while
// it runs (from the start of the bind, before the driver's probe maps
// anything).  The translator checks the syntax only; a driver nobody has
// registered yet is the runtime's to report.  The begin probe adds it with
//   __mmio_add_driver(K, "NAME", BAR, OFFSET, LENGTH, FLAGS)
#include "mmio_point_forms.h"

// STAP_MMIO_PCI_NAME_MAX: the runtime keeps the name in a fixed buffer
#include "../runtime/stap_mmio.h"

namespace stapmmio {

namespace {

// A name the kernel could give a driver (its sysfs directory's name).
bool plausible_driver_name(const std::string &s)
{
	for (unsigned char ch : s)
		if (ch <= ' ' || ch == '/' || ch == 0x7f)
			return false;
	return true;
}

} // namespace

bool check_driver_point(PointCheck &c, MmioPoint &out)
{
	const Component &drv = c.pp.comps[2];
	MmioRange &r = out.range;
	const char *usage = "kernel.mmio.driver(\"NAME\")";
	if (!drv.has_arg)
		return c.error(std::string("kernel.mmio.driver probe point needs a driver name: ") +
			       usage);
	if (!drv.more_args.empty())
		return c.error(std::string("kernel.mmio.driver probe point takes one driver "
					   "name: ") + usage);
	if (!drv.arg.is_string)
		return c.error("driver name of kernel.mmio.driver probe point must be a string, "
			       "not a number");
	if (drv.arg.string.empty())
		return c.error("driver name of kernel.mmio.driver probe point must not be empty");
	if (!plausible_driver_name(drv.arg.string))
		return c.error("driver name \"" + drv.arg.string + "\" of kernel.mmio.driver probe "
			       "point cannot name a driver (no blanks, '/' or control characters)");
	if (drv.arg.string.size() >= STAP_MMIO_PCI_NAME_MAX)
		return c.error("driver name of kernel.mmio.driver probe point is longer than " +
			       std::to_string(STAP_MMIO_PCI_NAME_MAX - 1) + " characters");
	r.form = RangeForm::driver;
	r.driver = drv.arg.string;
	r.len = 0;
	if (!check_suffixes(c, 3, true, out))
		return false;
	if (r.len && r.len - 1 > UINT64_MAX - r.offset)
		return c.error("range of kernel.mmio.driver probe point wraps past the end of "
			       "the address space");
	r.glue_function = "__mmio_add_driver";
	r.glue_args = { glue_value(drv.arg, c.script, quote_as_string_literal(r.driver)),
			out.bar_glue.empty() ? std::to_string(r.bar) : out.bar_glue,
			out.offset_glue.empty() ? hex(r.offset) : out.offset_glue,
			out.length_glue.empty() ? hex(r.len) : out.length_glue };
	return true;
}

std::string driver_point_text(const MmioRange &r)
{
	return "kernel.mmio.driver(" + quote_as_string_literal(r.driver) + ")";
}

} // namespace stapmmio
