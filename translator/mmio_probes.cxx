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

const unsigned RANGE_READ = STAP_MMIO_RANGE_READ;
// reads delivered before the device access: for probes that may skip them
const unsigned RANGE_READ_BEFORE = STAP_MMIO_RANGE_READ_BEFORE;
const unsigned max_probes = STAP_MMIO_MAX_PROBES;

bool is_assignment(const Token &t)
{
	static const std::set<std::string> ops = {
		"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
		">>=", ".=", "++", "--",
	};
	return t.type == TokType::op && ops.count(t.content);
}

std::string condition_text(const ProbePoint &pp)
{
	if (pp.condition.empty())
		return "";
	return tokens_text(pp.condition, 0, pp.condition.size() - 1);
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

// A kernel.mmio point of a probe, or a use of a kernel.mmio alias.
struct MmioLowering::Point {
	MmioPoint mmio;			// a kernel.mmio point: what it traces
	std::string cond;
	bool optional = false, sufficient = false;
	TokenPtr tok;
	Alias *alias = nullptr;		// a use of this alias
};

// An alias definition, and whether it is a kernel.mmio one: one of its
// points is kernel.mmio or a kernel.mmio alias.
struct MmioLowering::Alias {
	std::vector<std::string> names;
	Unit *unit = nullptr;
	size_t probe = 0;
	bool mmio = false;
	bool used = false;		// by the user's script, maybe through others
	bool epilogue = false;
	std::string check;		// filter expression (after lowering)
	std::vector<MmioRange> ranges;
};

// A probe's points, sorted by what they are.
struct MmioLowering::ProbePoints {
	std::vector<Point> pts;			// kernel.mmio points, alias uses
	const ProbePoint *other = nullptr;	// the first point of neither kind
	bool any_mmio = false, bad = false;
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
	uses_found_ = false;
}

void MmioLowering::set_user(const SourceFile *file, Script script)
{
	auto u = std::make_unique<Unit>();
	u->file = file;
	u->script = std::move(script);
	u->is_user = true;
	user_ = u.get();
	units_.push_back(std::move(u));
	uses_found_ = false;
	find_mmio_uses();
}

// A wildcard use ("probe edu.*"), matched component by component as stap
// matches aliases: the alias, when every alias it matches is of one kind.
MmioLowering::Alias *MmioLowering::find_alias_by_wildcard(const std::string &pattern)
{
	Alias *found = nullptr;
	std::vector<std::string> pc = split_components(pattern);
	for (auto &a : aliases_)
		for (auto &n : a->names) {
			std::vector<std::string> nc = split_components(n);
			bool m = pc.size() == nc.size();
			for (size_t i = 0; m && i < pc.size(); i++)
				m = fnmatch(pc[i].c_str(), nc[i].c_str(), 0) == 0;
			if (!m)
				continue;
			if (found && found->mmio != a->mmio)
				return nullptr;
			if (!found)
				found = a.get();
		}
	return found;
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
	return find_alias_by_wildcard(whole);
}

// A kernel.mmio point, or a use of a kernel.mmio alias?
bool MmioLowering::is_mmio_point(const ProbePoint &pp)
{
	if (is_kernel_mmio(pp))
		return true;
	bool suffix;
	Alias *a = find_alias(pp, suffix);
	return a && a->mmio;
}

// Every alias of the script and the tapsets, and which are kernel.mmio
// ones (to a fixpoint: aliases may use aliases).
void MmioLowering::find_mmio_aliases()
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
	bool changed = true;
	while (changed) {
		changed = false;
		for (auto &a : aliases_) {
			if (a->mmio)
				continue;
			for (auto &pp : a->unit->script.probes[a->probe].points)
				if (is_mmio_point(pp)) {
					a->mmio = true;
					changed = true;
					break;
				}
		}
	}
}

// Which aliases are kernel.mmio ones, and does the user's script use any.
void MmioLowering::find_mmio_uses()
{
	find_mmio_aliases();
	uses_mmio_ = false;
	if (!user_)
		return;
	for (auto &p : user_->script.probes)
		for (auto &pp : p.points)
			if (is_mmio_point(pp)) {
				if (!uses_mmio_)
					first_tok_ = pp.comps[0].tok;
				uses_mmio_ = true;
			}
	uses_found_ = true;
}

unsigned MmioLowering::new_probe_index(const TokenPtr &at)
{
	if (next_k_ == max_probes)
		error("too many kernel.mmio probes: at most " + std::to_string(max_probes) +
		      " per script", at);
	return next_k_++;
}

// Check one kernel.mmio point and work out what it traces.
bool MmioLowering::check_point(const ProbePoint &pp, Point &out)
{
	out.tok = pp.comps[0].tok;
	out.cond = condition_text(pp);
	out.optional = pp.optional;
	out.sufficient = pp.sufficient;
	return check_mmio_point(pp, cur_script_, out.mmio, diags_);
}

