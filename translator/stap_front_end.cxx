// stap-mmio front end: installed as `stap`.  A script with no kernel.mmio
// probe point goes to the real stap untouched (same arguments, same script
// bytes).  Otherwise the kernel.mmio pass lowers it and the real stap runs
// the lowered script with the project's tapset.  See translator/README.md.
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <climits>
#include <dirent.h>
#include <algorithm>
#include <map>
#include <memory>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "command_line.h"
#include "context_vars.h"
#include "kernel_target.h"
#include "lexer.h"
#include "listing.h"
#include "mmio_probes.h"

#ifndef REAL_STAP
#define REAL_STAP "/usr/bin/stap"
#endif
#ifndef STAP_MMIO_TAPSETDIR
#define STAP_MMIO_TAPSETDIR "/usr/share/systemtap/tapset"
#endif
// the real stap's data directory: its examples are under examples/
#ifndef STAP_MMIO_STAP_DATADIR
#define STAP_MMIO_STAP_DATADIR "/usr/share/systemtap"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "(unreleased)"
#endif

using namespace stapmmio;

// configure finds the real stap by skipping files that contain this text
extern "C" const char stap_mmio_ident[] __attribute__((used)) =
	"stap-mmio front end: lowers kernel.mmio probes, then runs the real stap";

namespace {

const char *real_stap()
{
	const char *e = getenv("STAP_MMIO_REAL_STAP");
	return e && *e ? e : REAL_STAP;
}

[[noreturn]] void fail(const std::string &line)
{
	std::cerr << line << std::endl;
	exit(1);
}

[[noreturn]] void exec_real(const std::vector<std::string> &args)
{
	char self[PATH_MAX], real[PATH_MAX];
	if (realpath("/proc/self/exe", self) && realpath(real_stap(), real) &&
	    strcmp(self, real) == 0)
		fail(std::string("ERROR: stap-mmio: the real stap ") + real_stap() +
		     " is this front end (configure --with-stap=PATH, or set STAP_MMIO_REAL_STAP)");
	std::vector<char *> v;
	for (auto &a : args)
		v.push_back(const_cast<char *>(a.c_str()));
	v.push_back(nullptr);
	execv(real_stap(), v.data());
	fail(std::string("ERROR: cannot run the real stap ") + real_stap() + ": " +
	     strerror(errno));
}

// The user's own command, to the real stap.  A script read from stdin is
// put back on stdin byte for byte.
[[noreturn]] void pass_through(int argc, char **argv, const std::string *stdin_bytes)
{
	if (stdin_bytes) {
		int fd = memfd_create("stap-mmio-stdin", 0);
		if (fd < 0)
			fail(std::string("ERROR: stap-mmio: memfd_create: ") + strerror(errno));
		size_t off = 0;
		while (off < stdin_bytes->size()) {
			ssize_t n = write(fd, stdin_bytes->data() + off, stdin_bytes->size() - off);
			if (n <= 0)
				fail(std::string("ERROR: stap-mmio: write: ") + strerror(errno));
			off += n;
		}
		lseek(fd, 0, SEEK_SET);
		dup2(fd, 0);
		close(fd);
	}
	std::vector<std::string> args{ real_stap() };
	for (int i = 1; i < argc; i++)
		args.push_back(argv[i]);
	exec_real(args);
}

bool read_file(const std::string &path, std::string &out)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return false;
	std::stringstream ss;
	ss << f.rdbuf();
	out = ss.str();
	return true;
}

bool read_fd(int fd, std::string &out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		out.append(buf, n);
	}
}

bool write_file(const std::string &path, const std::string &text)
{
	std::ofstream f(path, std::ios::binary);
	f << text;
	return bool(f);
}

bool exists(const std::string &path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0;
}

std::string real_path(const std::string &p)
{
	char buf[PATH_MAX];
	return realpath(p.c_str(), buf) ? buf : p;
}

std::string env_or(const char *name, const std::string &dflt)
{
	const char *e = getenv(name);
	return e && *e ? e : dflt;
}

