// unit_tests.cxx - host tests of the pass: the lexer against stap's token
// rules, the preprocessor, the probe point parser, the lowering (line
// numbers kept, ranges, filters, context variables) and every diagnostic.
// The expectations are written from stap(1)/stapprobes(3stap) and from
// what stap 5.1 prints for its own errors; `make check` runs this.
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>

#include "../command_line.h"
#include "../diagnostics.h"
#include "../mmio_probes.h"
#include "../script.h"

using namespace stapmmio;

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b) check_eq((a), (b), #a, __FILE__, __LINE__)

static void check(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	std::cerr << file << ":" << line << ": FAIL: " << what << "\n";
}

template <typename A, typename B>
static void check_eq(const A &a, const B &b, const char *what, const char *file, int line)
{
	if (a == b) {
		passed++;
		return;
	}
	failed++;
	std::cerr << file << ":" << line << ": FAIL: " << what << "\n  got:      [" << a
		  << "]\n  expected: [" << b << "]\n";
}

static std::vector<std::shared_ptr<Token>> lex(const std::string &text,
					       std::vector<std::string> args = {})
{
	static std::vector<std::unique_ptr<SourceFile>> keep;
	keep.push_back(std::make_unique<SourceFile>(SourceFile{ "<input>", text }));
	int groups = 0;
	Lexer l(*keep.back(), args, groups);
	std::vector<std::shared_ptr<Token>> v;
	while (auto t = l.scan())
		v.push_back(t);
	return v;
}

static std::string kinds(const std::vector<std::shared_ptr<Token>> &v)
{
	std::string s;
	for (auto &t : v) {
		const char *k = "?";
		switch (t->type) {
		case TokType::junk: k = "J"; break;
		case TokType::identifier: k = "I"; break;
		case TokType::op: k = "O"; break;
		case TokType::string: k = "S"; break;
		case TokType::number: k = "N"; break;
		case TokType::embedded: k = "E"; break;
		case TokType::keyword: k = "K"; break;
		}
		s += std::string(s.empty() ? "" : " ") + k + ":" + t->content;
	}
	return s;
}

struct Result {
	bool parsed = false, ok = false, uses = false;
	std::string out, diags;
	std::vector<MmioRange> ranges;
};

static Result lower(const std::string &text, std::vector<std::string> args = {},
		    bool guru = false, PpEnvironment env = PpEnvironment(),
		    std::vector<std::pair<std::string, std::string>> tapsets = {})
{
	static std::vector<std::unique_ptr<SourceFile>> keep;
	keep.push_back(std::make_unique<SourceFile>(SourceFile{ "<input>", text }));
	Result r;
	LowerOptions lo;
	lo.guru = guru;
	lo.session_name = "t";
	MmioLowering l(lo);
	int groups = 0;
	try {
		for (auto &t : tapsets) {
			auto f = std::make_unique<SourceFile>(SourceFile{ t.first, t.second });
			Script s = parse_script(*f, {}, env, groups);
			l.add_tapset(std::move(f), std::move(s));
		}
		l.set_user(keep.back().get(), parse_script(*keep.back(), args, env, groups));
	} catch (const ParseError &) {
		return r;
	}
	r.parsed = true;
	r.uses = l.uses_mmio();
	r.ok = l.lower();
	r.out = l.user_output();
	r.ranges = l.ranges();
	DiagnosticPrinter p;
	r.diags = p.format_all(l.diagnostics());
	for (auto &t : l.tapset_outputs())
		r.out += "\n--- " + t.first + "\n" + t.second;
	return r;
}

static std::string line(const std::string &text, int n)
{
	std::istringstream in(text);
	std::string l;
	for (int i = 0; i < n && std::getline(in, l); i++)
		;
	return l;
}

static int count_lines(const std::string &s)
{
	int n = 0;
	for (char c : s)
		n += c == '\n';
	return n;
}

static bool contains(const std::string &hay, const std::string &needle)
{
	return hay.find(needle) != std::string::npos;
}

static void test_lexer()
{
	CHECK_EQ(kinds(lex("probe kernel.mmio(0x10).length(4) { $addr }")),
		 "K:probe I:kernel O:. I:mmio O:( N:0x10 O:) O:. I:length O:( N:4 O:) O:{ I:$addr O:}");
	// comments of all three kinds, and "/*/" does not close a comment
	CHECK_EQ(kinds(lex("a # x\nb // y\nc /*/ z */ d")), "I:a I:b I:c I:d");
	CHECK_EQ(kinds(lex("/* unclosed")), "");
	// strings and comments that mention kernel.mmio are no probe points
	CHECK_EQ(kinds(lex("\"kernel.mmio(1) // not a comment\"")),
		 "S:kernel.mmio(1) // not a comment");
	// escapes: known ones keep their backslash, \" loses it
	CHECK_EQ(lex("\"a\\\"b\\n\\q\"")[0]->content, "a\"b\\nq");
	CHECK(lex("\"open")[0]->junk == JunkKind::unclosed_quote);
	CHECK(lex("\"one\nline\"")[0]->junk == JunkKind::unclosed_quote);
	// longest operators first
	CHECK_EQ(kinds(lex("a<<<b>>=c-->d%(%?%:%)")),
		 "I:a O:<<< I:b O:>>= I:c O:-- O:> I:d O:%( O:%? O:%: O:%)");
	CHECK_EQ(kinds(lex("x.=y!~z")), "I:x O:.= I:y O:!~ I:z");
	// embedded code is one token; "}" inside is fine
	CHECK_EQ(kinds(lex("%{ int x; } %} y")), "E: int x; }  I:y");
	CHECK(lex("%{ never closed")[0]->junk == JunkKind::unclosed_embedded);
	// numbers take every alphanumeric: the parser rejects 0x1zz later
	CHECK_EQ(kinds(lex("0x1zz 010 12")), "N:0x1zz N:010 N:12");
	// identifiers may hold '$'; keywords; @words are operators
	CHECK_EQ(kinds(lex("$$vars$ $a$b next @defined @1x", { "a" })), "I:$$vars$ I:$a$b K:next O:@defined S:a I:x");
	// unknown bytes
	CHECK_EQ(kinds(lex("a \x01")), "I:a J:\\x01");
	// positions: line and column, tabs count as one column
	auto v = lex("probe\n\tkernel .mmio");
	CHECK_EQ(v[1]->line, 2u);
	CHECK_EQ(v[1]->col, 2u);
	CHECK_EQ(v[3]->col, 10u);
}

static void test_arguments()
{
	// $N pastes raw text, @N a quoted string, at the reference's place
	auto v = lex("kernel.mmio($1)", { "0xfea00000" });
	CHECK_EQ(kinds(v), "I:kernel O:. I:mmio O:( N:0xfea00000 O:)");
	CHECK_EQ(v[4]->col, 13u);
	CHECK(v[4]->group >= 0);
	CHECK_EQ(v[4]->begin, 12u);
	CHECK_EQ(v[4]->end, 14u);
	CHECK_EQ(kinds(lex("@1", { "a\"b" })), "S:a\"b");
	// pasted at the start of a token: it joins what follows
	CHECK_EQ(kinds(lex("$1abc", { "x" })), "I:xabc");
	CHECK_EQ(kinds(lex("$# @#", { "a", "b" })), "N:2 S:2");
	CHECK(lex("$3", { "a" })[0]->junk == JunkKind::invalid_arg);
	CHECK(lex("$0", { "a" })[0]->junk == JunkKind::invalid_arg);
	CHECK(lex("$1", { "$1" })[0]->junk == JunkKind::nested_arg);
	// $10 with one argument is $1 then "0"? no: stap stops reading digits
	// once the index exceeds the argument count
	CHECK_EQ(kinds(lex("$10", { "7" })), "J:$10");
	CHECK_EQ(kinds(lex("$1 0", { "7" })), "N:7 N:0");
}

static void test_preprocessor()
{
	PpEnvironment env;
	env.kernel_vr = "6.12.57+deb13-amd64";
	env.kernel_v = "6.12.57";
	env.config = [](const std::string &k) {
		return k == "CONFIG_MMIOTRACE" ? std::string("y")
		     : k == "CONFIG_HZ" ? std::string("250") : std::string();
	};
	Result r = lower("@define BASE %( 0xfea00000 %)\nprobe kernel.mmio(@BASE) { }\n", {}, false, env);
	CHECK(r.ok && r.uses);
	CHECK(r.ranges.size() == 1 && r.ranges[0].addr == 0xfea00000);
	// the macro definition stays in place for stap; the probe line is lowered
	CHECK_EQ(line(r.out, 1), "@define BASE %( 0xfea00000 %)");
	CHECK(contains(line(r.out, 2), "function(\"stap_mmio_event\")"));

	r = lower("@define REG(off) %( kernel.mmio(0x1000 + @off) %)\nprobe timer.s(1) {}\n", {}, false, env);
	CHECK(r.ok && !r.uses);	// a macro never invoked is no probe point

	r = lower("%( arch == \"x86_64\" && CONFIG_MMIOTRACE == \"y\" %?\n"
		  "probe kernel.mmio(0x10) { }\n%:\nprobe kernel.mmio(0x20) { }\n%)\n", {}, false, env);
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 0x10);
	CHECK_EQ(line(r.out, 4), "probe kernel.mmio(0x20) { }");	// untaken: stap skips it too

	r = lower("%( kernel_v >= \"6.1\" && CONFIG_HZ > 100 %? probe kernel.mmio(1) {} %)", {}, false, env);
	CHECK(r.ok && r.ranges.size() == 1);
	r = lower("%( kernel_vr == \"6.12*\" %? probe kernel.mmio(1) {} %: probe kernel.mmio(2) {} %)", {}, false, env);
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 1);
	r = lower("%( guru_mode == 1 %? probe kernel.mmio(1) {} %: probe kernel.mmio(2) {} %)", {}, false, env);
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 2);
	// a parameterised macro producing a whole probe header
	r = lower("@define REGS(a, n) %( kernel.mmio(@a).length(@n) %)\n"
		  "probe @REGS(0x2000, 8) { println($value) }\n", {}, false, env);
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 0x2000 && r.ranges[0].len == 8);
	CHECK(contains(line(r.out, 2), "$ev->value"));
	CHECK_EQ(count_lines(r.out), 2 + 3);
	// syntax errors are left to stap: the pass reports no parse
	CHECK(!lower("probe kernel.mmio(1) { ").parsed);
	CHECK(!lower("%( arch == %? %)").parsed);
	CHECK(!lower("@define A %( 1 %)\n@define A %( 2 %)").parsed);
	CHECK(!lower("probe kernel.mmio(0xzz) {}").parsed);
	CHECK(!lower("probe kernel.mmio(18446744073709551616) {}").parsed);
}

