// listing.cxx - see listing.h.
#include "listing.h"

#include <algorithm>
#include <fnmatch.h>

#include "mmio_probes.h"

namespace stapmmio {

namespace {

struct FormComp {
	const char *name;
	bool takes_arg;
};

// Every kernel.mmio form, as components.
std::vector<std::vector<FormComp>> forms()
{
	static const char *kinds[] = { "read", "write", "map", "unmap" };
	std::vector<std::vector<FormComp>> v;
	for (int len = 0; len < 2; len++) {
		std::vector<FormComp> base{ { "kernel", false }, { "mmio", true } };
		if (len)
			base.push_back({ "length", true });
		v.push_back(base);
		for (auto k : kinds) {
			auto f = base;
			f.push_back({ k, false });
			v.push_back(f);
		}
	}
	return v;
}

bool has_wildcard(const std::string &s)
{
	return s.find_first_of("*?[") != std::string::npos;
}

std::string arg_text(const Component &c)
{
	if (c.arg_is_string)
		return "\"" + c.arg_string + "\"";
	return (c.arg_negative ? "-" : "") + c.arg_tok->content;
}

// Match pattern components [i..) against form components [j..), appending
// each complete rendering to @out.  @forms_mode: the pattern names no
// address, so wildcards also match components that take an argument (they
// are shown as "(number)"); otherwise, as stap does, a wildcard never
// matches a component that needs an argument.
void match(const ProbePoint &pat, size_t i, const std::vector<FormComp> &form, size_t j,
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
		if (f.takes_arg)
			s += given && given->has_arg ? "(" + arg_text(*given) + ")" : "(number)";
		return s;
	};
	if (p.functor == "**") {
		// one or more components
		std::string t = text;
		for (size_t k = j; k < form.size(); k++) {
			if (form[k].takes_arg && !forms_mode)
				return;
			t = (t.empty() ? "" : t + ".") + form[k].name +
			    (form[k].takes_arg ? "(number)" : "");
			match(pat, i + 1, form, k + 1, forms_mode, t, out);
		}
		return;
	}
	const FormComp &f = form[j];
	if (fnmatch(p.functor.c_str(), f.name, 0) != 0)
		return;
	if (p.has_arg && (!f.takes_arg || p.arg_is_string))
		return;
	if (f.takes_arg && !p.has_arg && has_wildcard(p.functor) && !forms_mode)
		return;
	match(pat, i + 1, form, j + 1, forms_mode, render(f, &p), out);
}

} // namespace

std::vector<std::string> mmio_probe_types()
{
	std::vector<std::string> v;
	for (auto &f : forms()) {
		std::string s;
		for (auto &c : f)
			s += std::string(s.empty() ? "" : ".") + c.name + (c.takes_arg ? "(number)" : "");
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
	bool forms_mode = true;
	for (auto &c : pat.comps)
		if (c.functor != "**" && fnmatch(c.functor.c_str(), "mmio", 0) == 0 && c.has_arg)
			forms_mode = false;
	std::vector<std::string> raw;
	for (auto &f : forms())
		match(pat, 0, f, 0, forms_mode, "", raw);
	std::vector<std::string> out;
	for (auto &s : raw) {
		if (s.find("(number)") != std::string::npos) {
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