// Run the real stap with @args (argv[0] included), its stdout into @out
// (@merge_stderr: its stderr too); stderr otherwise goes where ours goes.
// Returns its exit status, -1 when it could not be run.
int capture_real(const std::vector<std::string> &args, std::string &out,
		 bool merge_stderr = false)
{
	int p[2];
	if (pipe(p))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (merge_stderr)
			dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		exec_real(args);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	read_fd(p[0], out);
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// The real stap's banner line: "Systemtap translator/driver (version
// 5.1/0.192, Debian version 5.1-5)"
std::string real_stap_banner()
{
	static std::string line;
	static bool done;
	if (done)
		return line;
	done = true;
	std::string out;
	capture_real({ real_stap(), "-V" }, out, true);
	size_t at = out.find("version ");
	if (at != std::string::npos) {
		size_t b = out.rfind('\n', at);
		b = b == std::string::npos ? 0 : b + 1;
		line = out.substr(b, out.find('\n', at) - b);
	}
	return line;
}

// "5.1" from the banner
std::string real_stap_version()
{
	std::string b = real_stap_banner();
	size_t at = b.find("version ");
	if (at == std::string::npos)
		return "";
	at += 8;
	return b.substr(at, b.find_first_of("/ ,)", at) - at);
}

// "5.1/0.192, Debian version 5.1-5" from the banner
std::string real_stap_version_full()
{
	std::string b = real_stap_banner();
	size_t at = b.find("(version ");
	if (at == std::string::npos)
		return "";
	at += 9;
	size_t end = b.rfind(')');
	return b.substr(at, end == std::string::npos || end < at ? std::string::npos : end - at);
}

// Run the real stap with @args and wait: its exit status, -1 when it
// could not be run.
int run_real_and_wait(const std::vector<std::string> &args)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		exec_real(args);
	int st = 0;
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int run_and_wait(const std::vector<std::string> &args)
{
	pid_t pid = fork();
	if (pid == 0) {
		std::vector<char *> v;
		for (auto &a : args)
			v.push_back(const_cast<char *>(a.c_str()));
		v.push_back(nullptr);
		execvp(v[0], v.data());
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Regular files under @dir, down to @max_depth levels of directories,
// whose name @want accepts, into @out.
void find_files(const std::string &dir, int max_depth,
		const std::function<bool(const std::string &)> &want,
		std::vector<std::string> &out, int depth = 0)
{
	DIR *d = opendir(dir.c_str());
	if (!d)
		return;
	while (struct dirent *e = readdir(d)) {
		std::string n = e->d_name;
		if (n == "." || n == "..")
			continue;
		std::string p = dir + "/" + n;
		struct stat st;
		if (stat(p.c_str(), &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < max_depth)
			find_files(p, max_depth, want, out, depth + 1);
		else if (S_ISREG(st.st_mode) && want(n))
			out.push_back(p);
	}
	closedir(d);
}

static bool ends_with(const std::string &s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.size() > n && s.compare(s.size() - n, n, suffix) == 0;
}

// .stp/.stpm files under @dir, as stap finds tapsets (a few levels down)
void list_tapset_files(const std::string &dir, std::vector<std::string> &out)
{
	find_files(dir, 4, [](const std::string &n) {
		return ends_with(n, ".stp") || ends_with(n, ".stpm");
	}, out);
}

bool make_dirs(const std::string &path)
{
	for (size_t i = 1; i <= path.size(); i++)
		if (i == path.size() || path[i] == '/') {
			std::string p = path.substr(0, i);
			if (mkdir(p.c_str(), 0700) && errno != EEXIST)
				return false;
		}
	return true;
}

void remove_tree(const std::string &path)
{
	if (getenv("STAP_MMIO_KEEP"))
		return;
	DIR *d = opendir(path.c_str());
	if (d) {
		while (struct dirent *e = readdir(d)) {
			std::string n = e->d_name;
			if (n != "." && n != "..")
				remove_tree(path + "/" + n);
		}
		closedir(d);
		rmdir(path.c_str());
	} else {
		unlink(path.c_str());
	}
}

volatile sig_atomic_t child_pid;

void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

// ^C at a terminal reaches stap by itself (same process group); a SIGINT
// sent to the front end alone (kill, timeout -s INT) is passed on.
void forward_interrupt(int sig)
{
	int fd = isatty(2) ? 2 : isatty(0) ? 0 : -1;
	if (fd >= 0 && tcgetpgrp(fd) == getpgrp())
		return;
	forward_signal(sig);
}

// What the filter of the real stap's stderr does to it: temporary paths
// back to the user's, and with --remote, stap's complaint that a target's
// kernel has no build tree here turned into one line naming the target.
struct StderrFilter {
	std::vector<std::pair<std::string, std::string>> renames;	// tmp -> user's
	std::vector<std::string> remotes;	// the --remote targets
	// After a rewritten error: the lines of stap's own that go with it.
	enum class Skip { none, tip, no_runtime } skip = Skip::none;
	std::string held;	// a line kept back until the next says what it is
	bool saw_error = false;	// an ERROR line went out

	bool wanted() const { return !renames.empty() || !remotes.empty(); }
	std::string targets() const;
	std::string renamed(std::string l) const;
	std::string line(const std::string &l);
	std::string text(const std::string &t);
};

// The --remote targets, as one of the rewritten errors names them.  stap
// does not say which target it was translating for when several are.
std::string StderrFilter::targets() const
{
	std::string who = remotes.size() == 1 ? remotes[0] : "one of " + remotes[0];
	for (size_t i = 1; remotes.size() > 1 && i < remotes.size(); i++)
		who += (i + 1 == remotes.size() ? " or " : ", ") + remotes[i];
	return who;
}

std::string StderrFilter::renamed(std::string l) const
{
	for (auto &r : renames)
		for (size_t at = 0; (at = l.find(r.first, at)) != std::string::npos;
		     at += r.second.size())
			l.replace(at, r.first.size(), r.second);
	return l;
}

// stap, given a --remote target whose kernel it cannot translate for,
// names neither the target nor what stap-mmio needs:
//   Checking "/lib/modules/REL/build/.config" failed with error: WHY
//   Tip: /usr/share/doc/systemtap/README.Debian should help you get started.
// and, when that kernel has no stap_mmio runtime here (by name: no
// STAP_MMIO_RUNTIME), a semantic error on the lowered probe:
//   semantic error: while resolving probe point: identifier 'module' at ...
//           source: probe module("stap_mmio").function("stap_mmio_event") ...
//   (a caret line, "semantic error: no match", "Pass 2: analysis failed",
//   the count of similar errors suppressed, the tip)
// Each becomes one line naming the target.
std::string StderrFilter::line(const std::string &l)
{
	static const char *no_runtime_tail[] = {
		"semantic error: no match", "Pass 2: analysis failed",
		"Number of similar error messages suppressed", "Rerun with -v",
		"Tip: ",
	};
	if (!held.empty()) {
		std::string h = held;

		held.clear();
		if (l.find("source: probe module(\"stap_mmio\").function(\"stap_mmio_") ==
		    std::string::npos)
			return renamed(h) + line(l);
		skip = Skip::no_runtime;
		return "ERROR: kernel.mmio on " + targets() + ": its kernel has no stap_mmio "
		       "runtime on this machine (stap found no stap_mmio.ko with debug "
		       "information for it); install that kernel's headers and "
		       "stap-mmio-dkms here, or set STAP_MMIO_RUNTIME to a stap_mmio.ko "
		       "built for it\n";
	}
	if (skip == Skip::no_runtime) {
		bool part = l.find_first_not_of(" \t^\n") == std::string::npos;
		for (auto t : no_runtime_tail)
			part = part || l.compare(0, strlen(t), t) == 0;
		if (part)
			return "";
	}
	if (skip == Skip::tip && l.compare(0, 5, "Tip: ") == 0) {
		skip = Skip::none;
		return "";
	}
	skip = Skip::none;
	if (remotes.empty())
		return renamed(l);
	const std::string pre = "Checking \"/lib/modules/", post = "/build/.config\" failed";
	size_t end = l.find(post);
	if (l.compare(0, pre.size(), pre) == 0 && end != std::string::npos) {
		std::string rel = l.substr(pre.size(), end - pre.size());
		size_t w = l.find("error: ", end);
		std::string why = w == std::string::npos ? "not found" : l.substr(w + 7);
		while (!why.empty() && (why.back() == '\n' || why.back() == '\r'))
			why.pop_back();
		skip = Skip::tip;
		return "ERROR: kernel.mmio on " + targets() + ": its kernel " + rel +
		       " has no build tree here (/lib/modules/" + rel + "/build: " + why +
		       "); install that kernel's headers and stap-mmio-dkms on this machine\n";
	}
	const std::string resolving = "semantic error: while resolving probe point: identifier 'module'";
	if (l.compare(0, resolving.size(), resolving) == 0) {
		held = l;
		return "";
	}
	return renamed(l);
}

// Whole lines of @t through line(); a last partial line is passed as is.
std::string StderrFilter::text(const std::string &t)
{
	std::string out;
	for (size_t at = 0; at < t.size();) {
		size_t nl = t.find('\n', at);
		size_t n = nl == std::string::npos ? t.size() - at : nl + 1 - at;
		std::string l = line(t.substr(at, n));

		saw_error = saw_error || l.compare(0, 7, "ERROR: ") == 0;
		out += l;
		at += n;
	}
	return out;
}

// Run the real stap; its stderr goes through @filter.  Returns as the
// real stap exited (or dies of its signal).
[[noreturn]] void run_real(const std::vector<std::string> &args, StderrFilter filter_,
			   const std::string &tmpdir)
{
	int p[2] = { -1, -1 };
	bool filter = filter_.wanted() && pipe(p) == 0;
	pid_t pid = fork();
	if (pid < 0)
		fail(std::string("ERROR: stap-mmio: fork: ") + strerror(errno));
	if (pid == 0) {
		if (filter) {
			dup2(p[1], 2);
			close(p[0]);
			close(p[1]);
		}
		exec_real(args);
	}
	child_pid = pid;
	signal(SIGINT, forward_interrupt);
	signal(SIGQUIT, forward_interrupt);
	signal(SIGTERM, forward_signal);
	signal(SIGHUP, forward_signal);
	signal(SIGUSR1, forward_signal);
	signal(SIGUSR2, forward_signal);
	if (filter) {
		close(p[1]);
		std::string pending;
		char buf[4096];
		for (;;) {
			ssize_t n = read(p[0], buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0)
				pending.append(buf, n);
			size_t cut = n <= 0 ? pending.size() : pending.rfind('\n') + 1;
			if (cut == std::string::npos + 1)
				cut = 0;
			// a partial line goes out at once unless a path may be cut
			if (n > 0 && cut < pending.size() &&
			    pending.find('/', cut) == std::string::npos)
				cut = pending.size();
			std::string out = filter_.text(pending.substr(0, cut));
			pending.erase(0, cut);
			if (n <= 0)
				out += filter_.renamed(filter_.held);
			if (!out.empty() && write(2, out.data(), out.size()) < 0)
				break;
			if (n <= 0)
				break;
		}
		close(p[0]);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!tmpdir.empty())
		remove_tree(tmpdir);
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
	}
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	// stap's remote engine exits 0 when a target's session failed (its
	// staprun said ERROR): fail as a local session would
	if (rc == 0 && filter_.saw_error && !filter_.remotes.empty())
		rc = 1;
	exit(rc);
}

std::string basename_of(const std::string &p)
{
	size_t s = p.rfind('/');
	return s == std::string::npos ? p : p.substr(s + 1);
}

// Does the text, lexed as stap lexes it (with the script's arguments
// pasted), hold the identifier "mmio" outside strings, comments and
// embedded code?  Every kernel.mmio point, and every alias of one, is
// written with it; without it, the script goes to stap unparsed.
bool mentions_mmio(const std::string &text, const std::vector<std::string> &args = {})
{
	SourceFile f{ "", text };
	int groups = 0;
	try {
		Lexer lexer(f, args, groups);
		while (TokenPtr t = lexer.scan())
			if (t->is_ident("mmio"))
				return true;
	} catch (const ParseError &) {
		return true;	// the parse decides
	}
	return false;
}

// ------------------------------------------------------------------
// Stage 1: the command line, and what the front end answers itself.

struct Invocation {
	int argc = 0;
	char **argv = nullptr;
	CommandLine cl;
	std::unique_ptr<KernelTarget> target;
	PpEnvironment env;
};

Invocation read_command_line(int argc, char **argv)
{
	Invocation inv;
	inv.argc = argc;
	inv.argv = argv;
	inv.cl = parse_command_line(argc, argv);
	if (!inv.cl.ok)
		pass_through(argc, argv, nullptr);
	const CommandLine &cl = inv.cl;

	// The target, for %( %) conditions and the checks.
	inv.target = std::make_unique<KernelTarget>(cl.last("r"));
	KernelTarget *target = inv.target.get();
	PpEnvironment &env = inv.env;
	env.kernel_vr = target->release();
	env.kernel_v = target->base_release();
	if (cl.has("a"))
		env.arch = cl.last("a");
	env.guru = cl.has("g");
	if (cl.has("unprivileged"))
		env.privilege = "stapusr";
	if (cl.has("privilege"))
		env.privilege = cl.last("privilege");
	if (cl.has("runtime"))
		env.runtime = cl.last("runtime");
	if (cl.has("bpf"))
		env.runtime = "bpf";
	if (cl.has("dyninst"))
		env.runtime = "dyninst";
	std::string compatible = cl.last("compatible");
	env.systemtap_v = [compatible]() {
		return compatible.empty() ? real_stap_version() : compatible;
	};
	env.config = [target](const std::string &k) { return target->config(k); };
	return inv;
}

std::vector<std::string> user_args(const Invocation &inv)
{
	std::vector<std::string> args{ real_stap() };
	for (int i = 1; i < inv.argc; i++)
		args.push_back(inv.argv[i]);
	return args;
}

const char help_text[] =
	"\n"
	"kernel.mmio probes (stap-mmio " PACKAGE_VERSION "): every memory-mapped I/O access kernel\n"
	"code makes to a driver's devices, a PCI device or a physical range:\n"
	"kernel.mmio.driver(\"NAME\"), kernel.mmio.pci(\"DDDD:BB:DD.F\"),\n"
	"kernel.mmio.pci(VENDOR, DEVICE), each [.bar(N)][.offset(OFF)][.length(LEN)],\n"
	"and kernel.mmio(ADDR)[.length(LEN)]; then [.read|.write|.map|.unmap].  See\n"
	"stapprobes.mmio(3stap) and tapset::mmio(3stap).  This stap is the stap-mmio\n"
	"front end: it lowers them and runs the real stap, ";

// stap -V: the real stap's banner, then one line naming this front end.
[[noreturn]] void answer_version(const Invocation &inv)
{
	int rc = run_real_and_wait(user_args(inv));
	if (rc == 0) {
		std::string v = real_stap_version_full();
		std::cout << "stap-mmio " PACKAGE_VERSION " (kernel.mmio probes) front end, running "
			  << real_stap() << (v.empty() ? "" : " (version " + v + ")")
			  << std::endl;
	}
	exit(rc < 0 ? 1 : rc);
}

// stap --help: the real stap's, then what kernel.mmio is and where its
// manual is.
[[noreturn]] void answer_help(const Invocation &inv)
{
	int rc = run_real_and_wait(user_args(inv));
	std::cout << help_text << real_stap() << "." << std::endl;
	exit(rc < 0 ? 1 : rc);
}

// Lines of @text, without empty ones
std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> v;
	std::istringstream in(text);
	std::string l;
	while (std::getline(in, l))
		if (!l.empty())
			v.push_back(l);
	return v;
}

// Print the real stap's listing merged with @ours, sorted as stap sorts.
[[noreturn]] void merge_listing(const Invocation &inv, const std::vector<std::string> &ours,
				bool ours_answer)
{
	std::string out;
	int rc = capture_real(user_args(inv), out);
	std::vector<std::string> all = lines_of(out);
	all.insert(all.end(), ours.begin(), ours.end());
	std::sort(all.begin(), all.end());
	all.erase(std::unique(all.begin(), all.end()), all.end());
	for (auto &l : all)
		std::cout << l << "\n";
	std::cout.flush();
	exit(ours_answer && !ours.empty() ? 0 : rc < 0 ? 1 : rc);
}

bool any_wildcard(const ProbePoint &pp)
{
	for (auto &c : pp.comps)
		if (c.functor.find_first_of("*?[") != std::string::npos)
			return true;
	return false;
}

// stap -l / -L PATTERN: kernel.mmio points are ours; a pattern that may
// match both ours and stap's gets both lists merged.  Returns only when the
// pattern cannot match a kernel.mmio point.
void answer_listing(const Invocation &inv, bool vars, const std::string &pattern)
{
	SourceFile f{ "<input>", pattern };
	ProbePoint pp;
	try {
		pp = parse_probe_point(f, inv.env);
	} catch (const ParseError &) {
		return;
	}
	if (!pattern_may_match_mmio(pp))
		return;
	std::string suffix = vars ? " " + context_var_listing() : "";
	if (pattern_is_mmio_only(pp) && !any_wildcard(pp)) {
		MmioLowering l(LowerOptions{});
		std::string s = l.list_point(pp);
		if (s.empty()) {
			if (inv.cl.has("v")) {
				DiagnosticPrinter p;
				std::cerr << p.format_all(l.diagnostics());
			}
			exit(1);
		}
		std::cout << s << suffix << std::endl;
		exit(0);
	}
	std::vector<std::string> ours = list_mmio_points(pp, inv.env);
	for (auto &o : ours)
		o += suffix;
	if (pattern_is_mmio_only(pp)) {
		for (auto &o : ours)
			std::cout << o << "\n";
		std::cout.flush();
		exit(ours.empty() ? 1 : 0);
	}
	merge_listing(inv, ours, true);
}

// -V, --help, --dump-probe-types, -l/-L: answered here, with the real
// stap's own answer where it has one.  Returns when there is nothing to
// answer (a script to run).
void answer_informational(const Invocation &inv)
{
	const CommandLine &cl = inv.cl;
	if (cl.has("V") || cl.has("version"))
		answer_version(inv);
	if (cl.has("h") || cl.has("help"))
		answer_help(inv);
	if (cl.has("dump-probe-types"))
		merge_listing(inv, mmio_probe_types(), false);
	if (cl.has("l") || cl.has("L")) {
		for (auto it = cl.options.rbegin(); it != cl.options.rend(); ++it)
			if (it->name == "l" || it->name == "L") {
				answer_listing(inv, it->name == "L", it->arg);
				break;
			}
		pass_through(inv.argc, inv.argv, nullptr);
	}
}

// ------------------------------------------------------------------
// Stage 2: the script.

struct ScriptInput {
	std::string text, name, path;	// path: "" for -e and stdin
	std::vector<std::string> args;
	bool from_stdin = false;
	bool example = false;		// path found by --example
	const std::string *stdin_bytes() const { return from_stdin ? &text : nullptr; }
};

// Files named @name under @dir (as stap --example searches its examples)
void find_named(const std::string &dir, const std::string &name,
		std::vector<std::string> &out)
{
	find_files(dir, 6, [&name](const std::string &n) { return n == name; }, out);
}

std::string examples_dir()
{
	return env_or("STAP_MMIO_EXAMPLES", std::string(STAP_MMIO_STAP_DATADIR) + "/examples");
}

ScriptInput read_script(const Invocation &inv)
{
	const CommandLine &cl = inv.cl;
	ScriptInput s;
	s.args = cl.operands;
	if (cl.has("e")) {
		s.text = cl.last("e");
		s.name = "<input>";
		return s;
	}
	if (cl.operands.empty())
		pass_through(inv.argc, inv.argv, nullptr);
	s.path = cl.operands[0];
	s.args.erase(s.args.begin());
	if (cl.has("example")) {
		// stap --example NAME: NAME is looked for under stap's examples
		std::vector<std::string> found;
		find_named(examples_dir(), s.path, found);
		if (found.size() != 1)
			pass_through(inv.argc, inv.argv, nullptr);	// stap says why
		s.path = found[0];
		s.example = true;
	}
	if (s.path == "-") {
		s.from_stdin = true;
		s.name = "<input>";
		if (!read_fd(0, s.text))
			fail("ERROR: stap-mmio: cannot read the script from stdin");
		return s;
	}
	s.name = s.path;
	if (!read_file(s.path, s.text))
		pass_through(inv.argc, inv.argv, nullptr);	// stap reports it
	return s;
}

// ------------------------------------------------------------------
// Stage 3: the lowering.

struct Lowered {
	std::unique_ptr<MmioLowering> lowering;
	std::vector<std::string> tapset_dirs, tapset_files;
	std::string runtime_ko;		// STAP_MMIO_RUNTIME, "" for modprobe's
	std::unique_ptr<SourceFile> user;
	std::string last_pass;
};

// The -I tapset directories' files, for the aliases they define.
void read_tapsets(const PpEnvironment &env, Lowered &out, int &groups)
{
	for (auto &path : out.tapset_files) {
		std::string text;
		if (!read_file(path, text))
			continue;
		auto f = std::make_unique<SourceFile>(SourceFile{ path, text });
		try {
			Script s = parse_script(*f, {}, env, groups);
			out.lowering->add_tapset(std::move(f), std::move(s));
		} catch (const ParseError &) {
			// the real stap reports broken tapsets
		}
	}
}

// kernel.mmio in an -E script (whose probes stap runs beside the
// script's) is refused.
void refuse_mmio_in_E_scripts(const Invocation &inv, const ScriptInput &script,
			      const LowerOptions &lo, int &groups)
{
	for (auto &e : inv.cl.all("E")) {
		SourceFile ef{ "<input>", e };
		try {
			MmioLowering probe_e(lo);
			probe_e.set_user(&ef, parse_script(ef, script.args, inv.env, groups));
			if (probe_e.uses_mmio()) {
				DiagnosticPrinter p;
				std::cerr << p.format({ "kernel.mmio probes are not supported in -E scripts",
							probe_e.first_mmio_token() });
				std::cerr << pass2_failed;
				exit(1);
			}
		} catch (const ParseError &) {
		}
	}
}

// kernel.mmio needs stapdev, the kernel runtime and an x86-64 target.
void check_privilege_and_runtime(const PpEnvironment &env, const MmioLowering &lowering)
{
	DiagnosticPrinter printer;
	auto semantic_fail = [&](const std::string &msg) {
		std::cerr << printer.format({ msg, lowering.first_mmio_token() }) << pass2_failed;
		exit(1);
	};
	if (env.privilege != "stapdev")
		semantic_fail("kernel.mmio probe point is not allowed for --privilege=" + env.privilege);
	if (env.runtime != "kernel")
		semantic_fail("kernel.mmio probes need the kernel runtime, not --runtime=" +
			      env.runtime);
	if (env.arch != "x86_64")
		semantic_fail("kernel.mmio probes need an x86-64 target, not -a " + env.arch);
}

std::unique_ptr<Lowered> lower_script(const Invocation &inv, const ScriptInput &script)
{
	const CommandLine &cl = inv.cl;
	auto out = std::make_unique<Lowered>();

	out->tapset_dirs = cl.all("I");
	for (auto &d : out->tapset_dirs)
		list_tapset_files(d, out->tapset_files);
	bool maybe = mentions_mmio(script.text, script.args);
	for (auto &f : out->tapset_files) {
		std::string t;
		maybe = maybe || (read_file(f, t) && mentions_mmio(t));
	}
	for (auto &e : cl.all("E"))
		maybe = maybe || mentions_mmio(e, script.args);
	if (!maybe)
		pass_through(inv.argc, inv.argv, script.stdin_bytes());

	// The module the lowered probes attach to.
	out->runtime_ko = env_or("STAP_MMIO_RUNTIME", "");
	LowerOptions lo;
	lo.guru = inv.env.guru;
	lo.module = out->runtime_ko.empty() ? "stap_mmio" : real_path(out->runtime_ko);
	lo.session_name = script.path.empty() || script.from_stdin ? "<input>"
								   : basename_of(script.path);
	out->lowering = std::make_unique<MmioLowering>(lo);
	MmioLowering &lowering = *out->lowering;

	out->user = std::make_unique<SourceFile>(SourceFile{ script.name, script.text });
	int groups = 0;
	read_tapsets(inv.env, *out, groups);
	try {
		lowering.set_user(out->user.get(),
				  parse_script(*out->user, script.args, inv.env, groups));
	} catch (const ParseError &) {
		pass_through(inv.argc, inv.argv, script.stdin_bytes());	// stap's parse error
	}
	refuse_mmio_in_E_scripts(inv, script, lo, groups);
	if (!lowering.uses_mmio())
		pass_through(inv.argc, inv.argv, script.stdin_bytes());

	// -p1 prints the user's script, as stap parses it
	out->last_pass = cl.last("p");
	bool show_lowered = getenv("STAP_MMIO_SHOW_LOWERED") != nullptr;
	if (out->last_pass == "1" && !show_lowered)
		pass_through(inv.argc, inv.argv, script.stdin_bytes());

	check_privilege_and_runtime(inv.env, lowering);
	if (!lowering.lower()) {
		DiagnosticPrinter printer;
		std::cerr << printer.format_all(lowering.diagnostics()) << pass2_failed;
		exit(1);
	}
	return out;
}

// ------------------------------------------------------------------
// Stage 4: the target: where the session would run, its kernel, the
// runtime module.

void check_target(const Invocation &inv, const Lowered &lw)
{
	const CommandLine &cl = inv.cl;
	// The translation needs the runtime's debug information and the
	// target kernel's build tree here; a compile server has neither.
	for (const char *o : { "use-server", "use-http-server", "use-server-on-error" })
		if (cl.has(o))
			fail(std::string("ERROR: kernel.mmio: --") + o +
			     " is not supported: a compile server has no stap_mmio runtime module "
			     "to compile against; compile here (without --" + o + ")");
	// --remote: stap's remote engine learns each target's kernel from its
	// stapsh and translates for it here, as with -r, and its own
	// diagnostics say when this machine lacks that kernel's build tree or
	// the runtime's debug information for it.  Whether the runtime is
	// installed there and loads is found out on the target, when the
	// session asks for it: one ERROR line naming the target.  This machine's
	// kernel is not the target's, and asking the target ourselves would
	// end its stapsh (a listening stapsh exits when its client goes) just
	// before stap connects.
	if (cl.has("remote"))
		return;

	std::string why = inv.target->unsuitable();
	if (!why.empty())
		fail("ERROR: " + why);
	if (!lw.runtime_ko.empty()) {
		if (!exists(lw.runtime_ko))
			fail("ERROR: kernel.mmio: runtime module not found: STAP_MMIO_RUNTIME=" +
			     lw.runtime_ko);
		return;
	}
	std::string dir = "/lib/modules/" + inv.target->release();
	const char *where[] = { "/extra/", "/updates/", "/updates/dkms/", "/kernel/extra/" };
	bool found = false;
	for (auto w : where)
		found = found || exists(dir + w + "stap_mmio.ko") ||
			exists(dir + w + "stap_mmio.ko.xz") ||
			exists(dir + w + "stap_mmio.ko.zst");
	if (!found)
		fail("ERROR: kernel.mmio: runtime module stap_mmio.ko not found in " +
		     inv.target->module_dir() +
		     " (install it, or set STAP_MMIO_RUNTIME=/path/to/stap_mmio.ko)");
}

// ------------------------------------------------------------------
// Stage 5: the lowered files, the real stap's command line, the runtime
// loaded when the session runs here, and the real stap.

// The files the real stap reads: a temporary directory with the lowered
// script and, for each -I directory with a lowered alias, a copy of it.
struct LoweredFiles {
	std::string tmpdir;
	std::vector<std::pair<std::string, std::string>> renames;	// tmp -> user's
	std::map<std::string, std::string> dir_copy;	// -I DIR -> lowered copy
};

std::string make_temporary_directory()
{
	const char *tmp = getenv("TMPDIR");
	std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/stap-mmio.XXXXXX";
	std::vector<char> tb(tmpl.begin(), tmpl.end());
	tb.push_back(0);
	if (!mkdtemp(tb.data()))
		fail(std::string("ERROR: stap-mmio: cannot make a temporary directory: ") +
		     strerror(errno));
	return tb.data();
}

// A copy of tapset directory @d (the -I directory number @i) in @files.
void copy_tapset_dir(const Lowered &lw, const std::string &d, size_t i, LoweredFiles &files)
{
	std::string copy = files.tmpdir + "/tapset" + std::to_string(i);
	files.dir_copy[d] = copy;
	files.renames.push_back({ copy, d });
	for (auto &f : lw.tapset_files) {
		if (f.compare(0, d.size() + 1, d + "/") != 0)
			continue;
		std::string dst = copy + f.substr(d.size()), text;
		make_dirs(dst.substr(0, dst.rfind('/')));
		if (read_file(f, text))
			write_file(dst, text);
	}
}

// Each lowered tapset file into a copy of its -I directory.
void write_lowered_tapsets(const Lowered &lw, LoweredFiles &files)
{
	for (auto &out : lw.lowering->tapset_outputs()) {
		for (size_t i = 0; i < lw.tapset_dirs.size(); i++) {
			const std::string &d = lw.tapset_dirs[i];
			if (out.first.compare(0, d.size() + 1, d + "/") != 0)
				continue;
			if (!files.dir_copy.count(d))
				copy_tapset_dir(lw, d, i, files);
			write_file(files.dir_copy[d] + out.first.substr(d.size()), out.second);
			break;
		}
	}
}

// -I for the project's tapset (unless it is the real stap's own), and the
// uprobe define stap 5.1 needs on kernels >= 6.12.
void add_tapset_and_defines(const Invocation &inv, std::vector<std::string> &args)
{
	std::string tapsetdir = env_or("STAP_MMIO_TAPSET", STAP_MMIO_TAPSETDIR);
	std::string rs = real_path(real_stap());
	std::string stap_own = real_path(rs.substr(0, rs.rfind('/')) + "/../share/systemtap/tapset");
	if (real_path(tapsetdir) != stap_own) {
		args.push_back("-I");
		args.push_back(tapsetdir);
	}
	bool have_uprobe_define = false;
	for (auto &d : inv.cl.all("D"))
		have_uprobe_define = have_uprobe_define ||
			d.compare(0, 34, "STAPCONF_UPROBE_UNREGISTER_EXPORTED") == 0;
	if (have_uprobe_define)
		return;
	// --remote: the targets' kernels are not known here; the define is
	// right for every kernel where uprobe_unregister is exported, as it
	// has been since its introduction
	SymbolPresence has = inv.cl.has("remote") ? SymbolPresence::absent
						  : inv.target->has_uprobe_unregister();
	bool needed = has == SymbolPresence::absent ||
		(has == SymbolPresence::unknown &&
		 strverscmp(inv.target->base_release().c_str(), "6.12") >= 0);
	std::string v = needed ? real_stap_version() : "";
	if (needed && (v.empty() || strverscmp(v.c_str(), "5.1") <= 0))
		args.push_back("-DSTAPCONF_UPROBE_UNREGISTER_EXPORTED");
}

// The user's options (lowered -I copies in place of their directories),
// then the lowered script and the script's arguments.
void add_options_and_script(const Invocation &inv, const ScriptInput &script,
			    const Lowered &lw, LoweredFiles &files,
			    std::vector<std::string> &args)
{
	for (auto &o : inv.cl.options) {
		if (o.name == "e")
			continue;
		if (o.name == "example" && script.example)
			continue;	// the example's path is passed instead
		if (o.name == "I" && files.dir_copy.count(o.arg)) {
			args.push_back("-I");
			args.push_back(files.dir_copy[o.arg]);
			continue;
		}
		for (auto &w : o.words())
			args.push_back(w);
	}
	const std::string &lowered = lw.lowering->user_output();
	bool inline_script = script.path.empty() || script.from_stdin;
	if (inline_script && lowered.size() < 100000) {
		args.insert(args.end(), { "-e", lowered, "--" });
	} else {
		std::string file = files.tmpdir + "/" +
			(inline_script ? "input.stp" : basename_of(script.path));
		if (!write_file(file, lowered))
			fail("ERROR: stap-mmio: cannot write " + file);
		files.renames.push_back({ file, inline_script ? "<input>" : script.path });
		args.insert(args.end(), { "--", file });
	}
	args.insert(args.end(), script.args.begin(), script.args.end());
}

// When the session runs here (pass 5 on the running kernel), the runtime
// must be loaded first.
void load_runtime_if_running_here(const Invocation &inv, const Lowered &lw)
{
	bool run_here = (lw.last_pass.empty() || lw.last_pass == "5") &&
		!inv.cl.has("remote") && inv.target->is_running_kernel();
	if (!run_here || exists("/sys/module/stap_mmio"))
		return;
	std::vector<std::string> load = lw.runtime_ko.empty()
		? std::vector<std::string>{ "modprobe", "stap_mmio" }
		: std::vector<std::string>{ "insmod", real_path(lw.runtime_ko) };
	if (run_and_wait(load) != 0 && !exists("/sys/module/stap_mmio"))
		fail("ERROR: kernel.mmio: cannot load the runtime module (" + load[0] + " " +
		     load[1] + " failed)");
}

[[noreturn]] void run_lowered(const Invocation &inv, const ScriptInput &script, const Lowered &lw)
{
	LoweredFiles files;
	files.tmpdir = make_temporary_directory();
	write_lowered_tapsets(lw, files);
	if (const char *save = getenv("STAP_MMIO_SAVE"))
		write_file(save, lw.lowering->user_output());
	std::vector<std::string> args{ real_stap() };
	add_tapset_and_defines(inv, args);
	add_options_and_script(inv, script, lw, files, args);
	load_runtime_if_running_here(inv, lw);
	StderrFilter filter;
	filter.renames = files.renames;
	filter.remotes = inv.cl.all("remote");
	run_real(args, filter, files.tmpdir);
}

} // namespace

int main(int argc, char **argv)
{
	Invocation inv = read_command_line(argc, argv);
	answer_informational(inv);
	ScriptInput script = read_script(inv);
	std::unique_ptr<Lowered> lowered = lower_script(inv, script);
	check_target(inv, *lowered);
	run_lowered(inv, script, *lowered);
}