static void test_detection()
{
	CHECK(!lower("probe begin { println(\"kernel.mmio(1)\") } // kernel.mmio(2)\n").uses);
	CHECK(!lower("# probe kernel.mmio(1) {}\nprobe begin {}").uses);
	CHECK(!lower("/* probe kernel.mmio(1) {} */ probe begin {}").uses);
	CHECK(!lower("%{ /* kernel.mmio */ %} probe begin {}").uses);
	CHECK(!lower("function mmio() { } probe kernel.function(\"mmio\") {}").uses);
	CHECK(lower("probe kernel . mmio (1) {}").uses);
	CHECK(lower("probe kernel.{mmio(1), mmio(2)} {}").uses);
}

static void test_lowering()
{
	const char *src =
		"global n\n"
		"probe kernel.mmio(0xfea00000).length(4).write {\n"
		"  printf(\"%x %d\\n\", $addr, $value)\n"
		"  n++ }\n"
		"probe timer.s(1) { exit() }";
	Result r = lower(src);
	CHECK(r.ok);
	CHECK_EQ(line(r.out, 1), "global n");
	CHECK_EQ(line(r.out, 2),
		 "probe module(\"stap_mmio\").function(\"stap_mmio_event\") "
		 "{ if (!(__mmio_probe_hit(0))) next; ");
	CHECK_EQ(line(r.out, 3), "  printf(\"%x %d\\n\", $ev->phys, $ev->value)");
	CHECK_EQ(line(r.out, 4), "  n++ }");
	CHECK_EQ(line(r.out, 5), "probe timer.s(1) { exit() }");
	CHECK_EQ(line(r.out, 6),
		 "probe begin(-9223372036854775808) { __mmio_open(\"t\"); "
		 "__mmio_add(0, 0xfea00000, 0x4, 18); __mmio_start() }");
	CHECK_EQ(line(r.out, 7), "probe end(9223372036854775807), error { __mmio_close() }");
	CHECK_EQ(line(r.out, 8), "probe module(\"stap_mmio\").function(\"stap_mmio_sync\") "
		 "{ __mmio_sync($ev) }");
	// ranges say their probes never read $timestamp (flag 16) unless one does
	r = lower("probe kernel.mmio(0x1000) { }\nprobe kernel.mmio(0x2000).write { println($timestamp) }");
	CHECK(r.ok && contains(r.out, "__mmio_add(0, 0x1000, 0x1, 3); __mmio_add(1, 0x2000, 0x1, 2);"));
	r = lower("probe kernel.mmio(0x1000) { if (@defined($timestamp)) println(1) }");
	CHECK(r.ok && contains(r.out, "__mmio_add(0, 0x1000, 0x1, 19);"));

	// defaults, flags, one K per probe, several points share it
	r = lower("probe kernel.mmio(16), kernel.mmio(0x20).length(2).read {}\n"
		  "probe kernel.mmio(010).map {}\nprobe kernel.mmio(8).unmap {}\n"
		  "probe kernel.mmio(0).length(0x10).write {}\n");
	CHECK(r.ok);
	CHECK_EQ(r.ranges.size(), 5u);
	CHECK(r.ranges[0].probe == 0 && r.ranges[0].addr == 16 && r.ranges[0].len == 1 && r.ranges[0].flags == 3);
	CHECK(r.ranges[1].probe == 0 && r.ranges[1].addr == 0x20 && r.ranges[1].len == 2 && r.ranges[1].flags == 1);
	CHECK(r.ranges[2].probe == 1 && r.ranges[2].addr == 8 && r.ranges[2].flags == 4);
	CHECK(r.ranges[3].probe == 2 && r.ranges[3].flags == 4);
	CHECK(r.ranges[4].probe == 3 && r.ranges[4].addr == 0 && r.ranges[4].len == 16 && r.ranges[4].flags == 2);
	CHECK(contains(line(r.out, 2), "__mmio_probe_hit(1) && $ev->type == 3"));
	CHECK(contains(line(r.out, 3), "__mmio_probe_hit(2) && $ev->type == 4"));

	// the last byte of the address space, and negative zero
	CHECK(lower("probe kernel.mmio(0xffffffffffffffff) {}").ok);
	CHECK(lower("probe kernel.mmio(0xfffffffffffffff0).length(16) {}").ok);
	CHECK(lower("probe kernel.mmio(-0) {}").ok);

	// ? and if (cond) keep stap's meaning on the lowered point
	// different conditions: one K each, the conditions move into the filter
	r = lower("global on\nprobe kernel.mmio(1) ?, kernel.mmio(2) ? if (on) { }\n");
	CHECK(r.ok && r.ranges.size() == 2 && r.ranges[1].probe == 1);
	CHECK(contains(line(r.out, 2), "function(\"stap_mmio_event\")? { if (!((__mmio_probe_hit(0)) || (__mmio_probe_hit(1) && (on)))) next;"));
	r = lower("global on\nprobe kernel.{mmio(1), mmio(2)} ? if (on) { }\n");
	CHECK(r.ok);
	CHECK(contains(line(r.out, 2), "function(\"stap_mmio_event\")? if (on) {"));
	r = lower("global on\nprobe kernel.mmio(1), kernel.mmio(2) if (on > 1) { }\n");
	CHECK(r.ok);
	CHECK(contains(line(r.out, 2), "(__mmio_probe_hit(0)) || (__mmio_probe_hit(1) && (on > 1))"));
	CHECK_EQ(r.ranges.size(), 2u);
	// '!': a sufficient point that resolves ends the list
	r = lower("probe kernel.mmio(1)!, kernel.mmio(2) { }\n");
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 1);

	// $1 and @define as address and length
	r = lower("probe kernel.mmio($1).length($2) { }", { "0x1000", "010" });
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 0x1000 && r.ranges[0].len == 8);
	// the glue refers to the arguments too, so stap sees them used
	CHECK(contains(r.out, "__mmio_add(0, $1, $2, 19);"));
	// a comment begun in a pasted argument swallows the user's text after
	// the reference; re-emitting the argument must not bring that back
	r = lower("probe kernel.mmio(1) { x = $1 kernel.mmio */ }", { "$addr /*" });
	CHECK(r.ok);
	CHECK(contains(r.out, "next;  x = $ev->phys }\n"));

}

