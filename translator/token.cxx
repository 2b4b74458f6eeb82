// token.cxx - printing and quoting tokens the way stap does.
#include "token.h"

#include <cctype>

namespace stapmmio {

static const char *type_name(TokType t)
{
	switch (t) {
	case TokType::junk: return "junk";
	case TokType::identifier: return "identifier";
	case TokType::op: return "operator";
	case TokType::string: return "string";
	case TokType::number: return "number";
	case TokType::embedded: return "embedded-code";
	case TokType::keyword: return "keyword";
	}
	return "unknown token";
}

std::string describe_token(const Token &t)
{
	std::string s = type_name(t.type);
	if (t.type != TokType::embedded && t.type != TokType::keyword) {
		s += " '";
		for (char c : t.content)
			s += isprint((unsigned char)c) ? c : '?';
		s += "'";
	}
	s += " at ";
	s += t.file ? t.file->name : "";
	s += ":" + std::to_string(t.line) + ":" + std::to_string(t.col);
	return s;
}

std::string quote_string_content(const std::string &content)
{
	// The lexer keeps the backslash of the escapes it passes through and
	// drops it otherwise (so \" became a bare quote): undo exactly that.
	std::string out = "\"";
	for (size_t i = 0; i < content.size(); i++) {
		char c = content[i];
		if (c == '\\' && i + 1 < content.size()) {
			out += c;
			out += content[++i];
		} else if (c == '\\') {
			out += "\\\\";
		} else if (c == '"') {
			out += "\\\"";
		} else if (c == '\n') {
			out += "\\n";
		} else {
			out += c;
		}
	}
	return out + "\"";
}

std::string quote_as_string_literal(const std::string &raw)
{
	std::string out = "\"";
	for (unsigned char c : raw) {
		if (!isprint(c)) {
			out += '\\';
			out += "01234567"[(c >> 6) & 7];
			out += "01234567"[(c >> 3) & 7];
			out += "01234567"[c & 7];
		} else if (c == '"' || c == '\\') {
			out += '\\';
			out += (char)c;
		} else {
			out += (char)c;
		}
	}
	return out + "\"";
}

} // namespace stapmmio
