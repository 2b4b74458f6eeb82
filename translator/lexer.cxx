// lexer.cxx - see lexer.h.  Written from SystemTap's documented language
// (stap(1), the "LANGUAGE" section) and its observed behaviour.
#include "lexer.h"

#include <cctype>
#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace stapmmio {

namespace {

const std::unordered_set<std::string> &keywords()
{
	static const std::unordered_set<std::string> k = {
		"probe", "global", "private", "function", "if", "else",
		"for", "foreach", "in", "limit", "return", "delete",
		"while", "break", "continue", "next", "string", "long",
		"try", "catch",
	};
	return k;
}

// Two- and three-character operators, longest first.
const char *const three_char_ops[] = { "<<<", ">>>", "<<=", ">>=" };
const char *const two_char_ops[] = {
	"==", "!=", "<=", ">=", "=~", "!~", "+=", "-=", "*=", "/=", "%=",
	"&=", "^=", "|=", ".=", "&&", "||", "++", "--", "->", "<<", ">>",
	"%(", "%?", "%:", "%)",
};

} // namespace

bool Lexer::is_keyword(const std::string &s)
{
	return keywords().count(s) != 0;
}

Lexer::Lexer(const SourceFile &file, const std::vector<std::string> &args,
	     int &next_group)
	: file_(file), args_(args), next_group_(next_group), buf_(file.text)
{
	origin_.reserve(buf_.size());
	for (size_t i = 0; i < buf_.size(); i++)
		origin_.push_back({ i, i + 1, -1 });
}

int Lexer::peek(size_t n) const
{
	if (pos_ + n >= buf_.size())
		return -1;
	return (unsigned char)buf_[pos_ + n];
}

int Lexer::get()
{
	int c = peek();
	if (c < 0)
		return c;
	++pos_;
	if (suspend_count_) {
		if (--suspend_count_ == 0) {
			line_ = suspend_line_;
			col_ = suspend_col_;
		}
	} else if (c == '\n') {
		line_++;
		col_ = 1;
	} else {
		col_++;
	}
	return c;
}

// Insert @chars at the read position; they read as if at @at's place.
void Lexer::put(const std::string &chars, const Token &at, size_t b, size_t e)
{
	int group = next_group_++;
	buf_.insert(pos_, chars);
	origin_.insert(origin_.begin() + pos_, chars.size(), Origin{ b, e, group });
	suspend_count_ += chars.size();
	suspend_line_ = line_;
	suspend_col_ = col_;
	line_ = at.line;
	col_ = at.col;
}

void Lexer::note_comment(size_t first, size_t end)
{
	if (first >= origin_.size() || end == 0 || end > origin_.size())
		return;
	int g = origin_[first].group;
	if (g >= 0 && origin_[end - 1].group < 0)
		swallowed_[g] = std::max(swallowed_[g], origin_[end - 1].end);
}

// Make @n a token of @type with @text, spanning the characters read since
// first_ (and the $N groups they came from).
std::shared_ptr<Token> Lexer::finish(const std::shared_ptr<Token> &n, TokType type,
				     const std::string &text)
{
	n->type = type;
	if (n->type != TokType::junk || n->content.empty())
		n->content = text;
	size_t last = pos_ > first_ ? pos_ - 1 : first_;
	if (first_ < origin_.size()) {
		n->begin = origin_[first_].begin;
		n->end = origin_[last < origin_.size() ? last : origin_.size() - 1].end;
		for (size_t i = first_; i <= last && i < origin_.size(); i++)
			if (origin_[i].group >= 0) {
				n->group = origin_[i].group;
				break;
			}
		// a token mixing pasted and own characters spans both
		for (size_t i = first_; i <= last && i < origin_.size(); i++) {
			if (origin_[i].begin < n->begin)
				n->begin = origin_[i].begin;
			if (origin_[i].end > n->end)
				n->end = origin_[i].end;
		}
	}
	n->ate_whitespace = ate_whitespace_;
	if (n->group >= 0)
		group_tokens_[n->group]++;
	return n;
}

std::shared_ptr<Token> Lexer::junk(const std::shared_ptr<Token> &n, JunkKind k,
				   const std::string &text)
{
	n->junk = k;
	return finish(n, TokType::junk, text);
}

// $#, @#, $N, @N (@c read, @suspended: inside a pasted argument): paste
// the argument's text and return true, or make @n a junk token.
bool Lexer::paste_argument(int c, const std::shared_ptr<Token> &n, bool suspended)
{
	int c2 = peek();
	size_t b = origin_[first_].begin;
	std::string text(1, (char)c);
	if (c2 == '#') {
		get();
		size_t e = origin_[pos_ - 1].end;
		if (suspended)
			return !junk(n, JunkKind::nested_arg, text + "#");
		std::string count = std::to_string(args_.size());
		put(c == '$' ? count : quote_as_string_literal(count), *n, b, e);
		return true;
	}
	unsigned idx = 0;
	do {
		get();
		text.push_back((char)c2);
		idx = idx * 10 + (c2 - '0');
		c2 = peek();
	} while (c2 > 0 && isdigit(c2) && idx <= args_.size());
	size_t e = origin_[pos_ - 1].end;
	if (suspended)
		return !junk(n, JunkKind::nested_arg, text);
	if (idx == 0 || idx - 1 >= args_.size())
		return !junk(n, JunkKind::invalid_arg, text);
	const std::string &arg = args_[idx - 1];
	put(c == '$' ? arg : quote_as_string_literal(arg), *n, b, e);
	return true;
}