// What the rendering keeps: line numbers, token boundaries, limits.
static void test_rendering()
{
	Result r;
	// every line keeps its number, whatever the probes span
	std::string multi = "probe\nkernel.mmio(1)\n.length(2)\n{\n$value\n}\n// end\n";
	r = lower(multi);
	CHECK(r.ok);
	CHECK_EQ(line(r.out, 5), "$ev->value");
	CHECK_EQ(line(r.out, 7), "// end");
	CHECK_EQ(count_lines(r.out), count_lines(multi) + 3);
	// no trailing newline: the glue still starts on a line of its own
	r = lower("probe kernel.mmio(1) {}");
	CHECK(contains(r.out, "next; }\nprobe begin("));

	// re-emitting an argument keeps touching pieces touching ("*length"
	// is one component), and never glues separate tokens into one
	r = lower("probe kernel.mmio(1) { x = $1 }", { "$addr*-1+$value" });
	CHECK(r.ok && contains(r.out, "x = $ev->phys *-1+ $ev->value }"));
	r = lower("probe kernel.mmio(1) { x = $2$1 }", { "$addr", "1" });
	CHECK(r.ok && contains(r.out, "x = $2 $ev->phys }"));
	// an argument holding a whole conditional cannot be re-emitted
	r = lower("probe kernel.mmio(1) { x = $1 }", { "%( arch == \"x86_64\" %? $addr %: 0 %)" });
	CHECK(!r.ok && contains(r.diags, "cannot lower this kernel.mmio probe: a $N argument or macro expansion here"));
	// 256 probes fit, 257 do not
	std::string many;
	for (int i = 0; i < 256; i++)
		many += "probe kernel.mmio(" + std::to_string(i) + ") {}\n";
	CHECK(lower(many).ok);
	r = lower(many + "probe kernel.mmio(999) {}\n");
	CHECK(!r.ok && contains(r.diags, "too many kernel.mmio probes: at most 256 per script"));
}

