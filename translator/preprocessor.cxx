// preprocessor.cxx - see preprocessor.h.  Behaviour follows stap(1)'s
// "PREPROCESSING" and "MACROS" sections.
#include "preprocessor.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fnmatch.h>

namespace stapmmio {

namespace {

const size_t max_macro_depth = 256;
const size_t max_expanded_tokens = 1000000;

bool starts_with(const std::string &s, const char *p)
{
	return s.compare(0, strlen(p), p) == 0;
}

template <typename T>
bool compare(const T &l, const TokenPtr &op, const T &r)
{
	if (op->is_op("<=")) return l <= r;
	if (op->is_op(">=")) return l >= r;
	if (op->is_op("<")) return l < r;
	if (op->is_op(">")) return l > r;
	if (op->is_op("==")) return l == r;
	if (op->is_op("!=")) return l != r;
	throw ParseError("expected comparison operator", op);
}

int64_t to_int64(const TokenPtr &t)
{
	errno = 0;
	char *end = nullptr;
	long long v = strtoll(t->content.c_str(), &end, 10);
	if (errno || !end || *end)
		throw ParseError("expected number", t);
	return v;
}

// strtoll(.., 0) of a whole string, as stap reads CONFIG_ numbers
bool config_number(const std::string &s, int64_t &v)
{
	errno = 0;
	char *end = nullptr;
	v = strtoll(s.c_str(), &end, 0);
	return errno != ERANGE && errno != EINVAL && end && *end == '\0';
}

bool match_eq_ne(const std::string &pattern, const std::string &value,
		 const TokenPtr &op)
{
	bool nomatch = fnmatch(pattern.c_str(), value.c_str(), FNM_NOESCAPE) != 0;
	if (op->is_op("=="))
		return !nomatch;
	if (op->is_op("!="))
		return nomatch;
	throw ParseError("expected '==' or '!='", op);
}

} // namespace

Preprocessor::Preprocessor(const SourceFile &file,
			   const std::vector<std::string> &args,
			   const PpEnvironment &env, int &next_group)
	: lexer_(file, args, next_group), env_(env), next_group_(next_group)
{
}

TokenPtr Preprocessor::raw()
{
	return lexer_.scan();
}

TokenPtr Preprocessor::next_pp1()
{
	if (stack_.empty())
		return raw();
	auto &act = stack_.back();
	if (act->cursor < act->macro->body.size()) {
		if (++expanded_ > max_expanded_tokens)
			throw ExpansionLimit("macro expansion too large", act->tok);
		auto t = std::make_shared<Token>(*act->macro->body[act->cursor++]);
		t->chain = act->tok;
		t->begin = inv_begin_;
		t->end = inv_end_;
		t->group = inv_group_;
		return t;
	}
	return nullptr;
}

TokenPtr Preprocessor::slurp_param(std::vector<TokenPtr> &param)
{
	unsigned nesting = 0;
	for (;;) {
		TokenPtr t = next_pp1();
		if (!t)
			return t;
		if (t->is_op("(") || t->is_op("["))
			++nesting;
		else if (nesting && (t->is_op(")") || t->is_op("]")))
			--nesting;
		else if (!nesting && (t->is_op(")") || t->is_op(",")))
			return t;
		param.push_back(t);
	}
}

TokenPtr Preprocessor::slurp_body(std::vector<TokenPtr> &body)
{
	unsigned nesting = 0;
	for (;;) {
		TokenPtr t = next_pp1();
		if (!t)
			return t;
		if (t->is_op("%("))
			++nesting;
		else if (nesting && t->is_op("%)"))
			--nesting;
		else if (!nesting && t->is_op("%)"))
			return t;
		body.push_back(t);
	}
}

// @define NAME[(PARAMS)] %( BODY %), @define already read as @t.
void Preprocessor::define_macro(TokenPtr t)
{
	if (!stack_.empty())
		throw ParseError("'@define' forbidden inside macro body", t);
	t = raw();
	if (!(t && t->type == TokType::identifier))
		throw ParseError("expected identifier", t);
	std::string name = t->content;
	if (macros_.count(name))
		throw ParseError("attempt to redefine macro '@" + name +
				 "' in the same file", t);
	if (name == "define")
		throw ParseError("attempt to redefine '@define'", t);
	auto decl = std::make_shared<Macro>();
	decl->name_tok = t;
	macros_[name] = decl;
	bool saw_params = false;
	t = raw();
	if (t && t->is_op("(")) {
		saw_params = true;
		for (;;) {
			t = raw();
			if (!(t && t->type == TokType::identifier))
				throw ParseError("expected identifier", t);
			decl->formals.push_back(t->content);
			t = raw();
			if (t && t->is_op(","))
				continue;
			if (t && t->is_op(")")) {
				t = raw();
				break;
			}
			throw ParseError("expected ',' or ')'", t);
		}
	}
	if (!(t && t->is_op("%(")))
		throw ParseError(saw_params ? "expected '%('"
				 : "expected '%(' or '('", t);
	t = slurp_body(decl->body);
	if (!t)
		throw ParseError("incomplete macro definition - missing '%)'",
				 decl->name_tok);
}

// The macro (or parameter of the macro being expanded) @name, or null.
std::shared_ptr<Preprocessor::Macro> Preprocessor::find_macro(const std::string &name)
{
	std::shared_ptr<Activation> act = stack_.empty() ? nullptr : stack_.back();
	if (act && act->params.count(name))
		return act->params[name];
	if (macros_.count(name))
		return macros_[name];
	return nullptr;
}

// Start expanding @decl, invoked by @t: read its arguments, push it.
void Preprocessor::invoke_macro(const TokenPtr &t, const std::shared_ptr<Macro> &decl)
{
	const std::string name = t->content.substr(1);
	std::shared_ptr<Activation> act = stack_.empty() ? nullptr : stack_.back();
	auto nact = std::make_shared<Activation>();
	nact->tok = t;
	nact->macro = decl;
	bool outermost = stack_.empty();
	TokenPtr last = t;
	size_t nparams = decl->formals.size();
	if (nparams == 0 && decl->closure) {
		nact->params = decl->parent ? decl->parent->params
			: decltype(nact->params)();
	} else if (nparams) {
		TokenPtr u = next_pp1();
		if (!(u && u->is_op("(")))
			throw ParseError("expected '(' in invocation of macro '@" +
					 name + "' taking " + std::to_string(nparams) +
					 (nparams == 1 ? " parameter" : " parameters"), u);
		for (size_t i = 0; i < nparams; i++) {
			auto p = std::make_shared<Macro>();
			p->name_tok = t;
			p->closure = true;
			p->parent = act;
			nact->params[decl->formals[i]] = p;
			u = slurp_param(p->body);
			if (!u)
				throw ParseError("could not find end of macro invocation", t);
			if (u->is_op(",") && i + 1 == nparams)
				throw ParseError("too many parameters for macro '@" + name +
						 "' (expected " + std::to_string(nparams) + ")", u);
			if (u->is_op(")") && i + 1 != nparams)
				throw ParseError("too few parameters for macro '@" + name +
						 "' (expected " + std::to_string(nparams) + ")", u);
		}
		last = u;
	}
	if (outermost) {
		inv_begin_ = t->begin;
		inv_end_ = last->end > t->begin ? last->end : t->end;
		inv_group_ = next_group_++;
		if (t->group >= 0 || last->group >= 0)
			irregular_.insert(inv_group_);
	}
	// stap itself expands a recursive macro without end; the
	// pass gives up and leaves the script to stap
	if (stack_.size() >= max_macro_depth)
		throw ExpansionLimit("macro expansion too deep", t);
	stack_.push_back(nact);
}

TokenPtr Preprocessor::scan_pp1(bool ignore_macros)
{
	for (;;) {
		TokenPtr t = next_pp1();
		if (!t) {
			if (stack_.empty())
				return nullptr;
			stack_.pop_back();
			continue;
		}
		if (t->is_op("@define") && !ignore_macros) {
			define_macro(t);
			continue;
		}
		if (t->type == TokType::op && t->content[0] == '@') {
			std::shared_ptr<Macro> decl = find_macro(t->content.substr(1));
			if (!decl)
				return t;	// an ordinary @operator
			invoke_macro(t, decl);
			continue;
		}
		return t;
	}
}

// kernel_v, kernel_vr, systemtap_v OP "VERSION" (wildcards with == and !=)
bool Preprocessor::eval_version(const TokenPtr &l, const TokenPtr &op, const TokenPtr &r)
{
	if (r->type != TokType::string)
		throw ParseError("expected string literal", r);
	std::string target = l->content == "kernel_v" ? env_.kernel_v
		: l->content == "kernel_vr" ? env_.kernel_vr
		: (env_.systemtap_v ? env_.systemtap_v() : std::string());
	const std::string &query = r->content;
	bool wildcard = strpbrk(query.c_str(), "*?[") != nullptr;
	int ok1, ok2;
	bool wc_ok = false;
	if (op->is_op("<=")) { ok1 = -1; ok2 = 0; }
	else if (op->is_op(">=")) { ok1 = 1; ok2 = 0; }
	else if (op->is_op("<")) { ok1 = -1; ok2 = -1; }
	else if (op->is_op(">")) { ok1 = 1; ok2 = 1; }
	else if (op->is_op("==")) { ok1 = 0; ok2 = 0; wc_ok = true; }
	else if (op->is_op("!=")) { ok1 = -1; ok2 = 1; wc_ok = true; }
	else throw ParseError("expected comparison operator", op);
	if (!wc_ok && wildcard)
		throw ParseError("wildcard not allowed with order comparison operators", op);
	if (wildcard) {
		bool m = fnmatch(query.c_str(), target.c_str(), FNM_NOESCAPE) == 0;
		return !(m ^ op->is_op("=="));
	}
	int c = strverscmp(target.c_str(), query.c_str());
	c = c < 0 ? -1 : c > 0 ? 1 : 0;
	return c == ok1 || c == ok2;
}

bool Preprocessor::eval(const TokenPtr &l, const TokenPtr &op, const TokenPtr &r)
{
	if (l->type == TokType::identifier &&
	    (l->content == "kernel_v" || l->content == "kernel_vr" ||
	     l->content == "systemtap_v"))
		return eval_version(l, op, r);
	if (l->is_ident("systemtap_privilege")) {
		if (r->type != TokType::string)
			throw ParseError("expected string literal", r);
		bool nomatch = env_.privilege != r->content;
		if (op->is_op("==")) return !nomatch;
		if (op->is_op("!=")) return nomatch;
		throw ParseError("expected '==' or '!='", op);
	}
	if (l->is_ident("guru_mode")) {
		if (r->type != TokType::number)
			throw ParseError("expected number", r);
		int64_t rhs = to_int64(r);
		if (rhs != 0 && rhs != 1)
			throw ParseError("expected 0 or 1", op);
		if (!op->is_op("==") && !op->is_op("!="))
			throw ParseError("expected '==' or '!='", op);
		return compare<int64_t>(env_.guru ? 1 : 0, op, rhs);
	}
	if (l->is_ident("arch") || l->is_ident("runtime")) {
		if (r->type != TokType::string)
			throw ParseError("expected string literal", r);
		return match_eq_ne(r->content,
				   l->content == "arch" ? env_.arch : env_.runtime, op);
	}
	if (l->type == TokType::identifier && starts_with(l->content, "CONFIG_")) {
		auto cfg = [&](const std::string &k) {
			return env_.config ? env_.config(k) : std::string();
		};
		if (r->type == TokType::string)
			return match_eq_ne(r->content, cfg(l->content), op);
		if (r->type == TokType::number) {
			int64_t lhs;
			if (!config_number(cfg(l->content), lhs))
				throw ParseError("Config option value not a number", l);
			return compare<int64_t>(lhs, op, to_int64(r));
		}
		if (r->type == TokType::identifier && starts_with(r->content, "CONFIG_")) {
			std::string ls = cfg(l->content), rs = cfg(r->content);
			int64_t lv, rv;
			if (config_number(ls, lv) && config_number(rs, rv))
				return compare<int64_t>(lv, op, rv);
			return compare<std::string>(ls, op, rs);
		}
		throw ParseError("expected string, number literal or other CONFIG_... as right side operand", r);
	}
	if (l->type == TokType::string && r->type == TokType::string)
		return compare<std::string>(l->content, op, r->content);
	if (l->type == TokType::number && r->type == TokType::number)
		return compare<int64_t>(to_int64(l), op, to_int64(r));
	if (l->type == TokType::string && r->type == TokType::number && op->type == TokType::op)
		throw ParseError("expected string literal as right value", r);
	if (l->type == TokType::number && r->type == TokType::string && op->type == TokType::op)
		throw ParseError("expected number literal as right value", r);
	throw ParseError("expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v', "
			 "'runtime', 'systemtap_privilege', 'CONFIG_...', or "
			 "comparison between strings or integers", l);
}

TokenPtr Preprocessor::skip_pp()
{
	unsigned nesting = 0;
	for (;;) {
		TokenPtr t;
		try {
			t = scan_pp1(true);
		} catch (const ExpansionLimit &) {
			throw;
		} catch (const ParseError &) {
			continue;
		}
		if (!t)
			return t;
		if (t->is_op("%("))
			++nesting;
		else if (nesting && t->is_op("%)"))
			--nesting;
		else if (!nesting && (t->is_op("%:") || t->is_op("%?") || t->is_op("%)")))
			return t;
	}
}

TokenPtr Preprocessor::scan_pp()
{
	for (;;) {
		bool have = !pp_.empty();
		PpState st = have ? pp_.back().second : PpState::keep_then;
		TokenPtr t = have && (st == PpState::skip_then || st == PpState::skip_else)
			? skip_pp() : scan_pp1();
		if (!t) {
			if (have) {
				TokenPtr open = pp_.back().first;
				pp_.pop_back();
				throw ParseError("incomplete conditional at end of file", open);
			}
			return t;
		}
		if (t->is_op("%?"))
			throw ParseError("incomplete conditional - missing '%('", t);
		if (t->is_op("%:")) {
			if (!have)
				throw ParseError("incomplete conditional - missing '%('", t);
			if (st == PpState::keep_else || st == PpState::skip_else)
				throw ParseError("invalid conditional - duplicate '%:'", t);
			pp_.back().second = st == PpState::keep_then ? PpState::skip_else
				: PpState::keep_else;
			continue;
		}
		if (t->is_op("%)")) {
			if (!have)
				throw ParseError("incomplete conditional - missing '%('", t);
			pp_.pop_back();
			continue;
		}
		if (!t->is_op("%("))
			return t;

		bool result = false, and_result = true;
		TokenPtr n;
		for (;;) {
			TokenPtr l = scan_pp1(), op = scan_pp1(), r = scan_pp1();
			if (!l || !op || !r)
				throw ParseError("incomplete condition after '%('", t);
			and_result = eval(l, op, r) && and_result;
			n = scan_pp1();
			if (n && n->is_op("&&"))
				continue;
			result = result || and_result;
			and_result = true;
			if (!(n && n->is_op("||")))
				break;
		}
		if (!(n && n->is_op("%?")))
			throw ParseError("expected '%?' marker for conditional", t);
		pp_.push_back({ t, result ? PpState::keep_then : PpState::skip_then });
	}
}

TokenPtr Preprocessor::next()
{
	TokenPtr t = scan_pp();
	if (t && t->type == TokType::junk)
		throw ParseError("junk token", t);
	if (t && t->group >= 0)
		emitted_[t->group]++;
	return t;
}

std::set<int> Preprocessor::irregular_groups() const
{
	std::set<int> s = irregular_;
	for (const auto &g : lexer_.group_tokens()) {
		auto e = emitted_.find(g.first);
		if (e == emitted_.end() || e->second != g.second)
			s.insert(g.first);
	}
	return s;
}

} // namespace stapmmio
