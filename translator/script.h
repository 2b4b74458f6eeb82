// script.h - the part of a stap script the pass needs: its probes and
// aliases, each probe point broken into components with their literal
// arguments, and the token ranges of the bodies.  Everything else (globals,
// functions, embedded C) is kept as opaque tokens.
#ifndef STAP_MMIO_SCRIPT_H
#define STAP_MMIO_SCRIPT_H

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "preprocessor.h"

namespace stapmmio {

// A literal argument of a probe point component.
struct Literal {
	TokenPtr tok;			// the literal's token
	bool is_string = false;
	std::string string;
	bool negative = false;		// "-" before the number
	uint64_t magnitude = 0;		// the number, before the sign
};

struct Component {
	TokenPtr tok;			// first token of the functor
	std::string functor;		// e.g. "mmio", "length", "*"
	bool has_arg = false;
	Literal arg;			// the first argument
	// the arguments after the first, as in kernel.mmio.pci(VENDOR, DEVICE)
	// (stap's own probe points take at most one)
	std::vector<Literal> more_args;
	size_t arg_count() const { return has_arg ? 1 + more_args.size() : 0; }
};

struct ProbePoint {
	std::vector<Component> comps;
	bool optional = false;		// ? or !
	bool sufficient = false;	// !
	std::vector<TokenPtr> condition;	// tokens of if ( ... ), without parens
	std::string text() const;	// "kernel.mmio(0x10).length(4)"
};

struct Probe {
	TokenPtr probe_tok;			// the 'probe' keyword
	std::vector<ProbePoint> alias_names;	// non-empty: an alias definition
	bool epilogue = false;			// +=
	std::vector<ProbePoint> points;
	size_t header_first = 0, header_last = 0;	// token indexes: probe .. {
	size_t body_first = 0, body_last = 0;		// { .. } of the body
	bool has_body2 = false;
	size_t body2_first = 0, body2_last = 0;
	bool is_alias() const { return !alias_names.empty(); }
};

struct Script {
	const SourceFile *file = nullptr;
	std::vector<TokenPtr> tokens;	// after preprocessing
	std::vector<Probe> probes;	// probes and aliases, in order
	std::map<int, size_t> swallowed;	// see Lexer::swallowed()
	std::set<int> irregular_groups;		// see Preprocessor
	std::map<int, size_t> group_tokens;	// tokens each $N paste made
};

// Preprocess and parse @file.  Throws ParseError on what stap would reject
// while parsing.
Script parse_script(const SourceFile &file, const std::vector<std::string> &args,
		    const PpEnvironment &env, int &next_group);

// Parse one probe point given on the command line (stap -l / -L).
ProbePoint parse_probe_point(const SourceFile &file, const PpEnvironment &env);

// Re-emit tokens as text stap lexes back to the same tokens.
std::string tokens_text(const std::vector<TokenPtr> &toks, size_t first, size_t last);
std::string token_text(const Token &t);

} // namespace stapmmio

#endif
