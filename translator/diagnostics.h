// diagnostics.h - errors in stap's own shape:
//   semantic error: MESSAGE: identifier 'kernel' at <input>:1:7
//           source: probe kernel.mmio(0) { }
//                         ^
// (a blank line follows each; later tokens of the same file print as
// ":LINE:COL", as stap abbreviates them).
#ifndef STAP_MMIO_DIAGNOSTICS_H
#define STAP_MMIO_DIAGNOSTICS_H

#include <string>
#include <vector>

#include "token.h"

namespace stapmmio {

struct Diagnostic {
	std::string message;
	TokenPtr tok;		// may be null: message only
};

class DiagnosticPrinter {
public:
	std::string format(const Diagnostic &d);
	std::string format_all(const std::vector<Diagnostic> &ds);

private:
	std::string token_ref(const Token &t);
	std::string source(const Token &t);
	const SourceFile *last_file_ = nullptr;
};

// The line stap prints after pass 2 fails.
extern const char pass2_failed[];

} // namespace stapmmio

#endif