static void test_context_vars()
{
	Result r = lower("probe kernel.mmio(1) { println($addr, $value, $width, $type, $pc, $virt, "
			 "$cpu, $map_id, $length, $flags, $seq, $timestamp) }");
	CHECK(r.ok);
	CHECK(contains(r.out, "println($ev->phys, $ev->value, $ev->width, $ev->type, $ev->pc, "
			      "$ev->virt, $ev->cpu, $ev->map_id, $ev->map_len, $ev->flags, $ev->seq, "
			      "$ev->timestamp)"));
	r = lower("probe kernel.mmio(1) { println($$vars) }");
	CHECK(contains(r.out, "println(sprintf(\"addr=%#x value=%#x width=%d type=%d pc=%#x virt=%#x\", "
			      "$ev->phys, $ev->value, $ev->width, $ev->type, $ev->pc, $ev->virt))"));
	r = lower("probe kernel.mmio(1) { println($addr$) }");
	CHECK(contains(r.out, "$ev->phys$"));
	// @defined keeps working: known names are rewritten, unknown ones
	// stay undefined instead of failing
	r = lower("probe kernel.mmio(1) { if (@defined($addr)) x = 1; if (@defined($nope)) x = 2 }");
	CHECK(r.ok);
	CHECK(contains(r.out, "@defined($ev->phys)"));
	CHECK(contains(r.out, "@defined($__stap_mmio_undefined_nope)"));
	// assignments: only with -g
	r = lower("probe kernel.mmio(1) { $value = 1 }");
	CHECK(!r.ok);
	CHECK_EQ(r.diags,
		 "semantic error: write to target variable not permitted; need stap -g: "
		 "identifier '$value' at <input>:1:24\n"
		 "        source: probe kernel.mmio(1) { $value = 1 }\n"
		 "                                       ^\n\n");
	CHECK(!lower("probe kernel.mmio(1) { $value++ }").ok);
	CHECK(!lower("probe kernel.mmio(1) { ++$value }").ok);
	CHECK(!lower("probe kernel.mmio(1) { $value <<= 1 }").ok);
	CHECK(lower("probe kernel.mmio(1) { if ($value == 1) next }").ok);
	r = lower("probe kernel.mmio(1) { $value = 1 }", {}, true);
	CHECK(r.ok && contains(r.out, "$ev->value = 1"));
	// context variables of other probes are not touched
	r = lower("probe kernel.mmio(1) {}\nprobe kernel.function(\"f\") { println($addr) }");
	CHECK(r.ok && contains(r.out, "{ println($addr) }"));
}

