// token.h - tokens of the SystemTap script language, as stap's lexer makes them.
//
// Every token remembers two places:
//  - where stap would report it (file, line, column: for diagnostics), and
//  - the byte span of the user's text it came from (for rewriting).  A token
//    pasted from a $1/@1 argument or produced by a macro expansion has the
//    span of that whole argument reference or invocation, and `group` names
//    it, so the lowering can re-emit such a group as a unit.
#ifndef STAP_MMIO_TOKEN_H
#define STAP_MMIO_TOKEN_H

#include <memory>
#include <string>

namespace stapmmio {

enum class TokType { junk, identifier, op, string, number, embedded, keyword };

enum class JunkKind {
	none,
	nested_arg,		// $1 inside the text pasted for another $N
	invalid_arg,		// $N with N out of range
	unclosed_quote,
	unclosed_embedded,
	unknown,		// a byte that starts no token
};

// One input: the user's script, or a tapset file.
struct SourceFile {
	std::string name;	// as stap prints it: "<input>" or the path
	std::string text;	// exact bytes
};

struct Token {
	TokType type = TokType::junk;
	JunkKind junk = JunkKind::none;
	std::string content;
	const SourceFile *file = nullptr;
	unsigned line = 0, col = 0;		// where stap reports it
	size_t begin = 0, end = 0;		// origin span in file->text
	int group = -1;				// -1: the span is this token's own text
	bool ate_whitespace = false;		// whitespace or comment before it
	std::shared_ptr<const Token> chain;	// macro invocation it came from

	bool is_op(const char *s) const
	{
		return type == TokType::op && content == s;
	}
	bool is_kw(const char *s) const
	{
		return type == TokType::keyword && content == s;
	}
	bool is_ident(const char *s) const
	{
		return type == TokType::identifier && content == s;
	}
};

using TokenPtr = std::shared_ptr<const Token>;

// "identifier 'kernel' at <input>:1:7", the way stap prints a token.
std::string describe_token(const Token &t);

// A string token's content back in double quotes, ready to re-lex.
std::string quote_string_content(const std::string &content);

// stap's quoting of @1 arguments and of strings it generates.
std::string quote_as_string_literal(const std::string &raw);

} // namespace stapmmio

#endif
