// mmio_probes.cxx - see mmio_probes.h.
//
// How the output is made: every token of the preprocessed script may get a
// replacement text.  A token written directly in the file has its own byte
// span; tokens pasted from $N or expanded from a macro share the span of
// that reference or invocation (a "group").  Rendering copies the file and
// substitutes changed spans; a changed group is re-emitted whole from its
// tokens.  Newlines a replaced span held are appended to its replacement,
// so every later line keeps its number.
#include "mmio_probes.h"

#include <cctype>
#include <fnmatch.h>
#include <set>

#include "context_vars.h"
// The runtime's contract (range flags, probe limit, event types): plain
// #defines and __u64 fields, so the host compiler reads it as it is.
#include "../runtime/stap_mmio.h"

namespace stapmmio {

namespace {

const unsigned RANGE_READ = STAP_MMIO_RANGE_READ, RANGE_WRITE = STAP_MMIO_RANGE_WRITE,
	       RANGE_MAP = STAP_MMIO_RANGE_MAP;
// reads delivered before the device access: for probes that may skip them
const unsigned RANGE_READ_BEFORE = STAP_MMIO_RANGE_READ_BEFORE;
const unsigned max_probes = STAP_MMIO_MAX_PROBES;

std::string hex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
	return b;
}

bool is_assignment(const Token &t)
{
	static const std::set<std::string> ops = {
		"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
		">>=", ".=", "++", "--",
	};
	return t.type == TokType::op && ops.count(t.content);
}

bool is_kernel_mmio(const ProbePoint &pp)
{
	return pp.comps.size() >= 2 && pp.comps[0].functor == "kernel" &&
	       pp.comps[1].functor == "mmio";
}

std::string condition_text(const ProbePoint &pp)
{
	if (pp.condition.empty())
		return "";
	return tokens_text(pp.condition, 0, pp.condition.size() - 1);
}

// "$3" when the component's argument is exactly a $N reference (one
// argument pasted as one number token)
std::string argument_reference(const Component &c, const Script *s)
{
	const Token *t = c.arg_tok.get();
	if (!t || !s || c.arg_negative || t->group < 0 || t->chain || !t->file ||
	    t->end > t->file->text.size() || t->end - t->begin < 2)
		return "";
	auto n = s->group_tokens.find(t->group);
	if (n == s->group_tokens.end() || n->second != 1 || s->irregular_groups.count(t->group))
		return "";
	std::string ref = t->file->text.substr(t->begin, t->end - t->begin);
	if (ref[0] != '$' || ref.find_first_not_of("0123456789", 1) != std::string::npos)
		return "";
	return ref;
}

// Whether two characters written side by side could lex as one token.
bool may_merge(char a, char b)
{
	auto word = [](char c) {
		return isalnum((unsigned char)c) || c == '_' || c == '$' || c == '@';
	};
	if (word(a) && word(b))
		return true;
	// two operator characters: only when they start a longer operator,
	// a comment or embedded code ("**" stays two tokens)
	static const char *const pairs[] = {
		"==", "!=", "<=", ">=", "=~", "!~", "+=", "-=", "*=", "/=", "%=",
		"&=", "^=", "|=", ".=", "&&", "||", "++", "--", "->", "<<", ">>",
		"%(", "%?", "%:", "%)", "//", "/*", "%{", "%}",
	};
	for (const char *p : pairs)
		if (a == p[0] && b == p[1])
			return true;
	return false;
}

// "a.b(1).c" -> {"a", "b(1)", "c"}
std::vector<std::string> split_components(const std::string &s)
{
	std::vector<std::string> v(1);
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < s.size(); i++) {
		char c = s[i];
		if (in_string && c == '\\' && i + 1 < s.size()) {
			v.back() += c;
			c = s[++i];
		} else if (c == '"') {
			in_string = !in_string;
		} else if (!in_string && c == '(') {
			depth++;
		} else if (!in_string && c == ')') {
			depth--;
		} else if (!in_string && !depth && c == '.') {
			v.emplace_back();
			continue;
		}
		v.back() += c;
	}
	return v;
}

std::string quote(const std::string &s)
{
	return quote_as_string_literal(s);
}

} // namespace

struct MmioLowering::Unit {
	std::unique_ptr<SourceFile> owned;
	const SourceFile *file = nullptr;
	Script script;
	std::map<size_t, std::string> repl;	// token index -> new text
	bool is_user = false;
};