static void test_aliases()
{
	Result r = lower("probe myregs = kernel.mmio(0x1000).length(0x100) { name = \"r\" }\n"
			 "probe myregs { println(name, $addr) }\n");
	CHECK(r.ok && r.uses);
	CHECK_EQ(line(r.out, 1),
		 "probe myregs = module(\"stap_mmio\").function(\"stap_mmio_event\") "
		 "{ if (!(__mmio_probe_hit(0))) next;  name = \"r\" }");
	CHECK_EQ(line(r.out, 2), "probe myregs { println(name, $ev->phys) }");
	CHECK(r.ranges.size() == 1 && r.ranges[0].len == 0x100);
	// an alias nobody uses arms nothing
	r = lower("probe myregs = kernel.mmio(0x1000) { }\nprobe kernel.mmio(5) {}\n");
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].addr == 5);
	// an alias in a tapset (-I dir) is lowered in a copy of that file
	r = lower("probe dev.regs { println($value) }\n", {}, false, PpEnvironment(),
		  { { "/t/dev.stp", "probe dev.regs = kernel.mmio(0x2000).length(4) { }\n" } });
	CHECK(r.ok && r.uses && r.ranges.size() == 1 && r.ranges[0].addr == 0x2000);
	CHECK(contains(r.out, "println($ev->value)"));
	CHECK(contains(r.out, "--- /t/dev.stp\nprobe dev.regs = module(\"stap_mmio\")"));
	// aliases of aliases
	r = lower("probe a = kernel.mmio(1) {}\nprobe b = a {}\nprobe b { println($pc) }\n");
	CHECK(r.ok && r.ranges.size() == 1 && contains(r.out, "$ev->pc"));
	// wildcard uses of aliases
	r = lower("probe dev.regs = kernel.mmio(1) {}\nprobe dev.* { println($value) }\n");
	CHECK(r.ok && r.ranges.size() == 1 && contains(r.out, "println($ev->value)"));
	r = lower("probe dev.regs = kernel.mmio(1) {}\nprobe dev.other = timer.s(1) {}\nprobe dev.*, kernel.mmio(2) { }\n");
	CHECK(!r.ok && contains(r.diags, "write a separate probe for 'dev.*'"));
	// epilogue aliases filter in the user's body, which runs first
	r = lower("probe e += kernel.mmio(1) {}\nprobe e { println($pc) }\n");
	CHECK(r.ok && contains(line(r.out, 2), "probe e { if (!(__mmio_probe_hit(0))) next;  println($ev->pc) }"));
	r = lower("probe a = kernel.mmio(1) {}\nprobe a.read { }\n");
	CHECK(!r.ok && contains(r.diags, "semantic error: kernel.mmio alias 'a' takes no suffixes: identifier 'a' at <input>:2:7"));
}

static std::string diag(const std::string &src)
{
	Result r = lower(src);
	return r.ok ? "(no error)" : r.diags;
}

static void test_diagnostics()
{
	CHECK_EQ(diag("probe kernel.mmio(0x10).length(0) {}"),
		 "semantic error: length of kernel.mmio probe point must be positive: "
		 "identifier 'kernel' at <input>:1:7\n"
		 "        source: probe kernel.mmio(0x10).length(0) {}\n"
		 "                      ^\n\n");
	CHECK(contains(diag("probe kernel.mmio(0x10).length(-4) {}"), "length of kernel.mmio probe point must be positive"));
	CHECK(contains(diag("probe kernel.mmio(0xffffffffffffffff).length(2) {}"),
		       "semantic error: range of kernel.mmio probe point wraps past the end of the address space: identifier 'kernel' at <input>:1:7"));
	CHECK(contains(diag("probe kernel.mmio(\"0x10\") {}"),
		       "semantic error: address of kernel.mmio probe point must be a number, not a string: identifier 'kernel'"));
	CHECK(contains(diag("probe kernel.mmio(1).length(\"4\") {}"),
		       "length of kernel.mmio probe point must be a number, not a string"));
	CHECK(contains(diag("probe kernel.mmio {}"),
		       "semantic error: kernel.mmio probe point needs an address, a device or a driver: kernel.mmio(ADDR), kernel.mmio.pci(DEVICE) or kernel.mmio.driver(NAME): identifier 'kernel' at <input>:1:7"));
	CHECK(contains(diag("probe kernel.mmio(1).length {}"), "length of kernel.mmio probe point needs a value: .length(LEN)"));
	CHECK(contains(diag("probe kernel.mmio(-5) {}"), "address of kernel.mmio probe point must not be negative"));
	CHECK(contains(diag("probe kernel.mmio(1).sideways {}"),
		       "unknown kernel.mmio probe point suffix 'sideways' (expected .length(LEN) then one of .read .write .map .unmap)"));
	CHECK(contains(diag("probe kernel.mmio(1).read.length(4) {}"), "unknown kernel.mmio probe point suffix 'length'"));
	CHECK(contains(diag("probe kernel.mmio(1).read.write {}"), "unknown kernel.mmio probe point suffix 'write'"));
	CHECK(contains(diag("probe kernel.mmio(1).read(1) {}"), "'read' takes no argument in a kernel.mmio probe point"));
	CHECK(contains(diag("probe kernel.mmio(1).* {}"), "unknown kernel.mmio probe point suffix '*'"));
	CHECK(contains(diag("probe kernel(1).mmio(1) {}"), "'kernel' takes no argument"));
	CHECK_EQ(diag("probe kernel.mmio(1) { println($foo) }"),
		 "semantic error: context variable '$foo' not available in kernel.mmio probes "
		 "(alternatives: $addr $value $width $type $pc $virt $cpu $map_id $length $flags $seq $timestamp $offset $bar $device $vendor $device_id $pci_dev): "
		 "identifier '$foo' at <input>:1:32\n"
		 "        source: probe kernel.mmio(1) { println($foo) }\n"
		 "                                               ^\n\n");
	CHECK(contains(diag("probe kernel.mmio(1) { println($$return) }"), "context variable '$$return' not available"));
	// mixing kernel.mmio with other points: refused, pointing at the other
	CHECK_EQ(diag("probe kernel.mmio(1), timer.s(1) { }"),
		 "semantic error: kernel.mmio probe points cannot share a probe with other probe points; "
		 "write a separate probe for 'timer.s(1)': identifier 'timer' at <input>:1:23\n"
		 "        source: probe kernel.mmio(1), timer.s(1) { }\n"
		 "                                      ^\n\n");
	// several errors: later ones abbreviate the file name, as stap does
	CHECK_EQ(diag("probe kernel.mmio(1).length(0) {}\nprobe kernel.mmio(2).x {}"),
		 "semantic error: length of kernel.mmio probe point must be positive: identifier 'kernel' at <input>:1:7\n"
		 "        source: probe kernel.mmio(1).length(0) {}\n"
		 "                      ^\n\n"
		 "semantic error: unknown kernel.mmio probe point suffix 'x' (expected .length(LEN) then one of .read .write .map .unmap): identifier 'kernel' at :2:7\n"
		 "        source: probe kernel.mmio(2).x {}\n"
		 "                      ^\n\n");
	// a point from a macro: the caret is at the macro body, then the invocation
	CHECK_EQ(diag("@define R %( kernel.mmio(1).length(0) %)\nprobe @R {}"),
		 "semantic error: length of kernel.mmio probe point must be positive: identifier 'kernel' at <input>:1:14\n"
		 "        source: @define R %( kernel.mmio(1).length(0) %)\n"
		 "                             ^\n"
		 "\tin expansion of macro: operator '@R' at :2:7\n"
		 "        source: probe @R {}\n"
		 "                      ^\n\n");
	// an expansion that would add lines where it is re-emitted
	CHECK(contains(diag("@define M %( %{ 1\n %} + $addr %)\nprobe kernel.mmio(1) { x = @M }"),
		       "cannot lower kernel.mmio probes here without moving the lines after it"));
	// tabs in the source line are kept under the caret
	CHECK(contains(diag("\tprobe kernel.mmio(1).length(0) {}"), "source: \tprobe kernel.mmio(1).length(0) {}\n                \t      ^\n"));
}

