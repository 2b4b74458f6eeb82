// context_vars.h - the context variables of a kernel.mmio probe and what
// each one reads: a field of struct stap_mmio_event (runtime/stap_mmio.h),
// or a tapset function of one.
#ifndef STAP_MMIO_CONTEXT_VARS_H
#define STAP_MMIO_CONTEXT_VARS_H

#include <cstddef>
#include <string>

namespace stapmmio {

struct ContextVar {
	const char *name;	// without the '$'
	const char *field;	// member of struct stap_mmio_event
	const char *type;	// "long" or "string", as stap -L lists it
	// the expression, FIELD standing for $ev->field; null: the field
	const char *expression;
	bool writable;		// with -g (the runtime reads $value back)
	const char *doc;
};

extern const ContextVar context_vars[];
extern const size_t n_context_vars;

const ContextVar *find_context_var(const std::string &name);

// What $name (@pretty: $name$) stands for in the lowered script.
std::string context_var_expression(const ContextVar &cv, bool pretty);

// "$addr $value ..." for error messages
std::string context_var_names();

// "$addr:long $value:long ... $device:string ..." as stap -L lists them
std::string context_var_listing();

// The string expression $$vars / $$parms stand for.
std::string vars_expression();

} // namespace stapmmio

#endif
