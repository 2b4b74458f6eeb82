// listing.cxx - see listing.h.
#include "listing.h"

#include <algorithm>
#include <fnmatch.h>

#include "mmio_probes.h"

namespace stapmmio {

namespace {

// What a component of a form takes.
enum class FormArg { none, number, string, two_numbers };

struct FormComp {
	const char *name;
	FormArg arg;
};

const char *form_arg_text(FormArg a)
{
	switch (a) {
	case FormArg::none: return "";
	case FormArg::number: return "(number)";
	case FormArg::string: return "(string)";
	case FormArg::two_numbers: return "(number,number)";
	}
	return "";
}

// @base with each optional suffix (a bit of @optional each) and then
// nothing or one of the kinds, appended to @v.
void add_forms(const std::vector<FormComp> &base, const std::vector<FormComp> &optional,
	       std::vector<std::vector<FormComp>> &v)
{
	static const char *kinds[] = { "read", "write", "map", "unmap" };
	for (unsigned bits = 0; bits < 1u << optional.size(); bits++) {
		std::vector<FormComp> f = base;
		for (size_t i = 0; i < optional.size(); i++)
			if (bits & 1u << i)
				f.push_back(optional[i]);
		v.push_back(f);
		for (auto k : kinds) {
			v.push_back(f);
			v.back().push_back({ k, FormArg::none });
		}
	}
}

// Every kernel.mmio form, as components.
std::vector<std::vector<FormComp>> forms()
{
	const FormComp kernel{ "kernel", FormArg::none }, mmio{ "mmio", FormArg::none };
	const std::vector<FormComp> bar_suffixes{ { "bar", FormArg::number },
						  { "offset", FormArg::number },
						  { "length", FormArg::number } };
	std::vector<std::vector<FormComp>> v;
	add_forms({ kernel, { "mmio", FormArg::number } }, { { "length", FormArg::number } }, v);
	add_forms({ kernel, mmio, { "pci", FormArg::string } }, bar_suffixes, v);
	add_forms({ kernel, mmio, { "pci", FormArg::two_numbers } }, bar_suffixes, v);
	add_forms({ kernel, mmio, { "driver", FormArg::string } }, bar_suffixes, v);
	return v;
}

// Can the pattern's argument(s) stand where the form takes @a?
bool argument_fits(const Component &p, FormArg a)
{
	switch (a) {
	case FormArg::none:
		return false;
	case FormArg::string:
		return p.arg_count() == 1 && p.arg.is_string;
	case FormArg::number:
		return p.arg_count() == 1 && !p.arg.is_string;
	case FormArg::two_numbers:
		return p.arg_count() == 2 && !p.arg.is_string && !p.more_args[0].is_string;
	}
	return false;
}

bool has_wildcard(const std::string &s)
{
	return s.find_first_of("*?[") != std::string::npos;
}

std::string literal_text(const Literal &l)
{
	if (l.is_string)
		return quote_as_string_literal(l.string);
	return (l.negative ? "-" : "") + l.tok->content;
}

std::string arg_text(const Component &c)
{
	std::string s = literal_text(c.arg);
	for (auto &l : c.more_args)
		s += "," + literal_text(l);
	return s;
}

// Match pattern components [i..) against form components [j..), appending
// each complete rendering to @out.  @forms_mode: the pattern gives no
// argument, so wildcards also match components that take one (shown as
// "(number)", "(string)" or "(number,number)"); otherwise, as stap does, a
// wildcard never matches a component that needs an argument.
void match_form(const ProbePoint &pat, size_t i, const std::vector<FormComp> &form, size_t j,
	   bool forms_mode, std::string text, std::vector<std::string> &out)
{
	if (i == pat.comps.size()) {
		if (j == form.size())
			out.push_back(text);
		return;
	}
	if (j == form.size())
		return;
	const Component &p = pat.comps[i];
	auto render = [&](const FormComp &f, const Component *given) {
		std::string s = text + (text.empty() ? "" : ".") + f.name;
		if (f.arg != FormArg::none)
			s += given && given->has_arg ? "(" + arg_text(*given) + ")"
						     : form_arg_text(f.arg);
		return s;
	};
	if (p.functor == "**") {
		// one or more components
		std::string t = text;
		for (size_t k = j; k < form.size(); k++) {
			if (form[k].arg != FormArg::none && !forms_mode)
				return;
			t = (t.empty() ? "" : t + ".") + form[k].name + form_arg_text(form[k].arg);
			match_form(pat, i + 1, form, k + 1, forms_mode, t, out);
		}
		return;
	}
	const FormComp &f = form[j];
	if (fnmatch(p.functor.c_str(), f.name, 0) != 0)
		return;
	if (p.has_arg && !argument_fits(p, f.arg))
		return;
	if (f.arg != FormArg::none && !p.has_arg && has_wildcard(p.functor) && !forms_mode)
		return;
	match_form(pat, i + 1, form, j + 1, forms_mode, render(f, &p), out);
}

} // namespace

std::vector<std::string> mmio_probe_types()
{
	std::vector<std::string> v;
	for (auto &f : forms()) {
		std::string s;
		for (auto &c : f)
			s += std::string(s.empty() ? "" : ".") + c.name + form_arg_text(c.arg);
		v.push_back(s);
	}
	std::sort(v.begin(), v.end());
	return v;
}

bool pattern_may_match_mmio(const ProbePoint &pat)
{
	if (pat.comps.empty())
		return false;
	const std::string &a = pat.comps[0].functor;
	if (a == "**")
		return true;
	if (fnmatch(a.c_str(), "kernel", 0) != 0 || pat.comps.size() < 2)
		return false;
	const std::string &b = pat.comps[1].functor;
	return b == "**" || fnmatch(b.c_str(), "mmio", 0) == 0;
}

bool pattern_is_mmio_only(const ProbePoint &pat)
{
	if (pat.comps.size() < 2 || pat.comps[0].functor != "kernel" ||
	    pat.comps[1].functor != "mmio")
		return false;
	return true;
}

std::vector<std::string> list_mmio_points(const ProbePoint &pat, const PpEnvironment &env)
{
	// a pattern that gives no argument lists the forms
	bool forms_mode = true;
	for (auto &c : pat.comps)
		forms_mode = forms_mode && !c.has_arg;
	std::vector<std::string> raw;
	for (auto &f : forms())
		match_form(pat, 0, f, 0, forms_mode, "", raw);
	std::vector<std::string> out;
	for (auto &s : raw) {
		bool form = s.find("(number") != std::string::npos ||
			    s.find("(string)") != std::string::npos;
		if (form) {
			out.push_back(s);
			continue;
		}
		// a concrete point: canonical, and only when valid
		SourceFile f{ "<input>", s };
		try {
			ProbePoint pp = parse_probe_point(f, env);
			MmioLowering l(LowerOptions{});
			std::string c = l.list_point(pp);
			if (!c.empty())
				out.push_back(c);
		} catch (const ParseError &) {
		}
	}
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

} // namespace stapmmio
