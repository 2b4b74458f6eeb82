// context_vars.h - the context variables of a kernel.mmio probe and the
// field of struct stap_mmio_event (runtime/stap_mmio.h) each one reads.
#ifndef STAP_MMIO_CONTEXT_VARS_H
#define STAP_MMIO_CONTEXT_VARS_H

#include <string>

namespace stapmmio {

struct ContextVar {
	const char *name;	// without the '$'
	const char *field;	// member of struct stap_mmio_event
	const char *doc;
};

extern const ContextVar context_vars[];
extern const size_t n_context_vars;

const ContextVar *find_context_var(const std::string &name);

// "$addr $value ..." for error messages
std::string context_var_names();

// "$addr:long $value:long ..." as stap -L lists them
std::string context_var_listing();

// The string expression $$vars / $$parms stand for.
std::string vars_expression();

} // namespace stapmmio

#endif
