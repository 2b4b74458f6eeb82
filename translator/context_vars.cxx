// context_vars.cxx - see context_vars.h.
#include "context_vars.h"

namespace stapmmio {

const ContextVar context_vars[] = {
	{ "addr", "phys", "long", nullptr, true, "physical address accessed" },
	{ "value", "value", "long", nullptr, true, "value read or written" },
	{ "width", "width", "long", nullptr, true, "bytes accessed" },
	{ "type", "type", "long", nullptr, true, "1 read, 2 write, 3 map, 4 unmap, 5 unknown" },
	{ "pc", "pc", "long", nullptr, true, "instruction pointer of the access" },
	{ "virt", "virt", "long", nullptr, true, "virtual address accessed" },
	{ "cpu", "cpu", "long", nullptr, true, "CPU of the access" },
	{ "map_id", "map_id", "long", nullptr, true, "runtime's id of the mapping" },
	{ "length", "map_len", "long", nullptr, true, "length of the mapping (map/unmap)" },
	{ "flags", "flags", "long", nullptr, true, "STAP_MMIO_EV_* flags" },
	{ "seq", "seq", "long", nullptr, true, "per-session sequence number" },
	{ "timestamp", "timestamp", "long", nullptr, true, "local_clock() at the access, ns" },
	{ "offset", "bar_offset", "long", nullptr, false,
	  "offset from the start of the PCI BAR, -1 outside one" },
	{ "bar", "bar", "long", nullptr, false, "number of the PCI BAR, -1 outside one" },
	{ "device", "pci_dev", "string", "__mmio_pci_name(FIELD)", false,
	  "the BAR's PCI device, DDDD:BB:DD.F, \"\" outside one" },
	{ "vendor", "vendor", "long", nullptr, false, "the device's vendor ID, -1 outside a BAR" },
	{ "device_id", "device_id", "long", nullptr, false,
	  "the device's device ID, -1 outside a BAR" },
	{ "pci_dev", "pci_dev", "long", nullptr, false,
	  "the device as domain << 16 | bus << 8 | devfn, 0xffffffff outside a BAR" },
};
const size_t n_context_vars = sizeof context_vars / sizeof context_vars[0];

const ContextVar *find_context_var(const std::string &name)
{
	for (size_t i = 0; i < n_context_vars; i++)
		if (name == context_vars[i].name)
			return &context_vars[i];
	return nullptr;
}

std::string context_var_expression(const ContextVar &cv, bool pretty)
{
	std::string field = std::string("$ev->") + cv.field;
	if (!cv.expression)
		return field + (pretty ? "$" : "");
	std::string e = cv.expression;
	size_t at = e.find("FIELD");
	if (at != std::string::npos)
		e.replace(at, 5, field);
	// $name$ of a string: quoted, as stap pretty-prints a char *
	return pretty ? "(\"\\\"\" . " + e + " . \"\\\"\")" : e;
}

std::string context_var_names()
{
	std::string s;
	for (size_t i = 0; i < n_context_vars; i++)
		s += std::string(i ? " $" : "$") + context_vars[i].name;
	return s;
}

std::string context_var_listing()
{
	std::string s;
	for (size_t i = 0; i < n_context_vars; i++)
		s += std::string(i ? " $" : "$") + context_vars[i].name + ":" +
		     context_vars[i].type;
	return s;
}

std::string vars_expression()
{
	return "sprintf(\"addr=%#x value=%#x width=%d type=%d pc=%#x virt=%#x\", "
	       "$ev->phys, $ev->value, $ev->width, $ev->type, $ev->pc, $ev->virt)";
}

} // namespace stapmmio