static void test_command_line()
{
	auto parse = [](std::vector<std::string> words) {
		std::vector<char *> v;
		static std::vector<std::string> keep;
		keep = words;
		for (auto &w : keep)
			v.push_back(const_cast<char *>(w.c_str()));
		return parse_command_line((int)v.size(), v.data());
	};
	CommandLine cl = parse({ "stap", "-vp2", "-e", "probe begin {}", "a", "-r", "6.12", "b" });
	CHECK(cl.ok);
	CHECK(cl.has("v") && cl.last("p") == "2" && cl.last("e") == "probe begin {}" && cl.last("r") == "6.12");
	CHECK(cl.operands == std::vector<std::string>({ "a", "b" }));
	cl = parse({ "stap", "--priv=stapusr", "-Ifoo", "-I", "bar", "s.stp", "--", "-x" });
	CHECK(cl.ok && cl.last("privilege") == "stapusr");
	CHECK(cl.all("I") == std::vector<std::string>({ "foo", "bar" }));
	CHECK(cl.operands == std::vector<std::string>({ "s.stp", "-x" }));
	CHECK(!parse({ "stap", "--no-such-option" }).ok);
	CHECK(!parse({ "stap", "--ru" }).ok);	// ambiguous: runtime, ...? no: only runtime
	CHECK(parse({ "stap", "-" }).operands == std::vector<std::string>({ "-" }));
	CHECK(parse({ "stap", "-L", "kernel.mmio(1)" }).last("L") == "kernel.mmio(1)");
	CHECK(!parse({ "stap", "-p" }).ok);
	Option o;
	o.name = "privilege";
	o.is_long = true;
	o.has_arg = true;
	o.arg = "stapdev";
	CHECK(o.words() == std::vector<std::string>({ "--privilege=stapdev" }));
}

