// script_parser.cxx - see script.h.  Probe point grammar as in
// stapprobes(3stap) and stap(1): dotted components with optional literal
// arguments, {a,b} groups, ',' lists, '?' / '!' suffixes, 'if (cond)'.
#include "script.h"

#include <cerrno>
#include <cstdlib>

namespace stapmmio {

namespace {

class Parser {
public:
	explicit Parser(std::vector<TokenPtr> &toks) : t_(toks) {}

	void parse(Script &s);
	std::vector<ProbePoint> parse_points();

private:
	TokenPtr peek() const { return i_ < t_.size() ? t_[i_] : nullptr; }
	TokenPtr next()
	{
		if (i_ >= t_.size())
			throw ParseError("unexpected end-of-file", nullptr);
		return t_[i_++];
	}
	bool peek_op(const char *s) const
	{
		TokenPtr t = peek();
		return t && t->is_op(s);
	}
	void parse_probe(Script &s);
	std::vector<ProbePoint> parse_components();
	std::vector<ProbePoint> parse_component();
	void parse_literal(Literal &l);
	void skip_block(size_t &first, size_t &last);

	std::vector<TokenPtr> &t_;
	size_t i_ = 0;
	int depth_ = 0;
};

void Parser::parse(Script &s)
{
	while (TokenPtr t = peek()) {
		if (t->is_kw("probe")) {
			parse_probe(s);
		} else if (t->is_kw("function")) {
			i_++;
			while (peek() && !peek_op("{") && peek()->type != TokType::embedded)
				i_++;
			if (!peek())
				throw ParseError("expected '{'", nullptr);
			if (peek_op("{")) {
				size_t a, b;
				skip_block(a, b);
			} else {
				i_++;
			}
		} else {
			i_++;
		}
	}
}

// A '{' ... '}' block: balanced braces (strings and embedded code are
// single tokens, so braces always balance in a valid script).
void Parser::skip_block(size_t &first, size_t &last)
{
	TokenPtr t = next();
	if (!t->is_op("{"))
		throw ParseError("expected '{'", t);
	first = i_ - 1;
	int depth = 1;
	while (depth) {
		t = next();
		if (t->is_op("{"))
			depth++;
		else if (t->is_op("}"))
			depth--;
	}
	last = i_ - 1;
}

void Parser::parse_probe(Script &s)
{
	Probe p;
	p.probe_tok = next();
	p.header_first = i_ - 1;
	for (;;) {
		std::vector<ProbePoint> pps = parse_points();
		TokenPtr t = peek();
		if (pps.size() == 1 && t && (t->is_op("=") || t->is_op("+="))) {
			if (pps[0].optional)
				throw ParseError("probe point alias name cannot be optional nor sufficient",
						 pps[0].comps.front().tok);
			if (t->is_op("+="))
				p.epilogue = true;
			p.alias_names.push_back(pps[0]);
			i_++;
			continue;
		}
		if (t && t->is_op("{")) {
			p.points = pps;
			break;
		}
		throw ParseError("expected probe point specifier", t);
	}
	p.header_last = i_;
	skip_block(p.body_first, p.body_last);
	if (p.is_alias() && peek_op(",")) {
		if (p.epilogue)
			throw ParseError("Combined prologue and epilogue cannot be defined with '+='", peek());
		i_++;
		p.has_body2 = true;
		skip_block(p.body2_first, p.body2_last);
	}
	s.probes.push_back(p);
}

std::vector<ProbePoint> Parser::parse_points()
{
	std::vector<ProbePoint> pps;
	for (;;) {
		std::vector<ProbePoint> tail = parse_components();
		pps.insert(pps.end(), tail.begin(), tail.end());
		TokenPtr t = peek();
		if (t && t->is_op(",")) {
			i_++;
			continue;
		}
		if (t && (t->is_op("{") || t->is_op("=") || t->is_op("+=") || t->is_op("}")))
			break;
		throw ParseError("expected one of ', { } = +='", t);
	}
	return pps;
}

std::vector<ProbePoint> Parser::parse_components()
{
	std::vector<ProbePoint> pps;
	for (;;) {
		std::vector<ProbePoint> suffix = parse_component();
		if (pps.empty()) {
			pps = suffix;
		} else {
			std::vector<ProbePoint> product;
			for (auto &a : pps) {
				if (a.optional || !a.condition.empty())
					throw ParseError("'?', '!' or condition must only be specified in suffix",
							 a.comps[0].tok);
				for (auto &b : suffix) {
					ProbePoint pp = a;
					pp.comps.insert(pp.comps.end(), b.comps.begin(), b.comps.end());
					pp.optional = b.optional;
					pp.sufficient = b.sufficient;
					pp.condition = b.condition;
					product.push_back(pp);
				}
			}
			pps = product;
		}
		TokenPtr t = peek();
		if (t && t->is_op(".")) {
			i_++;
			continue;
		}
		if (t && (t->is_op("?") || t->is_op("!"))) {
			for (auto &pp : pps) {
				if (pp.optional)
					throw ParseError("'?' or '!' respecified", t);
				pp.optional = true;
				pp.sufficient = t->is_op("!");
			}
			i_++;
			t = peek();
		}
		if (t && t->is_kw("if")) {
			i_++;
			t = peek();
			if (!(t && t->is_op("(")))
				throw ParseError("expected '('", t);
			i_++;
			std::vector<TokenPtr> cond;
			int depth = 1;
			for (;;) {
				t = next();
				if (t->is_op("("))
					depth++;
				else if (t->is_op(")") && --depth == 0)
					break;
				cond.push_back(t);
			}
			if (cond.empty())
				throw ParseError("expected expression", t);
			for (auto &pp : pps) {
				if (!pp.condition.empty())
					throw ParseError("condition respecified", t);
				pp.condition = cond;
			}
		}
		break;
	}
	return pps;
}

std::vector<ProbePoint> Parser::parse_component()
{
	TokenPtr t = next();
	if (!(t->type == TokType::identifier || t->type == TokType::keyword ||
	      t->is_op("*") || t->is_op("{")))
		throw ParseError("expected identifier or '*' or '{'", t);
	if (t->is_op("{")) {
		// stap recurses here without bound; the pass stops early and
		// leaves such a script to stap
		if (++depth_ > 100)
			throw ParseError("probe point groups nested too deep", t);
		std::vector<ProbePoint> pps = parse_points();
		depth_--;
		TokenPtr u = peek();
		if (!(u && u->is_op("}")))
			throw ParseError("expected '}'", u);
		i_++;
		return pps;
	}
	Component c;
	c.tok = t;
	c.functor = t->content;
	for (;;) {
		TokenPtr u = peek();
		if (!u || u->ate_whitespace)
			break;
		if (!(u->type == TokType::identifier || u->type == TokType::keyword ||
		      u->is_op("*")))
			break;
		c.functor += u->content;
		i_++;
	}
	if (peek_op("(")) {
		i_++;
		c.has_arg = true;
		parse_literal(c.arg);
		while (peek_op(",")) {
			i_++;
			c.more_args.emplace_back();
			parse_literal(c.more_args.back());
		}
		TokenPtr u = next();
		if (!u->is_op(")"))
			throw ParseError("expected ')'", u);
	}
	ProbePoint pp;
	pp.comps.push_back(c);
	return { pp };
}

void Parser::parse_literal(Literal &l)
{
	TokenPtr t = next();
	l.tok = t;
	if (t->type == TokType::string) {
		l.is_string = true;
		l.string = t->content;
		while (peek() && peek()->type == TokType::string)
			l.string += next()->content;
		return;
	}
	if (t->is_op("-")) {
		l.negative = true;
		t = next();
		l.tok = t;
	}
	if (t->type != TokType::number)
		throw ParseError("expected literal string or number", t);
	errno = 0;
	char *end = nullptr;
	unsigned long long v = strtoull(t->content.c_str(), &end, 0);
	if (errno == ERANGE || errno == EINVAL || !end || *end != '\0' ||
	    (l.negative && v > 9223372036854775808ULL))
		throw ParseError("number invalid or out of range", t);
	l.magnitude = v;
}

} // namespace

std::string token_text(const Token &t)
{
	switch (t.type) {
	case TokType::string:
		return quote_string_content(t.content);
	case TokType::embedded:
		return "%{" + t.content + "%}";
	default:
		return t.content;
	}
}

std::string tokens_text(const std::vector<TokenPtr> &toks, size_t first, size_t last)
{
	std::string s;
	for (size_t i = first; i <= last && i < toks.size(); i++) {
		if (i > first)
			s += ' ';
		s += token_text(*toks[i]);
	}
	return s;
}

static std::string literal_text(const Literal &l)
{
	if (l.is_string)
		return quote_string_content(l.string);
	return (l.negative ? "-" : "") + std::to_string(l.magnitude);
}

std::string ProbePoint::text() const
{
	std::string s;
	for (size_t i = 0; i < comps.size(); i++) {
		if (i)
			s += '.';
		s += comps[i].functor;
		if (!comps[i].has_arg)
			continue;
		s += '(' + literal_text(comps[i].arg);
		for (auto &l : comps[i].more_args)
			s += ',' + literal_text(l);
		s += ')';
	}
	return s;
}

static std::vector<TokenPtr> all_tokens(const SourceFile &file,
					const std::vector<std::string> &args,
					const PpEnvironment &env, int &next_group,
					std::map<int, size_t> *swallowed = nullptr,
					std::set<int> *irregular = nullptr,
					std::map<int, size_t> *group_tokens = nullptr)
{
	Preprocessor pp(file, args, env, next_group);
	std::vector<TokenPtr> toks;
	while (TokenPtr t = pp.next())
		toks.push_back(t);
	if (swallowed)
		*swallowed = pp.swallowed();
	if (irregular)
		*irregular = pp.irregular_groups();
	if (group_tokens)
		*group_tokens = pp.group_tokens();
	return toks;
}

Script parse_script(const SourceFile &file, const std::vector<std::string> &args,
		    const PpEnvironment &env, int &next_group)
{
	Script s;
	s.file = &file;
	s.tokens = all_tokens(file, args, env, next_group, &s.swallowed, &s.irregular_groups,
			      &s.group_tokens);
	Parser p(s.tokens);
	p.parse(s);
	return s;
}

ProbePoint parse_probe_point(const SourceFile &file, const PpEnvironment &env)
{
	int groups = 0;
	std::vector<std::string> no_args;
	std::vector<TokenPtr> toks = all_tokens(file, no_args, env, groups);
	// stap -l/-L parse the pattern as "probe PATTERN {}"
	auto brace = std::make_shared<Token>();
	brace->type = TokType::op;
	brace->content = "{";
	brace->file = &file;
	toks.push_back(brace);
	Parser p(toks);
	std::vector<ProbePoint> pps = p.parse_points();
	if (pps.size() != 1)
		throw ParseError("expected a single probe point", toks.front());
	return pps[0];
}

} // namespace stapmmio