struct MmioLowering::Point {
	bool direct = false;
	uint64_t addr = 0, len = 1;
	std::string addr_expr, len_expr;
	unsigned flags = RANGE_READ | RANGE_WRITE;
	int kind = 0;	// 0 access, STAP_MMIO_MAP / STAP_MMIO_UNMAP: that only
	std::string cond;
	bool optional = false, sufficient = false;
	TokenPtr tok;
	Alias *alias = nullptr;
};

struct MmioLowering::Alias {
	std::vector<std::string> names;
	Unit *unit = nullptr;
	size_t probe = 0;
	int state = 0;			// 0 unknown, 1 mmio, 2 not mmio
	bool used = false;
	bool epilogue = false;
	std::string check;		// filter expression (after lowering)
	std::vector<MmioRange> ranges;
};

MmioLowering::MmioLowering(LowerOptions opts) : opts_(std::move(opts)) {}
MmioLowering::~MmioLowering() = default;

void MmioLowering::add_tapset(std::unique_ptr<SourceFile> file, Script script)
{
	auto u = std::make_unique<Unit>();
	u->file = file.get();
	u->owned = std::move(file);
	u->script = std::move(script);
	units_.push_back(std::move(u));
	analysed_ = false;
}

void MmioLowering::set_user(const SourceFile *file, Script script)
{
	auto u = std::make_unique<Unit>();
	u->file = file;
	u->script = std::move(script);
	u->is_user = true;
	user_ = u.get();
	units_.push_back(std::move(u));
	analysed_ = false;
	analyse();
}

MmioLowering::Alias *MmioLowering::find_alias(const ProbePoint &pp, bool &with_suffix)
{
	with_suffix = false;
	std::string whole = pp.text();
	for (auto &a : aliases_)
		for (auto &n : a->names) {
			if (n == whole)
				return a.get();
		}
	for (auto &a : aliases_)
		for (auto &n : a->names)
			if (whole.compare(0, n.size() + 1, n + ".") == 0) {
				with_suffix = true;
				return a.get();
			}
	if (whole.find('*') == std::string::npos)
		return nullptr;
	// a wildcard use ("probe edu.*"): component by component, as stap
	// matches aliases; only when every alias it matches is of one kind
	Alias *found = nullptr;
	for (auto &a : aliases_)
		for (auto &n : a->names) {
			std::vector<std::string> pc = split_components(whole),
				nc = split_components(n);
			bool m = pc.size() == nc.size();
			for (size_t i = 0; m && i < pc.size(); i++)
				m = fnmatch(pc[i].c_str(), nc[i].c_str(), 0) == 0;
			if (!m)
				continue;
			if (found && (found->state == 1) != (a->state == 1))
				return nullptr;
			if (!found)
				found = a.get();
		}
	return found;
}

// Which aliases are kernel.mmio ones, and does the user's script use any.
void MmioLowering::analyse()
{
	aliases_.clear();
	for (auto &u : units_)
		for (size_t i = 0; i < u->script.probes.size(); i++) {
			const Probe &p = u->script.probes[i];
			if (!p.is_alias())
				continue;
			auto a = std::make_unique<Alias>();
			for (auto &n : p.alias_names)
				a->names.push_back(n.text());
			a->unit = u.get();
			a->probe = i;
			a->epilogue = p.epilogue;
			aliases_.push_back(std::move(a));
		}
	// an alias is an mmio alias when one of its points is kernel.mmio
	// or an mmio alias (to a fixpoint: aliases may use aliases)
	bool changed = true;
	while (changed) {
		changed = false;
		for (auto &a : aliases_) {
			if (a->state == 1)
				continue;
			for (auto &pp : a->unit->script.probes[a->probe].points) {
				bool suffix;
				Alias *b = is_kernel_mmio(pp) ? nullptr : find_alias(pp, suffix);
				if (is_kernel_mmio(pp) || (b && b->state == 1)) {
					a->state = 1;
					changed = true;
					break;
				}
			}
		}
	}
	uses_mmio_ = false;
	if (!user_)
		return;
	for (auto &p : user_->script.probes)
		for (auto &pp : p.points) {
			bool suffix;
			Alias *a = find_alias(pp, suffix);
			if (is_kernel_mmio(pp) || (a && a->state == 1)) {
				if (!uses_mmio_)
					first_tok_ = pp.comps[0].tok;
				uses_mmio_ = true;
			}
		}
	analysed_ = true;
}