// A comment starting with @c @c2: skip it and return true.
bool Lexer::skip_comment(int c, int c2)
{
	size_t cstart = pos_ - 1;
	if (c == '#' || (c == '/' && c2 == '/')) {
		unsigned this_line = line_;
		do {
			c = get();
		} while (c >= 0 && line_ == this_line);
	} else if (c == '/' && c2 == '*') {
		get();
		c = get();
		c2 = get();
		while (c2 >= 0 && !(c == '*' && c2 == '/')) {
			c = c2;
			c2 = get();
		}
	} else {
		return false;
	}
	note_comment(cstart, pos_);
	return true;
}

// The rest of a string literal after its '"'; false when it is unclosed.
bool Lexer::scan_string(std::string &text)
{
	for (;;) {
		int c = get();
		if (c < 0 || c == '\n')
			return false;
		if (c == '"')
			return true;
		if (c != '\\') {
			text.push_back((char)c);
			continue;
		}
		c = get();
		switch (c) {
		case 'x': case 'a': case 'b': case 't': case 'n':
		case 'v': case 'f': case 'r': case '\\':
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			text.push_back('\\');
			text.push_back((char)c);
			break;
		default:
			if (c >= 0)
				text.push_back((char)c);
			break;
		}
	}
}

// The rest of %{ ... %} after its "%{"; false when it is unclosed.
bool Lexer::scan_embedded(std::string &text)
{
	int c = get(), c2 = get();
	while (c2 >= 0) {
		if (c == '%' && c2 == '}')
			return true;
		text.push_back((char)c);
		c = c2;
		c2 = get();
	}
	return false;
}

// An operator starting with @c: the longest of stap's operators.
std::string Lexer::scan_operator(int c)
{
	int c2 = peek(), c3 = peek(1);
	std::string text(1, (char)c);
	for (const char *op : three_char_ops)
		if (c == op[0] && c2 == op[1] && c3 == op[2]) {
			text.push_back((char)c2);
			text.push_back((char)c3);
			get();
			get();
			return text;
		}
	for (const char *op : two_char_ops)
		if (c == op[0] && c2 == op[1]) {
			text.push_back((char)c2);
			get();
			break;
		}
	return text;
}

// The token that starts with @c (not blank, not a comment or argument).
std::shared_ptr<Token> Lexer::scan_token(int c, const std::shared_ptr<Token> &n)
{
	int c2 = peek();
	std::string text(1, (char)c);
	if (isalpha(c) || c == '$' || c == '@' || c == '_' || isdigit(c)) {
		bool number = isdigit(c);
		while (isalnum(c2) || (!number && (c2 == '_' || c2 == '$'))) {
			get();
			text.push_back((char)c2);
			c2 = peek();
		}
		if (number)
			return finish(n, TokType::number, text);
		if (text[0] == '@')
			return finish(n, TokType::op, text);
		return finish(n, is_keyword(text) ? TokType::keyword : TokType::identifier, text);
	}
	text.clear();
	if (c == '"') {
		if (scan_string(text))
			return finish(n, TokType::string, text);
		n->content = "\"" + text;
		return junk(n, JunkKind::unclosed_quote, text);
	}
	if (c == '%' && c2 == '{') {
		get();
		if (scan_embedded(text))
			return finish(n, TokType::embedded, text);
		n->content = "%{" + text;
		return junk(n, JunkKind::unclosed_embedded, text);
	}
	if (ispunct(c))
		return finish(n, TokType::op, scan_operator(c));
	char hex[16];
	snprintf(hex, sizeof hex, "\\x%02x", c);
	n->content = hex;
	return junk(n, JunkKind::unknown, text);
}

std::shared_ptr<Token> Lexer::scan()
{
	auto n = std::make_shared<Token>();
	n->file = &file_;
	ate_whitespace_ = false;
	for (;;) {
		bool suspended = suspend_count_ > 0;
		n->line = line_;
		n->col = col_;
		first_ = pos_;
		int c = get();
		if (c < 0)
			return nullptr;
		int c2 = peek();
		if (isspace(c) || ((c == '#' || c == '/') && skip_comment(c, c2))) {
			ate_whitespace_ = true;
			continue;
		}
		if ((c == '$' || c == '@') && (c2 == '#' || isdigit(c2))) {
			if (paste_argument(c, n, suspended))
				continue;
			return n;
		}
		return scan_token(c, n);
	}
}

} // namespace stapmmio
