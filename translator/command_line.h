// command_line.h - stap's command line, read the way stap reads it (GNU
// getopt_long rules: clustered short options, option arguments attached or
// separate, long option abbreviations, operands anywhere, "--"), so the
// front end knows the script, its arguments and the options that matter
// to the pass, and can hand everything else on unchanged.
#ifndef STAP_MMIO_COMMAND_LINE_H
#define STAP_MMIO_COMMAND_LINE_H

#include <string>
#include <vector>

namespace stapmmio {

struct Option {
	std::string name;	// "p" for -p, "privilege" for --privilege
	bool is_long = false;
	bool has_arg = false;
	std::string arg;
	// canonical spelling: {"-p", "2"} or {"--privilege=stapusr"}
	std::vector<std::string> words() const;
};

struct CommandLine {
	std::vector<Option> options;		// in order
	std::vector<std::string> operands;	// script file (unless -e) and args
	bool ok = false;	// false: something getopt would reject

	bool has(const std::string &name) const;
	std::string last(const std::string &name) const;	// "" if absent
	std::vector<std::string> all(const std::string &name) const;
};

CommandLine parse_command_line(int argc, char **argv);

} // namespace stapmmio

#endif