unsigned MmioLowering::new_probe_index(const TokenPtr &at)
{
	if (next_k_ == max_probes)
		error("too many kernel.mmio probes: at most " + std::to_string(max_probes) +
		      " per script", at);
	return next_k_++;
}

// Check one kernel.mmio point and work out its range.
bool MmioLowering::analyse_point(const ProbePoint &pp, Point &out)
{
	const TokenPtr &at = pp.comps[0].tok;
	const Component &kern = pp.comps[0], &mmio = pp.comps[1];
	out.direct = true;
	out.tok = at;
	out.cond = condition_text(pp);
	out.optional = pp.optional;
	out.sufficient = pp.sufficient;
	bool ok = true;
	if (kern.has_arg) {
		error("'kernel' takes no argument in a kernel.mmio probe point", at);
		ok = false;
	}
	if (!mmio.has_arg) {
		error("kernel.mmio probe point needs an address: kernel.mmio(ADDR)", at);
		return false;
	}
	if (mmio.arg_is_string) {
		error("address of kernel.mmio probe point must be a number, not a string", at);
		return false;
	}
	if (mmio.arg_negative && mmio.arg_magnitude) {
		error("address of kernel.mmio probe point must not be negative", at);
		return false;
	}
	out.addr = mmio.arg_magnitude;
	out.addr_expr = argument_reference(mmio, cur_script_);
	bool have_len = false, have_kind = false;
	for (size_t i = 2; i < pp.comps.size(); i++) {
		const Component &c = pp.comps[i];
		if (c.functor == "length" && !have_len && !have_kind) {
			have_len = true;
			if (!c.has_arg) {
				error("length of kernel.mmio probe point needs a value: .length(LEN)", at);
				return false;
			}
			if (c.arg_is_string) {
				error("length of kernel.mmio probe point must be a number, not a string", at);
				return false;
			}
			if (c.arg_negative || c.arg_magnitude == 0) {
				error("length of kernel.mmio probe point must be positive", at);
				return false;
			}
			out.len = c.arg_magnitude;
			out.len_expr = argument_reference(c, cur_script_);
			continue;
		}
		if ((c.functor == "read" || c.functor == "write" || c.functor == "map" ||
		     c.functor == "unmap") && !have_kind && !c.has_arg) {
			have_kind = true;
			if (c.functor == "read")
				out.flags = RANGE_READ;
			else if (c.functor == "write")
				out.flags = RANGE_WRITE;
			else {
				out.flags = RANGE_MAP;
				out.kind = c.functor == "map" ? STAP_MMIO_MAP : STAP_MMIO_UNMAP;
			}
			continue;
		}
		if (c.has_arg && (c.functor == "read" || c.functor == "write" ||
				  c.functor == "map" || c.functor == "unmap")) {
			error("'" + c.functor + "' takes no argument in a kernel.mmio probe point", at);
			return false;
		}
		error("unknown kernel.mmio probe point suffix '" + c.functor +
		      "' (expected .length(LEN) then one of .read .write .map .unmap)", at);
		return false;
	}
	if (out.len - 1 > UINT64_MAX - out.addr) {
		error("range of kernel.mmio probe point wraps past the end of the address space", at);
		return false;
	}
	return ok;
}

// The filter for a probe's kernel.mmio points: one probe index K per
// (condition, map/unmap kind) group; ranges of the group are added with K.
std::string MmioLowering::check_expression(const std::vector<Point> &pts,
					   std::string &point_cond, bool &optional)
{
	std::vector<std::pair<std::string, int>> keys;
	std::vector<unsigned> ks;
	optional = true;
	for (const Point &p : pts) {
		optional = optional && p.optional;
		std::pair<std::string, int> key{ p.cond, p.kind };
		size_t g = 0;
		while (g < keys.size() && keys[g] != key)
			g++;
		if (g == keys.size()) {
			keys.push_back(key);
			ks.push_back(new_probe_index(p.tok));
		}
		ranges_.push_back({ ks[g], p.addr, p.len, p.flags, p.addr_expr, p.len_expr });
	}
	point_cond.clear();
	if (keys.size() == 1)
		point_cond = keys[0].first;
	std::string expr;
	for (size_t g = 0; g < keys.size(); g++) {
		std::string e = "__mmio_hit($ev, " + std::to_string(ks[g]) + ")";
		if (keys[g].second)
			e += " && $ev->type == " + std::to_string(keys[g].second);
		if (keys.size() > 1 && !keys[g].first.empty())
			e += " && (" + keys[g].first + ")";
		expr += (g ? " || " : "") + (keys.size() > 1 ? "(" + e + ")" : e);
	}
	return expr;
}