// The filter for a probe's kernel.mmio points: one probe index K per
// (condition, event kind) group; the group's ranges are added with K.
std::string MmioLowering::filter_expression(const std::vector<Point> &pts,
					    std::string &point_cond, bool &optional)
{
	std::vector<std::pair<std::string, EventKind>> keys;
	std::vector<unsigned> ks;
	optional = true;
	for (const Point &p : pts) {
		optional = optional && p.optional;
		std::pair<std::string, EventKind> key{ p.cond, p.mmio.kind };
		size_t g = 0;
		while (g < keys.size() && keys[g] != key)
			g++;
		if (g == keys.size()) {
			keys.push_back(key);
			ks.push_back(new_probe_index(p.tok));
		}
		ranges_.push_back(p.mmio.range);
		ranges_.back().probe = ks[g];
	}
	point_cond.clear();
	if (keys.size() == 1)
		point_cond = keys[0].first;
	std::string expr;
	for (size_t g = 0; g < keys.size(); g++) {
		std::string e = "__mmio_probe_hit(" + std::to_string(ks[g]) + ")";
		if (keys[g].second != EventKind::access)
			e += " && $ev->type == " + std::to_string(int(keys[g].second));
		if (keys.size() > 1 && !keys[g].first.empty())
			e += " && (" + keys[g].first + ")";
		expr += (g ? " || " : "") + (keys.size() > 1 ? "(" + e + ")" : e);
	}
	return expr;
}

// $$vars, $$parms, $$locals (@i is the token)
bool MmioLowering::rewrite_whole_vars(Unit &u, size_t i, bool written)
{
	const TokenPtr &t = u.script.tokens[i];
	std::string base = t->content.substr(2);
	while (!base.empty() && base.back() == '$')
		base.pop_back();
	if (base == "vars" || base == "parms") {
		u.repl[i] = vars_expression();
	} else if (base == "locals") {
		u.repl[i] = "\"\"";
	} else {
		error("context variable '" + t->content + "' not available in kernel.mmio probes "
		      "(alternatives: $$vars $$parms $$locals)", t);
		return false;
	}
	if (written)
		error("write to target variable not permitted; need stap -g", t);
	return true;
}

// $name (@i is the token); @in_defined: inside @defined( ), where an
// unknown variable is simply not defined.
bool MmioLowering::rewrite_context_variable(Unit &u, size_t i, bool written, bool in_defined)
{
	const TokenPtr &t = u.script.tokens[i];
	std::string name = t->content.substr(1), suffix;
	while (!name.empty() && name.back() == '$') {
		suffix += '$';
		name.pop_back();
	}
	const ContextVar *cv = find_context_var(name);
	if (!cv && in_defined) {
		u.repl[i] = "$__stap_mmio_undefined_" + name + suffix;
		return true;
	}
	if (!cv) {
		error("context variable '$" + name + "' not available in kernel.mmio probes "
		      "(alternatives: " + context_var_names() + ")", t);
		return false;
	}
	if (written && !cv->writable) {
		error("context variable '$" + name + "' of kernel.mmio probes cannot be written",
		      t);
		return false;
	}
	if (written && !opts_.guru) {
		error("write to target variable not permitted; need stap -g", t);
		return false;
	}
	if (!in_defined && name == "timestamp")
		reads_timestamp_ = true;
	// inside @defined( ) the field itself: defined where the runtime has it
	u.repl[i] = in_defined ? std::string("$ev->") + cv->field + suffix
			       : context_var_expression(*cv, !suffix.empty());
	return true;
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
		if (t.content.compare(0, 2, "$$") == 0)
			rewrite_whole_vars(u, i, written);
		else
			rewrite_context_variable(u, i, written, defined_depth > 0);
	}
}

void MmioLowering::mark_used(Alias *a)
{
	if (!a || a->used || !a->mmio)
		return;
	a->used = true;
	for (auto &pp : a->unit->script.probes[a->probe].points) {
		bool suffix;
		if (!is_kernel_mmio(pp))
			mark_used(find_alias(pp, suffix));
	}
}

// Sort @p's points: kernel.mmio ones (checked), uses of kernel.mmio
// aliases, others.  False when none is a kernel.mmio one.
bool MmioLowering::sort_points(const Probe &p, ProbePoints &out)
{
	for (auto &pp : p.points) {
		Point pt;
		bool suffix = false;
		Alias *a = is_kernel_mmio(pp) ? nullptr : find_alias(pp, suffix);
		if (is_kernel_mmio(pp)) {
			out.any_mmio = true;
			if (!check_point(pp, pt))
				out.bad = true;
			out.pts.push_back(pt);
			if (pt.sufficient)
				break;	// '!': the points after it are not used
		} else if (a && a->mmio) {
			out.any_mmio = true;
			if (suffix) {
				error("kernel.mmio alias '" + a->names[0] + "' takes no suffixes",
				      pp.comps[0].tok);
				out.bad = true;
			}
			pt.alias = a;
			pt.tok = pp.comps[0].tok;
			out.pts.push_back(pt);
		} else if (!out.other) {
			out.other = &pp;
		}
	}
	return out.any_mmio;
}

// A probe (or alias definition) of kernel.mmio points: its header becomes
// the probe on the event function with the filter.  Returns the filter.
std::string MmioLowering::lower_direct_probe(Unit &u, const Probe &p,
					     const std::vector<Point> &pts)
{
	std::string cond;
	bool optional;
	std::string check = filter_expression(pts, cond, optional);
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
	return check;
}

