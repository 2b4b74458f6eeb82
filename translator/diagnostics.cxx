// diagnostics.cxx - see diagnostics.h.
#include "diagnostics.h"

#include <cctype>

namespace stapmmio {

const char pass2_failed[] = "Pass 2: analysis failed.  [man error::pass2]\n";

std::string DiagnosticPrinter::token_ref(const Token &t)
{
	std::string s = describe_token(t);
	if (t.file && last_file_ == t.file && !t.file->name.empty()) {
		size_t at = s.rfind(" at " + t.file->name + ":");
		if (at != std::string::npos)
			s.erase(at + 4, t.file->name.size());
	}
	last_file_ = t.file;
	return s;
}

std::string DiagnosticPrinter::source(const Token &t)
{
	const std::string align = "        ";
	if (!t.file)
		return "";
	const std::string &text = t.file->text;
	size_t start = 0;
	for (unsigned l = 1; l < t.line && start != std::string::npos; l++) {
		start = text.find('\n', start);
		if (start != std::string::npos)
			start++;
	}
	if (start == std::string::npos || start > text.size())
		return "";
	size_t end = text.find('\n', start);
	if (end == std::string::npos)
		end = text.size();
	std::string s = align + "source: " + text.substr(start, end - start) + "\n";
	s += align + "        ";
	for (size_t i = start; i + 1 < start + t.col && i < text.size(); i++)
		s += isspace((unsigned char)text[i]) ? text[i] : ' ';
	s += "^\n";
	if (t.chain) {
		s += "\tin expansion of macro: " + token_ref(*t.chain) + "\n";
		s += source(*t.chain);
	}
	return s;
}

std::string DiagnosticPrinter::format(const Diagnostic &d)
{
	std::string s = "semantic error: " + d.message;
	if (d.tok) {
		s += ": " + token_ref(*d.tok) + "\n";
		s += source(*d.tok);
	} else {
		s += "\n";
	}
	return s + "\n";
}

std::string DiagnosticPrinter::format_all(const std::vector<Diagnostic> &ds)
{
	std::string s;
	for (const auto &d : ds)
		s += format(d);
	return s;
}

} // namespace stapmmio