void MmioLowering::rewrite_body(Unit &u, size_t first, size_t last)
{
	auto &toks = u.script.tokens;
	int defined_depth = 0;	// parens inside @defined( ... )
	for (size_t i = first + 1; i < last; i++) {
		const Token &t = *toks[i];
		if (defined_depth) {
			if (t.is_op("("))
				defined_depth++;
			else if (t.is_op(")"))
				defined_depth--;
		} else if (t.is_op("@defined") && i + 1 < last && toks[i + 1]->is_op("(")) {
			defined_depth = 1;
			i++;
			continue;
		}
		if (t.type != TokType::identifier || t.content[0] != '$')
			continue;
		bool written = (i + 1 < last && is_assignment(*toks[i + 1])) ||
			(i > first + 1 && (toks[i - 1]->is_op("++") || toks[i - 1]->is_op("--")));
		std::string name = t.content.substr(1), suffix;
		if (name.compare(0, 1, "$") == 0) {
			std::string base = name.substr(1);
			while (!base.empty() && base.back() == '$') {
				suffix += '$';
				base.pop_back();
			}
			if (base == "vars" || base == "parms") {
				u.repl[i] = vars_expression();
			} else if (base == "locals") {
				u.repl[i] = "\"\"";
			} else {
				error("context variable '$" + name + "' not available in kernel.mmio probes "
				      "(alternatives: $$vars $$parms $$locals)", toks[i]);
				continue;
			}
			if (written)
				error("write to target variable not permitted; need stap -g", toks[i]);
			continue;
		}
		while (!name.empty() && name.back() == '$') {
			suffix += '$';
			name.pop_back();
		}
		const ContextVar *cv = find_context_var(name);
		if (!cv) {
			if (defined_depth) {
				u.repl[i] = "$__stap_mmio_undefined_" + name + suffix;
				continue;
			}
			error("context variable '$" + name + "' not available in kernel.mmio probes "
			      "(alternatives: " + context_var_names() + ")", toks[i]);
			continue;
		}
		if (written && !opts_.guru) {
			error("write to target variable not permitted; need stap -g", toks[i]);
			continue;
		}
		u.repl[i] = std::string("$ev->") + cv->field + suffix;
	}
}

void MmioLowering::mark_used(Alias *a)
{
	if (!a || a->used || a->state != 1)
		return;
	a->used = true;
	for (auto &pp : a->unit->script.probes[a->probe].points) {
		bool suffix;
		if (!is_kernel_mmio(pp))
			mark_used(find_alias(pp, suffix));
	}
}

