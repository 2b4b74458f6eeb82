// mmio_point.cxx - see mmio_point.h: which form a kernel.mmio point is,
// and the suffixes the forms share.
#include "mmio_point_forms.h"

#include <cstdio>

// The runtime's contract: plain #defines, read by the host compiler as is.
#include "../runtime/stap_mmio.h"

namespace stapmmio {

static_assert(int(EventKind::map) == STAP_MMIO_MAP && int(EventKind::unmap) == STAP_MMIO_UNMAP,
	      "EventKind holds the runtime's event types");

bool PointCheck::error(const std::string &message)
{
	diags.push_back({ message, pp.comps[0].tok });
	return false;
}

std::string hex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
	return b;
}

bool is_kernel_mmio(const ProbePoint &pp)
{
	return pp.comps.size() >= 2 && pp.comps[0].functor == "kernel" &&
	       pp.comps[1].functor == "mmio";
}

std::string argument_reference(const Literal &l, const Script *s)
{
	const Token *t = l.tok.get();
	if (!t || !s || l.negative || t->group < 0 || t->chain || !t->file ||
	    t->end > t->file->text.size() || t->end - t->begin < 2)
		return "";
	auto n = s->group_tokens.find(t->group);
	if (n == s->group_tokens.end() || n->second != 1 || s->irregular_groups.count(t->group))
		return "";
	std::string ref = t->file->text.substr(t->begin, t->end - t->begin);
	if ((ref[0] != '$' && ref[0] != '@') ||
	    ref.find_first_not_of("0123456789", 1) != std::string::npos)
		return "";
	return ref;
}

std::string glue_value(const Literal &l, const Script *script, const std::string &text)
{
	std::string ref = argument_reference(l, script);
	return ref.empty() ? text : ref;
}

bool check_number_argument(PointCheck &c, const Component &comp, const char *what,
			   const char *syntax)
{
	std::string head = std::string(what) + " of " + c.family + " probe point ";
	if (!comp.has_arg)
		return c.error(head + "needs a value: " + syntax);
	if (!comp.more_args.empty())
		return c.error(head + "takes one value: " + syntax);
	if (comp.arg.is_string)
		return c.error(head + "must be a number, not a string");
	return true;
}

namespace {

const char *const kind_names[] = { "read", "write", "map", "unmap" };

bool is_kind(const std::string &functor)
{
	for (const char *k : kind_names)
		if (functor == k)
			return true;
	return false;
}

void set_kind(const std::string &functor, MmioPoint &out)
{
	if (functor == "read") {
		out.range.flags = STAP_MMIO_RANGE_READ;
	} else if (functor == "write") {
		out.range.flags = STAP_MMIO_RANGE_WRITE;
	} else {
		out.range.flags = STAP_MMIO_RANGE_MAP;
		out.kind = functor == "map" ? EventKind::map : EventKind::unmap;
	}
}

struct NumericSuffix {
	const char *name, *syntax;
};
// in the order they may be written; an address point takes the last only
const NumericSuffix numeric_suffixes[] = {
	{ "bar", ".bar(N)" }, { "offset", ".offset(OFF)" }, { "length", ".length(LEN)" },
};

bool check_numeric_suffix(PointCheck &c, const Component &comp, const NumericSuffix &s,
			  MmioPoint &out)
{
	const std::string name = s.name;
	const char *what = name == "bar" ? "BAR" : s.name;
	if (!check_number_argument(c, comp, what, s.syntax))
		return false;
	const Literal &l = comp.arg;
	std::string head = std::string(what) + " of " + c.family + " probe point ";
	if (name == "length") {
		if (l.negative || l.magnitude == 0)
			return c.error(head + "must be positive");
		out.range.len = l.magnitude;
		out.length_glue = glue_value(l, c.script, hex(l.magnitude));
	} else if (name == "offset") {
		if (l.negative && l.magnitude)
			return c.error(head + "must not be negative");
		out.range.offset = l.magnitude;
		out.offset_glue = glue_value(l, c.script, hex(l.magnitude));
	} else {
		if ((l.negative && l.magnitude) || l.magnitude > 5)
			return c.error(head + "must be 0 to 5");
		out.range.bar = int(l.magnitude);
		out.bar_glue = glue_value(l, c.script, std::to_string(l.magnitude));
	}
	return true;
}

std::string unknown_suffix(const PointCheck &c, const std::string &functor, bool bar_form)
{
	return std::string("unknown ") + c.family + " probe point suffix '" + functor +
	       "' (expected " +
	       (bar_form ? ".bar(N), .offset(OFF), .length(LEN) in this order"
			 : ".length(LEN)") +
	       " then one of .read .write .map .unmap)";
}

} // namespace

