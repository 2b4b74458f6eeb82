// lexer.h - SystemTap's lexer, token for token: the same token boundaries,
// keywords, operators, comments, strings, embedded code and $N/@N argument
// pasting (arguments are pasted as characters at the start of a token, as
// stap does), so the pass sees exactly the tokens stap will see.
#ifndef STAP_MMIO_LEXER_H
#define STAP_MMIO_LEXER_H

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "token.h"

namespace stapmmio {

class Lexer {
public:
	// @args are the script arguments ($1 ...); @next_group numbers the
	// argument pastes (shared with the preprocessor's macro expansions).
	Lexer(const SourceFile &file, const std::vector<std::string> &args,
	      int &next_group);

	// The next token, or nullptr at the end of the input.
	std::shared_ptr<Token> scan();

	bool ate_whitespace() const { return ate_whitespace_; }

	static bool is_keyword(const std::string &s);

	// A comment that starts in the text pasted for a $N argument may end
	// in the user's text after the reference: group -> end of that comment
	// in the file (re-emitting the group must drop what it swallowed).
	const std::map<int, size_t> &swallowed() const { return swallowed_; }
	// tokens made from each $N argument's pasted text
	const std::map<int, size_t> &group_tokens() const { return group_tokens_; }

private:
	struct Origin {
		size_t begin, end;
		int group;
	};

	std::shared_ptr<Token> finish(const std::shared_ptr<Token> &n, TokType type,
				      const std::string &text);
	std::shared_ptr<Token> junk(const std::shared_ptr<Token> &n, JunkKind k,
				    const std::string &text);
	bool paste_argument(int c, const std::shared_ptr<Token> &n, bool suspended);
	bool skip_comment(int c, int c2);
	bool scan_string(std::string &text);
	bool scan_embedded(std::string &text);
	std::string scan_operator(int c);
	std::shared_ptr<Token> scan_token(int c, const std::shared_ptr<Token> &n);
	int peek(size_t n = 0) const;
	int get();
	void put(const std::string &chars, const Token &at, size_t b, size_t e);
	void note_comment(size_t first, size_t end);

	const SourceFile &file_;
	const std::vector<std::string> &args_;
	int &next_group_;
	std::string buf_;
	std::vector<Origin> origin_;
	size_t pos_ = 0;
	unsigned line_ = 1, col_ = 1;
	unsigned suspend_count_ = 0, suspend_line_ = 0, suspend_col_ = 0;
	bool ate_whitespace_ = false;
	size_t first_ = 0;	// buffer index of the current token's first char
	std::map<int, size_t> swallowed_;
	std::map<int, size_t> group_tokens_;
};

} // namespace stapmmio

#endif