void MmioLowering::lower_unit(Unit &u, bool is_user, bool aliases)
{
	cur_script_ = &u.script;
	for (size_t pi = 0; pi < u.script.probes.size(); pi++) {
		Probe &p = u.script.probes[pi];
		if (p.is_alias() != aliases)
			continue;
		std::vector<Point> pts;
		const ProbePoint *other = nullptr;
		bool any_mmio = false, bad = false;
		for (auto &pp : p.points) {
			Point pt;
			bool suffix = false;
			Alias *a = is_kernel_mmio(pp) ? nullptr : find_alias(pp, suffix);
			if (is_kernel_mmio(pp)) {
				any_mmio = true;
				if (!analyse_point(pp, pt))
					bad = true;
				pts.push_back(pt);
				if (pt.sufficient)
					break;	// '!': the points after it are not used
			} else if (a && a->state == 1) {
				any_mmio = true;
				if (suffix) {
					error("kernel.mmio alias '" + a->names[0] +
					      "' takes no suffixes", pp.comps[0].tok);
					bad = true;
				}
				pt.alias = a;
				pt.tok = pp.comps[0].tok;
				pts.push_back(pt);
			} else if (!other) {
				other = &pp;
			}
		}
		if (!any_mmio)
			continue;
		// probe kernel.mmio(A), timer.s(1): one body, two kinds of
		// context: refused rather than split
		if (other) {
			error("kernel.mmio probe points cannot share a probe with other "
			      "probe points; write a separate probe for '" + other->text() + "'",
			      other->comps[0].tok);
			continue;
		}
		bool direct = false, via_alias = false;
		for (auto &pt : pts)
			(pt.alias ? via_alias : direct) = true;
		if (direct && via_alias) {
			error("kernel.mmio probe points and kernel.mmio aliases cannot share a probe",
			      pts[0].tok);
			continue;
		}
		Alias *self = nullptr;
		if (p.is_alias())
			for (auto &a : aliases_)
				if (a->unit == &u && a->probe == pi)
					self = a.get();
		if (is_user)
			for (auto &pt : pts)
				mark_used(pt.alias);
		if (bad)
			continue;

		size_t ranges_before = ranges_.size();
		std::string check;
		if (direct) {
			std::string cond;
			bool optional;
			check = check_expression(pts, cond, optional);
			std::string head = "probe ";
			if (p.is_alias()) {
				for (auto &n : p.alias_names)
					head += n.text() + (p.epilogue ? " += " : " = ");
			}
			head += "module(" + quote(opts_.module) + ").function(\"stap_mmio_event\")";
			if (optional)
				head += "?";
			if (!cond.empty())
				head += " if (" + cond + ")";
			head += " { if (!(" + check + ")) next; ";
			u.repl[p.header_first] = head;
			for (size_t i = p.header_first + 1; i <= p.body_first; i++)
				u.repl[i] = "";
		} else {
			// uses of kernel.mmio aliases: the header stays; epilogue
			// aliases run after the body, so the body filters too
			bool epi = false;
			for (auto &pt : pts)
				epi = epi || pt.alias->epilogue;
			if (epi && pts.size() > 1) {
				error("a kernel.mmio epilogue alias (+=) must be the only point of its probe",
				      pts[0].tok);
				continue;
			}
			if (epi && !pts[0].alias->check.empty())
				u.repl[p.body_first] = "{ if (!(" + pts[0].alias->check + ")) next; ";
			check = pts.size() == 1 ? pts[0].alias->check : "";
		}
		if (self) {
			self->check = check;
			// an alias's ranges count only when the script uses it
			self->ranges.assign(ranges_.begin() + ranges_before, ranges_.end());
			ranges_.resize(ranges_before);
		}
		rewrite_body(u, p.body_first, p.body_last);
		if (p.has_body2)
			rewrite_body(u, p.body2_first, p.body2_last);
		// a probe that may skip an access must see reads before them
		if (body_calls(u, p.body_first, p.body_last, "mmio_skip"))
			for (size_t r = ranges_before; r < ranges_.size(); r++)
				if (ranges_[r].flags & RANGE_READ)
					ranges_[r].flags = (ranges_[r].flags & ~RANGE_READ) |
						RANGE_READ_BEFORE;
	}
}

bool MmioLowering::body_calls(const Unit &u, size_t first, size_t last,
			      const char *fn) const
{
	const auto &toks = u.script.tokens;
	for (size_t i = first + 1; i + 1 < last; i++)
		if (toks[i]->is_ident(fn) && toks[i + 1]->is_op("("))
			return true;
	return false;
}

