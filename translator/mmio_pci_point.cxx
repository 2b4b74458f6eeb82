// mmio_pci_point.cxx - kernel.mmio.pci(DEVICE)[.bar(N)][.offset(OFF)]
// [.length(LEN)][.KIND]: the memory BARs of one PCI device, named by its
// address as lspci -D prints it ("DDDD:BB:DD.F", or "BB:DD.F" in domain
// 0), or of every device with the IDs VENDOR, DEVICE (numbers).  The
// translator checks the syntax only; the runtime finds the device when the
// session starts.  The begin probe adds it with
//   __mmio_add_pci(K, DOMAIN, BUS, DEVFN, BAR, OFFSET, LENGTH, FLAGS)
//   __mmio_add_pci_id(K, VENDOR, DEVICE, BAR, OFFSET, LENGTH, FLAGS)
// (BAR -1: every memory BAR; LENGTH 0: to the end of the BAR).
#include "mmio_point_forms.h"

#include <cstdio>
#include <cstdlib>

namespace stapmmio {

namespace {

// One field of a PCI address: 1 to 8 hexadecimal digits.
bool hex_field(const std::string &s, uint64_t &v)
{
	if (s.empty() || s.size() > 8 || s.find_first_not_of("0123456789abcdefABCDEF") !=
	    std::string::npos)
		return false;
	v = strtoull(s.c_str(), nullptr, 16);
	return true;
}

// "DDDD:BB:DD.F" / "BB:DD.F" -> domain, bus, device, function.
bool split_slot(const std::string &s, uint64_t f[4])
{
	size_t dot = s.rfind('.');
	if (dot == std::string::npos)
		return false;
	std::string head = s.substr(0, dot), parts[3];
	size_t n = 0, at = 0;
	for (;;) {
		size_t colon = head.find(':', at);
		if (n == 3)
			return false;
		parts[n++] = head.substr(at, colon - at);
		if (colon == std::string::npos)
			break;
		at = colon + 1;
	}
	if (n < 2)
		return false;
	f[0] = 0;
	for (size_t i = 0; i < n; i++)
		if (!hex_field(parts[i], f[i + 3 - n]))
			return false;
	return hex_field(s.substr(dot + 1), f[3]);
}

bool check_slot(PointCheck &c, const Literal &l, MmioRange &r)
{
	uint64_t f[4];
	if (!split_slot(l.string, f))
		return c.error("malformed PCI address \"" + l.string + "\" in kernel.mmio.pci "
			       "probe point (expected \"DDDD:BB:DD.F\" or \"BB:DD.F\", "
			       "hexadecimal)");
	static const struct {
		const char *name;
		uint64_t max;
	} fields[] = { { "domain", 0xffff }, { "bus", 0xff }, { "device", 0x1f },
		       { "function", 7 } };
	for (int i = 0; i < 4; i++)
		if (f[i] > fields[i].max)
			return c.error(std::string("PCI ") + fields[i].name + " " + hex(f[i]) +
				       " out of range in kernel.mmio.pci probe point (0 to " +
				       hex(fields[i].max) + ")");
	r.form = RangeForm::pci_slot;
	r.domain = unsigned(f[0]);
	r.bus = unsigned(f[1]);
	r.devfn = unsigned(f[2] << 3 | f[3]);
	return true;
}

bool check_id(PointCheck &c, const Literal &l, const char *what, unsigned &out)
{
	std::string head = std::string(what) + " of kernel.mmio.pci probe point ";
	if (l.is_string)
		return c.error(head + "must be a number, not a string");
	if ((l.negative && l.magnitude) || l.magnitude > 0xffff)
		return c.error(head + "must be a 16-bit number (0 to 0xffff)");
	out = unsigned(l.magnitude);
	return true;
}

bool check_device_arguments(PointCheck &c, const Component &pci, MmioRange &r)
{
	const char *usage = "kernel.mmio.pci(\"DDDD:BB:DD.F\") or "
			    "kernel.mmio.pci(VENDOR, DEVICE)";
	if (!pci.has_arg)
		return c.error(std::string("kernel.mmio.pci probe point needs a device: ") + usage);
	if (pci.arg_count() > 2 || (pci.arg_count() == 1 && !pci.arg.is_string))
		return c.error(std::string("kernel.mmio.pci probe point takes a device address "
					   "string or a vendor and a device ID: ") + usage);
	if (pci.arg_count() == 1)
		return check_slot(c, pci.arg, r);
	r.form = RangeForm::pci_id;
	return check_id(c, pci.arg, "vendor ID", r.vendor) &&
	       check_id(c, pci.more_args[0], "device ID", r.device);
}

} // namespace

bool check_pci_point(PointCheck &c, MmioPoint &out)
{
	const Component &pci = c.pp.comps[2];
	MmioRange &r = out.range;
	r.len = 0;
	if (!check_device_arguments(c, pci, r) || !check_suffixes(c, 3, true, out))
		return false;
	if (r.len && r.len - 1 > UINT64_MAX - r.offset)
		return c.error("range of kernel.mmio.pci probe point wraps past the end of the "
			       "address space");
	std::vector<std::string> device;
	if (r.form == RangeForm::pci_slot) {
		// the address is handed over as numbers; stap must still see an
		// @N argument used (it warns about unused ones)
		std::string ref = argument_reference(pci.arg, c.script);
		device = { hex(r.domain) + (ref.empty() ? "" : " + 0 * strlen(" + ref + ")"),
			   hex(r.bus), hex(r.devfn) };
		r.glue_function = "__mmio_add_pci";
	} else {
		device = { glue_value(pci.arg, c.script, hex(r.vendor)),
			   glue_value(pci.more_args[0], c.script, hex(r.device)) };
		r.glue_function = "__mmio_add_pci_id";
	}
	r.glue_args = device;
	r.glue_args.push_back(out.bar_glue.empty() ? std::to_string(r.bar) : out.bar_glue);
	r.glue_args.push_back(out.offset_glue.empty() ? hex(r.offset) : out.offset_glue);
	r.glue_args.push_back(out.length_glue.empty() ? hex(r.len) : out.length_glue);
	return true;
}

std::string pci_point_text(const ProbePoint &, const MmioRange &r)
{
	char b[64];
	if (r.form == RangeForm::pci_slot)
		snprintf(b, sizeof b, "kernel.mmio.pci(\"%04x:%02x:%02x.%x\")", r.domain, r.bus,
			 r.devfn >> 3, r.devfn & 7);
	else
		snprintf(b, sizeof b, "kernel.mmio.pci(0x%x,0x%x)", r.vendor, r.device);
	return b;
}

} // namespace stapmmio