// kernel.mmio.pci / kernel.mmio.driver: the ranges and the begin probe's
// calls (the tapset's contract: bar -1 every memory BAR, length 0 to the
// end of the BAR, devfn = device << 3 | function, "BB:DD.F" in domain 0).
static void test_device_points()
{
	Result r = lower("probe kernel.mmio.pci(\"0000:00:03.0\").bar(0) { }\n");
	CHECK(r.ok && r.uses && r.ranges.size() == 1);
	CHECK(r.ranges[0].form == RangeForm::pci_slot && r.ranges[0].domain == 0 &&
	      r.ranges[0].bus == 0 && r.ranges[0].devfn == 0x18 && r.ranges[0].bar == 0 &&
	      r.ranges[0].offset == 0 && r.ranges[0].len == 0 && r.ranges[0].flags == 3);
	CHECK(contains(r.out, "__mmio_add_pci(0, 0x0, 0x0, 0x18, 0, 0x0, 0x0, 19);"));
	CHECK_EQ(line(r.out, 1), "probe module(\"stap_mmio\").function(\"stap_mmio_event\") "
		 "{ if (!(__mmio_probe_hit(0))) next;  }");
	r = lower("probe kernel.mmio.pci(\"1f:1f.7\") { }");
	CHECK(r.ok && r.ranges[0].domain == 0 && r.ranges[0].bus == 0x1f &&
	      r.ranges[0].devfn == 0xff && r.ranges[0].bar == -1);
	r = lower("probe kernel.mmio.pci(\"ffff:ff:00.1\").offset(0x10).length(4).write { }");
	CHECK(r.ok && contains(r.out, "__mmio_add_pci(0, 0xffff, 0xff, 0x1, -1, 0x10, 0x4, 18);"));
	r = lower("probe kernel.mmio.pci(0x1234, 0x11e8).offset(0x80) { }");
	CHECK(r.ok && r.ranges[0].form == RangeForm::pci_id && r.ranges[0].vendor == 0x1234 &&
	      r.ranges[0].device == 0x11e8);
	CHECK(contains(r.out, "__mmio_add_pci_id(0, 0x1234, 0x11e8, -1, 0x80, 0x0, 19);"));
	r = lower("probe kernel.mmio.driver(\"e1000\").map, kernel.mmio.driver(\"e1000\").unmap { }\n"
		  "probe kernel.mmio.driver(\"sdhci-pci\").bar(1).length(0x100).read { }");
	CHECK(r.ok && r.ranges.size() == 3 && r.ranges[0].form == RangeForm::driver &&
	      r.ranges[0].driver == "e1000" && r.ranges[0].flags == 4);
	CHECK(contains(r.out, "__mmio_add_driver(0, \"e1000\", -1, 0x0, 0x0, 20); "
			      "__mmio_add_driver(1, \"e1000\", -1, 0x0, 0x0, 20); "
			      "__mmio_add_driver(2, \"sdhci-pci\", 1, 0x0, 0x100, 17);"));
	CHECK(contains(line(r.out, 1), "(__mmio_probe_hit(0) && $ev->type == 3) || "
				       "(__mmio_probe_hit(1) && $ev->type == 4)"));
	// ?, !, if (cond), mixed with the address form
	r = lower("global on\nprobe kernel.mmio.driver(\"e1000\") ?, kernel.mmio(1) ? if (on) { }");
	CHECK(r.ok && r.ranges.size() == 2 && contains(line(r.out, 2), "function(\"stap_mmio_event\")? {"));
	r = lower("probe kernel.mmio.pci(\"00:03.0\")!, kernel.mmio.driver(\"x\") { }");
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].form == RangeForm::pci_slot);
	// script arguments: the glue names them, so stap sees them used
	r = lower("probe kernel.mmio.driver(@1).bar($2) { }", { "e1000", "0" });
	CHECK(r.ok && r.ranges[0].driver == "e1000" && r.ranges[0].bar == 0);
	CHECK(contains(r.out, "__mmio_add_driver(0, @1, $2, 0x0, 0x0, 19);"));
	r = lower("probe kernel.mmio.pci(@1).offset($2).length($3) { }", { "00:03.0", "16", "4" });
	CHECK(r.ok && contains(r.out, "__mmio_add_pci(0, 0x0 + 0 * strlen(@1), 0x0, 0x18, -1, $2, $3, 19);"));
	r = lower("probe kernel.mmio.pci($1, $2) { }", { "0x8086", "0x100e" });
	CHECK(r.ok && contains(r.out, "__mmio_add_pci_id(0, $1, $2, -1, 0x0, 0x0, 19);"));
	// macros and aliases
	r = lower("@define NIC %( \"0000:00:03.0\" %)\nprobe kernel.mmio.pci(@NIC).bar(0) { }");
	CHECK(r.ok && r.ranges.size() == 1 && r.ranges[0].devfn == 0x18);
	r = lower("probe nic = kernel.mmio.driver(\"e1000\").bar(0) { }\nprobe nic { println($offset) }");
	CHECK(r.ok && r.ranges.size() == 1 && contains(line(r.out, 2), "println($ev->bar_offset)"));
}

// The BAR's context variables, in every kernel.mmio probe.
static void test_bar_context_vars()
{
	Result r = lower("probe kernel.mmio(1) { println($offset, $bar, $device, $vendor, $device_id) }");
	CHECK(r.ok && contains(r.out, "println($ev->bar_offset, $ev->bar, "
				      "__mmio_pci_name($ev->pci_dev), $ev->vendor, $ev->device_id)"));
	r = lower("probe kernel.mmio.driver(\"e1000\") { x = $device$; y = $bar$ }");
	CHECK(r.ok && contains(r.out, "x = (\"\\\"\" . __mmio_pci_name($ev->pci_dev) . \"\\\"\"); "
				      "y = $ev->bar$ }"));
	r = lower("probe kernel.mmio(1) { $offset = 4 }", {}, true);
	CHECK(!r.ok && contains(r.diags, "semantic error: context variable '$offset' of kernel.mmio "
					 "probes cannot be written: identifier '$offset' at <input>:1:24"));
	r = lower("probe kernel.mmio(1) { if (@defined($device)) println($device) }");
	CHECK(r.ok && contains(r.out, "if (@defined($ev->pci_dev)) println(__mmio_pci_name($ev->pci_dev))"));
}

