// preprocessor.h - stap's two preprocessing passes over the token stream:
// @define macros (with parameters) and %( cond %? then %: else %)
// conditionals, evaluated against the target the real stap will see.
#ifndef STAP_MMIO_PREPROCESSOR_H
#define STAP_MMIO_PREPROCESSOR_H

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "lexer.h"

namespace stapmmio {

// A syntax error: the pass gives up and lets the real stap report it.
struct ParseError : std::runtime_error {
	TokenPtr tok;
	ParseError(const std::string &m, TokenPtr t)
		: std::runtime_error(m), tok(std::move(t)) {}
};

// Macro expansion beyond the pass's limits (stap would expand a recursive
// macro without end): never swallowed while skipping a %( %) branch.
struct ExpansionLimit : ParseError {
	using ParseError::ParseError;
};

// What %( conditions are evaluated against.
struct PpEnvironment {
	std::string kernel_vr;			// e.g. 6.12.57+deb13-amd64
	std::string kernel_v;			// e.g. 6.12.57
	std::string arch = "x86_64";
	std::string privilege = "stapdev";	// stapdev, stapsys, stapusr
	std::string runtime = "kernel";
	bool guru = false;
	std::function<std::string()> systemtap_v;		// lazily
	std::function<std::string(const std::string &)> config;	// CONFIG_X value
};

class Preprocessor {
public:
	Preprocessor(const SourceFile &file, const std::vector<std::string> &args,
		     const PpEnvironment &env, int &next_group);

	// The next token after macro expansion and conditionals, nullptr at
	// the end.  Throws ParseError.
	TokenPtr next();

	// Whether whitespace preceded the token next() returned last (a probe
	// point component's pieces must be adjacent).
	bool ate_whitespace() const { return last_ate_ws_; }
	const std::map<int, size_t> &swallowed() const { return lexer_.swallowed(); }
	// Groups whose text is not just the tokens that came out of them
	// (a $N argument holding %( %), @define or a macro invocation): they
	// cannot be re-emitted from their tokens.
	std::set<int> irregular_groups() const;
	const std::map<int, size_t> &group_tokens() const { return lexer_.group_tokens(); }

private:
	struct Activation;
	struct Macro {
		TokenPtr name_tok;
		std::vector<std::string> formals;
		std::vector<TokenPtr> body;
		// for a parameter closure: the activation it was passed in
		std::shared_ptr<Activation> parent;
		bool closure = false;
	};
	struct Activation {
		TokenPtr tok;			// the invocation
		std::shared_ptr<Macro> macro;
		size_t cursor = 0;
		std::map<std::string, std::shared_ptr<Macro>> params;
	};
	enum class PpState { keep_then, skip_then, keep_else, skip_else };

	TokenPtr next_pp1();
	TokenPtr scan_pp1(bool ignore_macros = false);
	void define_macro(TokenPtr t);
	std::shared_ptr<Macro> find_macro(const std::string &name);
	void invoke_macro(const TokenPtr &t, const std::shared_ptr<Macro> &decl);
	TokenPtr scan_pp();
	TokenPtr skip_pp();
	TokenPtr slurp_param(std::vector<TokenPtr> &param);
	TokenPtr slurp_body(std::vector<TokenPtr> &body);
	bool eval(const TokenPtr &l, const TokenPtr &op, const TokenPtr &r);
	bool eval_version(const TokenPtr &l, const TokenPtr &op, const TokenPtr &r);
	TokenPtr raw();

	Lexer lexer_;
	const PpEnvironment &env_;
	int &next_group_;
	std::map<std::string, std::shared_ptr<Macro>> macros_;
	std::vector<std::shared_ptr<Activation>> stack_;
	std::vector<std::pair<TokenPtr, PpState>> pp_;
	// span of the outermost active macro invocation
	size_t inv_begin_ = 0, inv_end_ = 0;
	int inv_group_ = -1;
	size_t expanded_ = 0;
	std::map<int, size_t> emitted_;
	std::set<int> irregular_;
	bool last_ate_ws_ = false;
	bool lexer_ws_ = false;
};

} // namespace stapmmio

#endif
