// context_vars.cxx - see context_vars.h.
#include "context_vars.h"

namespace stapmmio {

const ContextVar context_vars[] = {
	{ "addr", "phys", "physical address accessed" },
	{ "value", "value", "value read or written" },
	{ "width", "width", "bytes accessed" },
	{ "type", "type", "1 read, 2 write, 3 map, 4 unmap, 5 unknown" },
	{ "pc", "pc", "instruction pointer of the access" },
	{ "virt", "virt", "virtual address accessed" },
	{ "cpu", "cpu", "CPU of the access" },
	{ "map_id", "map_id", "runtime's id of the mapping" },
	{ "length", "map_len", "length of the mapping (map/unmap)" },
	{ "flags", "flags", "STAP_MMIO_EV_* flags" },
	{ "seq", "seq", "per-session sequence number" },
	{ "timestamp", "timestamp", "local_clock() at the access, ns" },
};
const size_t n_context_vars = sizeof context_vars / sizeof context_vars[0];

const ContextVar *find_context_var(const std::string &name)
{
	for (size_t i = 0; i < n_context_vars; i++)
		if (name == context_vars[i].name)
			return &context_vars[i];
	return nullptr;
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
		s += std::string(i ? " $" : "$") + context_vars[i].name + ":long";
	return s;
}

std::string vars_expression()
{
	return "sprintf(\"addr=%#x value=%#x width=%d type=%d pc=%#x virt=%#x\", "
	       "$ev->phys, $ev->value, $ev->width, $ev->type, $ev->pc, $ev->virt)";
}

} // namespace stapmmio
