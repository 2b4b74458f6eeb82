// fuzz_lowering.cxx - libFuzzer target for the kernel.mmio pass.
//
// Input: a script, optionally followed by NUL-separated script arguments
// ($1, $2, ...).  For every input the pass must not crash or misbehave
// (ASan/UBSan), and when it lowers a script:
//  - every line of the user's script keeps its number (the output has the
//    input's lines followed by the session glue, one probe per line),
//  - the output lexes and parses again, and has no kernel.mmio point left,
//  - every range is non-empty and does not wrap past 2^64.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../diagnostics.h"
#include "../mmio_probes.h"
#include "../script.h"

using namespace stapmmio;

static size_t count_nl(const std::string &s)
{
	size_t n = 0;
	for (char c : s)
		n += c == '\n';
	return n;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string in(reinterpret_cast<const char *>(data), size);
	std::vector<std::string> parts;
	size_t start = 0;
	for (;;) {
		size_t z = in.find('\0', start);
		parts.push_back(in.substr(start, z - start));
		if (z == std::string::npos || parts.size() == 5)
			break;
		start = z + 1;
	}
	SourceFile file{ "<input>", parts[0] };
	std::vector<std::string> args(parts.begin() + 1, parts.end());

	PpEnvironment env;
	env.kernel_vr = "6.12.57+deb13-amd64";
	env.kernel_v = "6.12.57";
	env.systemtap_v = [] { return std::string("5.1"); };
	env.config = [](const std::string &k) {
		return k == "CONFIG_MMIOTRACE" ? std::string("y") : std::string("");
	};

	LowerOptions lo;
	lo.session_name = "fuzz";
	MmioLowering lowering(lo);
	int groups = 0;
	try {
		lowering.set_user(&file, parse_script(file, args, env, groups));
	} catch (const ParseError &) {
		return 0;
	}
	bool ok = lowering.lower();
	DiagnosticPrinter printer;
	std::string diags = printer.format_all(lowering.diagnostics());
	if (!ok && diags.empty())
		abort();	// a failure must say why
	if (!ok || !lowering.uses_mmio())
		return 0;

	// The user's lines keep their numbers: the output is the input's
	// lines followed by the session glue, one probe per line.
	const std::string &out = lowering.user_output();
	size_t user = count_nl(file.text) + (file.text.empty() || file.text.back() == '\n' ? 0 : 1);
	if (count_nl(out) < user + 2)
		abort();
	size_t at = 0;
	for (size_t i = 0; i < user; i++)
		at = out.find('\n', at) + 1;
	while (at < out.size()) {
		if (out.compare(at, 6, "probe ") != 0)
			abort();
		size_t nl = out.find('\n', at);
		at = nl == std::string::npos ? out.size() : nl + 1;
	}
	for (const MmioRange &r : lowering.ranges())
		if (r.probe >= 256 ||
		    (r.form == RangeForm::address && (r.len == 0 || r.len - 1 > UINT64_MAX - r.addr)) ||
		    (r.form != RangeForm::address && r.len && r.len - 1 > UINT64_MAX - r.offset) ||
		    (r.form != RangeForm::address && (r.bar < -1 || r.bar > 5)))
			abort();

	SourceFile again{ "<lowered>", out };
	MmioLowering second(lo);
	try {
		int g2 = 0;
		second.set_user(&again, parse_script(again, args, env, g2));
	} catch (const ParseError &) {
		abort();	// the lowering produced something stap cannot parse
	}
	if (second.uses_mmio())
		abort();	// a kernel.mmio point survived
	return 0;
}
