// command_line.cxx - see command_line.h.  The option list is stap 5.x's,
// as `stap --help` and stap(1) document it.
#include "command_line.h"

#include <cstring>

namespace stapmmio {

namespace {

// stap's short options; a ':' after a letter: it takes an argument
const char short_opts[] = "hVvtp:I:e:E:o:R:r:a:m:kgPc:x:D:bs:uqiwl:d:L:FS:B:J:jWG:T:";

enum ArgKind { none, required, optional };
struct LongOpt {
	const char *name;
	ArgKind kind;
};
const LongOpt long_opts[] = {
	{ "skip-badvars", none }, { "vp", required }, { "unprivileged", none },
	{ "build-as", optional }, { "client-options", none }, { "help", none },
	{ "disable-cache", none }, { "poison-cache", none }, { "clean-cache", none },
	{ "compatible", required }, { "ldd", none }, { "use-server", optional },
	{ "list-servers", optional }, { "trust-servers", optional },
	{ "use-server-on-error", optional }, { "use-http-server", required },
	{ "all-modules", none }, { "sign-module", optional }, { "remote", required },
	{ "remote-prefix", none }, { "check-version", none }, { "version", none },
	{ "tmpdir", required }, { "download-debuginfo", optional },
	{ "dump-probe-types", none }, { "dump-probe-aliases", none },
	{ "dump-functions", none }, { "privilege", required },
	{ "suppress-handler-errors", none }, { "modinfo", required },
	{ "rlimit-as", required }, { "rlimit-cpu", required },
	{ "rlimit-nproc", required }, { "rlimit-stack", required },
	{ "rlimit-fsize", required }, { "sysroot", required }, { "sysenv", required },
	{ "suppress-time-limits", none }, { "runtime", required }, { "dyninst", none },
	{ "bpf", none }, { "benchmark-sdt", none }, { "benchmark-sdt-loops", required },
	{ "benchmark-sdt-threads", required }, { "color", optional },
	{ "colour", optional }, { "prologue-searching", optional },
	{ "save-uprobes", none }, { "target-namespaces", required },
	{ "monitor", optional }, { "interactive", none }, { "example", none },
	{ "no-global-var-display", none }, { "language-server", none },
	{ "debug", none },
};

ArgKind short_kind(char c, bool &known)
{
	const char *p = c == ':' ? nullptr : strchr(short_opts, c);
	known = p != nullptr;
	return p && p[1] == ':' ? required : none;
}

} // namespace

std::vector<std::string> Option::words() const
{
	if (is_long)
		return { "--" + name + (has_arg ? "=" + arg : "") };
	if (has_arg)
		return { "-" + name, arg };
	return { "-" + name };
}

bool CommandLine::has(const std::string &name) const
{
	for (auto &o : options)
		if (o.name == name)
			return true;
	return false;
}

std::string CommandLine::last(const std::string &name) const
{
	std::string v;
	for (auto &o : options)
		if (o.name == name)
			v = o.arg;
	return v;
}

std::vector<std::string> CommandLine::all(const std::string &name) const
{
	std::vector<std::string> v;
	for (auto &o : options)
		if (o.name == name)
			v.push_back(o.arg);
	return v;
}

// A long option argv[i] ("--name[=value]"); may take argv[i + 1].
static void parse_long_option(int argc, char **argv, int &i, CommandLine &cl)
{
	std::string body = std::string(argv[i]).substr(2), name = body, value;
	size_t eq = body.find('=');
	bool has_eq = eq != std::string::npos;
	if (has_eq) {
		name = body.substr(0, eq);
		value = body.substr(eq + 1);
	}
	const LongOpt *match = nullptr;
	int candidates = 0;
	for (auto &lo : long_opts) {
		if (name == lo.name) {
			match = &lo;
			candidates = 1;
			break;
		}
		if (strncmp(lo.name, name.c_str(), name.size()) == 0) {
			match = &lo;
			candidates++;
		}
	}
	if (candidates != 1 || name.empty()) {
		cl.ok = false;
		return;
	}
	Option o;
	o.name = match->name;
	o.is_long = true;
	if (match->kind == none) {
		if (has_eq)
			cl.ok = false;
	} else if (has_eq) {
		o.has_arg = true;
		o.arg = value;
	} else if (match->kind == required) {
		if (i + 1 >= argc) {
			cl.ok = false;
			return;
		}
		o.has_arg = true;
		o.arg = argv[++i];
	}
	cl.options.push_back(o);
}

// A word of short options argv[i] ("-vp2"); may take argv[i + 1].
static void parse_short_options(int argc, char **argv, int &i, CommandLine &cl)
{
	std::string w = argv[i];
	for (size_t k = 1; k < w.size(); k++) {
		bool known;
		ArgKind kind = short_kind(w[k], known);
		if (!known) {
			cl.ok = false;
			continue;
		}
		Option o;
		o.name = std::string(1, w[k]);
		if (kind == required) {
			o.has_arg = true;
			if (k + 1 < w.size()) {
				o.arg = w.substr(k + 1);
			} else if (i + 1 < argc) {
				o.arg = argv[++i];
			} else {
				cl.ok = false;
				break;
			}
			cl.options.push_back(o);
			break;
		}
		cl.options.push_back(o);
	}
}

CommandLine parse_command_line(int argc, char **argv)
{
	CommandLine cl;
	cl.ok = true;
	int i = 1;
	for (; i < argc; i++) {
		std::string w = argv[i];
		if (w == "--") {
			i++;
			break;
		}
		if (w.size() < 2 || w[0] != '-')
			cl.operands.push_back(w);
		else if (w[1] == '-')
			parse_long_option(argc, argv, i, cl);
		else
			parse_short_options(argc, argv, i, cl);
	}
	for (; i < argc; i++)
		cl.operands.push_back(argv[i]);
	return cl;
}

} // namespace stapmmio