std::string MmioLowering::render(const Unit &u)
{
	const std::string &text = u.file->text;
	const auto &toks = u.script.tokens;
	std::string out;
	size_t copied = 0;
	for (size_t i = 0; i < toks.size();) {
		const Token &t = *toks[i];
		size_t j = i + 1;
		size_t b = t.begin, e = t.end;
		if (t.group >= 0)
			while (j < toks.size() && toks[j]->group == t.group) {
				b = std::min(b, toks[j]->begin);
				e = std::max(e, toks[j]->end);
				j++;
			}
		bool changed = false;
		for (size_t k = i; k < j; k++)
			changed = changed || u.repl.count(k);
		if (changed && t.group >= 0) {
			// a comment begun in the pasted text took user text along
			auto sw = u.script.swallowed.find(t.group);
			if (sw != u.script.swallowed.end() && sw->second > e)
				e = std::min(sw->second, text.size());
		}
		if (changed && (b < copied || e > text.size() ||
				(t.group >= 0 && u.script.irregular_groups.count(t.group)))) {
			error("cannot lower this kernel.mmio probe: a $N argument or macro "
			      "expansion here holds preprocessor structure that cannot be "
			      "re-emitted", toks[i]);
			i = j;
			continue;
		}
		if (changed) {
			std::string s;
			if (t.group < 0) {
				s = u.repl.at(i);
			} else {
				// pieces that touched stay touching (a probe point
				// component like "*length" depends on it)
				bool last_replaced = false;
				for (size_t k = i; k < j; k++) {
					auto r = u.repl.find(k);
					bool replaced = r != u.repl.end();
					std::string piece = replaced ? r->second
						: token_text(*toks[k]);
					if (piece.empty())
						continue;
					if (!s.empty() && (toks[k]->ate_whitespace || replaced ||
							   last_replaced ||
							   may_merge(s.back(), piece[0])))
						s += ' ';
					s += piece;
					last_replaced = replaced;
				}
			}
			size_t nl = 0, nl_new = 0;
			for (size_t k = b; k < e; k++)
				nl += text[k] == '\n';
			for (char c : s)
				nl_new += c == '\n';
			// a deleted token takes the blanks before it along
			bool blanks = s.empty() && b > copied;
			for (size_t k = copied; blanks && k < b; k++)
				blanks = text[k] == ' ' || text[k] == '\t';
			if (!blanks)
				out.append(text, copied, b - copied);
			// nor may it glue itself to its neighbours
			if (!s.empty() && !out.empty() && may_merge(out.back(), s.front()))
				out += ' ';
			out += s;
			if (!s.empty() && e < text.size() && may_merge(s.back(), text[e]))
				out += ' ';
			if (nl > nl_new)
				out.append(nl - nl_new, '\n');
			if (nl_new > nl)
				error("cannot lower kernel.mmio probes here without moving the lines "
				      "after it: the expansion holds embedded code of several lines",
				      toks[i]);
			copied = e;
		}
		i = j;
	}
	out.append(text, copied, std::string::npos);
	return out;
}

bool MmioLowering::lower()
{
	if (!analysed_)
		analyse();
	diags_.clear();
	ranges_.clear();
	next_k_ = 0;
	for (auto &u : units_)
		u->repl.clear();
	// aliases first, so their checks are known where they are used
	for (auto &u : units_)
		if (!u->is_user)
			lower_unit(*u, false, true);
	if (user_) {
		lower_unit(*user_, true, true);
		lower_unit(*user_, true, false);
	}
	for (auto &a : aliases_)
		if (a->used)
			ranges_.insert(ranges_.end(), a->ranges.begin(), a->ranges.end());
	if (!diags_.empty())
		return false;

	for (auto &u : units_)
		if (!u->is_user && !u->repl.empty())
			tapset_out_[u->file->name] = render(*u);
	if (user_)
		user_out_ = render(*user_);
	if (!diags_.empty())
		return false;
	if (!user_ || !uses_mmio_)
		return true;
	// the glue goes on the line after the user's last line, even when
	// that line's text was re-emitted as padding
	const std::string &orig = user_->file->text;
	if ((!user_out_.empty() && user_out_.back() != '\n') ||
	    (!orig.empty() && orig.back() != '\n'))
		user_out_ += '\n';
	std::string glue = "probe begin(-9223372036854775808) { __mmio_open(" +
		quote(opts_.session_name) + ");";
	for (auto &r : ranges_)
		glue += " __mmio_add(" + std::to_string(r.probe) + ", " +
			(r.addr_expr.empty() ? hex(r.addr) : r.addr_expr) + ", " +
			(r.len_expr.empty() ? hex(r.len) : r.len_expr) + ", " +
			std::to_string(r.flags) + ");";
	glue += " __mmio_start() }\n";
	glue += "probe end(9223372036854775807), error { __mmio_close() }\n";
	// the runtime arms the session once this probe answers (SystemTap
	// runs no handler before every probe of the script is registered)
	glue += "probe module(" + quote(opts_.module) +
		").function(\"stap_mmio_sync\") { __mmio_sync($ev) }\n";
	user_out_ += glue;
	return true;
}

std::string MmioLowering::list_point(const ProbePoint &pp)
{
	if (!is_kernel_mmio(pp))
		return "";
	Point pt;
	if (!analyse_point(pp, pt))
		return "";
	std::string s = "kernel.mmio(" + hex(pt.addr) + ")";
	bool have_len = false;
	for (size_t i = 2; i < pp.comps.size(); i++)
		have_len = have_len || pp.comps[i].functor == "length";
	if (have_len)
		s += ".length(" + std::to_string(pt.len) + ")";
	for (size_t i = 2; i < pp.comps.size(); i++)
		if (pp.comps[i].functor != "length")
			s += "." + pp.comps[i].functor;
	return s;
}

} // namespace stapmmio