// One line per wrong point, at the point's first token.
static void test_device_diagnostics()
{
	const char *at = ": identifier 'kernel' at <input>:1:7\n";
	struct { const char *src, *message; } cases[] = {
		{ "kernel.mmio.pci", "kernel.mmio.pci probe point needs a device: "
		  "kernel.mmio.pci(\"DDDD:BB:DD.F\") or kernel.mmio.pci(VENDOR, DEVICE)" },
		{ "kernel.mmio.pci(\"0000:00:3.0x\")", "malformed PCI address \"0000:00:3.0x\" in "
		  "kernel.mmio.pci probe point (expected \"DDDD:BB:DD.F\" or \"BB:DD.F\", hexadecimal)" },
		{ "kernel.mmio.pci(\"03.0\")", "malformed PCI address \"03.0\"" },
		{ "kernel.mmio.pci(\"0:0:0:03.0\")", "malformed PCI address \"0:0:0:03.0\"" },
		{ "kernel.mmio.pci(\"00::03.0\")", "malformed PCI address \"00::03.0\"" },
		{ "kernel.mmio.pci(\"0000:100:03.0\")", "PCI bus 0x100 out of range in "
		  "kernel.mmio.pci probe point (0 to 0xff)" },
		{ "kernel.mmio.pci(\"00:20.0\")", "PCI device 0x20 out of range in kernel.mmio.pci "
		  "probe point (0 to 0x1f)" },
		{ "kernel.mmio.pci(\"00:03.8\")", "PCI function 0x8 out of range in kernel.mmio.pci "
		  "probe point (0 to 0x7)" },
		{ "kernel.mmio.pci(\"10000:00:03.0\")", "PCI domain 0x10000 out of range in "
		  "kernel.mmio.pci probe point (0 to 0xffff)" },
		{ "kernel.mmio.pci(0x1234)", "kernel.mmio.pci probe point takes a device address "
		  "string or a vendor and a device ID" },
		{ "kernel.mmio.pci(1, 2, 3)", "kernel.mmio.pci probe point takes a device address" },
		{ "kernel.mmio.pci(0x10000, 1)", "vendor ID of kernel.mmio.pci probe point must be "
		  "a 16-bit number (0 to 0xffff)" },
		{ "kernel.mmio.pci(1, -1)", "device ID of kernel.mmio.pci probe point must be a "
		  "16-bit number (0 to 0xffff)" },
		{ "kernel.mmio.pci(1, \"2\")", "device ID of kernel.mmio.pci probe point must be a "
		  "number, not a string" },
		{ "kernel.mmio.pci(\"00:03.0\").bar(6)", "BAR of kernel.mmio.pci probe point must "
		  "be 0 to 5" },
		{ "kernel.mmio.pci(\"00:03.0\").bar(-1)", "BAR of kernel.mmio.pci probe point must "
		  "be 0 to 5" },
		{ "kernel.mmio.pci(\"00:03.0\").bar", "BAR of kernel.mmio.pci probe point needs a "
		  "value: .bar(N)" },
		{ "kernel.mmio.pci(\"00:03.0\").offset(-4)", "offset of kernel.mmio.pci probe point "
		  "must not be negative" },
		{ "kernel.mmio.pci(\"00:03.0\").offset(\"4\")", "offset of kernel.mmio.pci probe "
		  "point must be a number, not a string" },
		{ "kernel.mmio.pci(\"00:03.0\").length(0)", "length of kernel.mmio.pci probe point "
		  "must be positive" },
		{ "kernel.mmio.pci(\"00:03.0\").offset(0xffffffffffffffff).length(2)",
		  "range of kernel.mmio.pci probe point wraps past the end of the address space" },
		{ "kernel.mmio.pci(\"00:03.0\").length(4).offset(0)", "unknown kernel.mmio.pci probe "
		  "point suffix 'offset' (expected .bar(N), .offset(OFF), .length(LEN) in this "
		  "order then one of .read .write .map .unmap)" },
		{ "kernel.mmio.driver", "kernel.mmio.driver probe point needs a driver name: "
		  "kernel.mmio.driver(\"NAME\")" },
		{ "kernel.mmio.driver(\"\")", "driver name of kernel.mmio.driver probe point must "
		  "not be empty" },
		{ "kernel.mmio.driver(1)", "driver name of kernel.mmio.driver probe point must be a "
		  "string, not a number" },
		{ "kernel.mmio.driver(\"e1000 x\")", "driver name \"e1000 x\" of kernel.mmio.driver "
		  "probe point cannot name a driver (no blanks, '/' or control characters)" },
		{ "kernel.mmio.driver(\"e1000\").bar(9)", "BAR of kernel.mmio.driver probe point "
		  "must be 0 to 5" },
		{ "kernel.mmio.driver(\"e1000\").read(1)", "'read' takes no argument in a "
		  "kernel.mmio.driver probe point" },
		{ "kernel.mmio(1).bar(0)", "unknown kernel.mmio probe point suffix 'bar' (expected "
		  ".length(LEN) then one of .read .write .map .unmap)" },
		{ "kernel.mmio(1, 2)", "kernel.mmio probe point takes one address: kernel.mmio(ADDR)" },
		{ "kernel.mmio(1).length(2, 3)", "length of kernel.mmio probe point takes one value: "
		  ".length(LEN)" },
		{ "kernel.mmio.dev(\"x\")", "kernel.mmio probe point needs an address, a device or a "
		  "driver" },
	};
	for (auto &c : cases) {
		std::string d = diag(std::string("probe ") + c.src + " { }");
		bool ok = d.compare(0, 16, "semantic error: ") == 0 &&
			  d.find(c.message) == 16 && d.find(at) != std::string::npos &&
			  d.find("semantic error", 1) == std::string::npos;
		check(ok, c.src, __FILE__, __LINE__);
		if (!ok)
			std::cerr << "  got: " << d;
	}
}

int main()
{
	test_lexer();
	test_arguments();
	test_preprocessor();
	test_detection();
	test_lowering();
	test_rendering();
	test_context_vars();
	test_aliases();
	test_diagnostics();
	test_device_points();
	test_bar_context_vars();
	test_device_diagnostics();
	test_command_line();
	std::cout << "unit_tests: " << passed << " passed, " << failed << " failed\n";
	return failed ? 1 : 0;
}