bool check_suffixes(PointCheck &c, size_t first, bool bar_form, MmioPoint &out)
{
	const NumericSuffix *numeric = bar_form ? numeric_suffixes : numeric_suffixes + 2;
	size_t n_numeric = bar_form ? 3 : 1, next = 0;
	bool have_kind = false;
	out.range.flags = STAP_MMIO_RANGE_READ | STAP_MMIO_RANGE_WRITE;
	for (size_t i = first; i < c.pp.comps.size(); i++) {
		const Component &comp = c.pp.comps[i];
		size_t s = next;
		while (s < n_numeric && comp.functor != numeric[s].name)
			s++;
		if (s < n_numeric && !have_kind) {
			if (!check_numeric_suffix(c, comp, numeric[s], out))
				return false;
			next = s + 1;
		} else if (is_kind(comp.functor) && !have_kind && !comp.has_arg) {
			set_kind(comp.functor, out);
			have_kind = true;
		} else if (is_kind(comp.functor) && comp.has_arg) {
			return c.error("'" + comp.functor + "' takes no argument in a " + c.family +
				       " probe point");
		} else {
			return c.error(unknown_suffix(c, comp.functor, bar_form));
		}
	}
	return true;
}

std::string suffixes_text(const ProbePoint &pp, size_t first, const MmioPoint &pt)
{
	std::string s;
	for (size_t i = first; i < pp.comps.size(); i++) {
		const std::string &f = pp.comps[i].functor;
		if (f == "length")
			s += ".length(" + std::to_string(pt.range.len) + ")";
		else if (f == "offset")
			s += ".offset(" + hex(pt.range.offset) + ")";
		else if (f == "bar")
			s += ".bar(" + std::to_string(pt.range.bar) + ")";
		else
			s += "." + f;
	}
	return s;
}

bool check_mmio_point(const ProbePoint &pp, const Script *script, MmioPoint &out,
		      std::vector<Diagnostic> &diags)
{
	PointCheck c{ pp, script, diags, "kernel.mmio" };
	out = MmioPoint();
	if (pp.comps[0].has_arg)
		c.error("'kernel' takes no argument in a kernel.mmio probe point");
	size_t errors = diags.size();
	bool ok;
	const std::string form = pp.comps.size() > 2 ? pp.comps[2].functor : "";
	if (!pp.comps[1].has_arg && form == "pci") {
		c.family = "kernel.mmio.pci";
		ok = check_pci_point(c, out);
	} else if (!pp.comps[1].has_arg && form == "driver") {
		c.family = "kernel.mmio.driver";
		ok = check_driver_point(c, out);
	} else {
		ok = check_address_point(c, out);
	}
	return ok && diags.size() == errors && !pp.comps[0].has_arg;
}

std::string canonical_point_text(const ProbePoint &pp, const MmioPoint &pt)
{
	switch (pt.range.form) {
	case RangeForm::address:
		return "kernel.mmio(" + hex(pt.range.addr) + ")" + suffixes_text(pp, 2, pt);
	case RangeForm::pci_slot:
	case RangeForm::pci_id:
		return pci_point_text(pp, pt.range) + suffixes_text(pp, 3, pt);
	case RangeForm::driver:
		return driver_point_text(pt.range) + suffixes_text(pp, 3, pt);
	}
	return "";
}

std::string glue_call(const MmioRange &r)
{
	std::string s = r.glue_function + "(" + std::to_string(r.probe);
	for (auto &a : r.glue_args)
		s += ", " + a;
	return s + ", " + std::to_string(r.flags) + ")";
}

} // namespace stapmmio