// A probe on kernel.mmio aliases: the header stays; epilogue aliases run
// after the body, so the body filters too.  False on an error.
bool MmioLowering::lower_alias_use(Unit &u, const Probe &p, const std::vector<Point> &pts,
				   std::string &check)
{
	bool epi = false;
	for (auto &pt : pts)
		epi = epi || pt.alias->epilogue;
	if (epi && pts.size() > 1) {
		error("a kernel.mmio epilogue alias (+=) must be the only point of its probe",
		      pts[0].tok);
		return false;
	}
	if (epi && !pts[0].alias->check.empty())
		u.repl[p.body_first] = "{ if (!(" + pts[0].alias->check + ")) next; ";
	check = pts.size() == 1 ? pts[0].alias->check : "";
	return true;
}

void MmioLowering::lower_probe(Unit &u, size_t pi, bool is_user)
{
	Probe &p = u.script.probes[pi];
	ProbePoints sorted;
	if (!sort_points(p, sorted))
		return;
	const std::vector<Point> &pts = sorted.pts;
	// probe kernel.mmio(A), timer.s(1): one body, two kinds of context:
	// refused rather than split
	if (sorted.other) {
		error("kernel.mmio probe points cannot share a probe with other probe points; "
		      "write a separate probe for '" + sorted.other->text() + "'",
		      sorted.other->comps[0].tok);
		return;
	}
	bool direct = false, via_alias = false;
	for (auto &pt : pts)
		(pt.alias ? via_alias : direct) = true;
	if (direct && via_alias) {
		error("kernel.mmio probe points and kernel.mmio aliases cannot share a probe",
		      pts[0].tok);
		return;
	}
	if (is_user)
		for (auto &pt : pts)
			mark_used(pt.alias);
	if (sorted.bad)
		return;
	size_t ranges_before = ranges_.size();
	std::string check;
	if (direct)
		check = lower_direct_probe(u, p, pts);
	else if (!lower_alias_use(u, p, pts, check))
		return;
	for (auto &a : aliases_)
		if (p.is_alias() && a->unit == &u && a->probe == pi) {
			a->check = check;
			// an alias's ranges count only when the script uses it
			a->ranges.assign(ranges_.begin() + ranges_before, ranges_.end());
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

void MmioLowering::lower_unit(Unit &u, bool is_user, bool aliases)
{
	cur_script_ = &u.script;
	for (size_t pi = 0; pi < u.script.probes.size(); pi++)
		if (u.script.probes[pi].is_alias() == aliases)
			lower_probe(u, pi, is_user);
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

// The text of tokens [first, last) of one $N or macro group, re-emitted
// with their replacements.  Pieces that touched stay touching (a probe
// point component like "*length" depends on it).
std::string MmioLowering::replacement_text(const Unit &u, size_t first, size_t last)
{
	const auto &toks = u.script.tokens;
	std::string s;
	bool last_replaced = false;
	for (size_t k = first; k < last; k++) {
		auto r = u.repl.find(k);
		bool replaced = r != u.repl.end();
		std::string piece = replaced ? r->second : token_text(*toks[k]);
		if (piece.empty())
			continue;
		if (!s.empty() && (toks[k]->ate_whitespace || replaced || last_replaced ||
				   may_merge(s.back(), piece[0])))
			s += ' ';
		s += piece;
		last_replaced = replaced;
	}
	return s;
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
			std::string s = t.group < 0 ? u.repl.at(i) : replacement_text(u, i, j);
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

// The probes that open the session and add the ranges (before any other
// begin probe), close it, and answer the runtime's handshake.
std::string MmioLowering::session_glue() const
{
	std::string glue = "probe begin(-9223372036854775808) { __mmio_open(" +
		quote(opts_.session_name) + ");";
	for (auto r : ranges_) {
		// the runtime timestamps accesses only for scripts that read it
		if (!reads_timestamp_)
			r.flags |= STAP_MMIO_RANGE_NO_TIMESTAMP;
		glue += " " + glue_call(r) + ";";
	}
	glue += " __mmio_start() }\n";
	glue += "probe end(9223372036854775807), error { __mmio_close() }\n";
	// the runtime arms the session once this probe answers (SystemTap
	// runs no handler before every probe of the script is registered)
	glue += "probe module(" + quote(opts_.module) +
		").function(\"stap_mmio_sync\") { __mmio_sync($ev) }\n";
	return glue;
}

bool MmioLowering::lower()
{
	if (!uses_found_)
		find_mmio_uses();
	diags_.clear();
	ranges_.clear();
	next_k_ = 0;
	reads_timestamp_ = false;
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
	user_out_ += session_glue();
	return true;
}

std::string MmioLowering::list_point(const ProbePoint &pp)
{
	if (!is_kernel_mmio(pp))
		return "";
	MmioPoint pt;
	if (!check_mmio_point(pp, nullptr, pt, diags_))
		return "";
	return canonical_point_text(pp, pt);
}

} // namespace stapmmio
