// kernel_target.cxx - see kernel_target.h.
#include "kernel_target.h"

#include <cstring>
#include <fstream>
#include <sys/utsname.h>

namespace stapmmio {

namespace {

std::string running_release()
{
	struct utsname u;
	return uname(&u) == 0 ? u.release : "";
}

std::string first_line(const std::string &path)
{
	std::ifstream f(path);
	std::string s;
	std::getline(f, s);
	return s;
}

} // namespace

KernelTarget::KernelTarget(const std::string &r)
{
	if (!r.empty() && r[0] == '/') {
		build_ = r;
		release_ = first_line(r + "/include/config/kernel.release");
	} else {
		release_ = r.empty() ? running_release() : r;
		build_ = "/lib/modules/" + release_ + "/build";
	}
	base_ = release_.substr(0, release_.find('-'));
}

bool KernelTarget::is_running_kernel() const
{
	return release_ == running_release();
}

std::string KernelTarget::module_dir() const
{
	return "/lib/modules/" + release_ + "/extra";
}

void KernelTarget::load_config()
{
	if (config_loaded_)
		return;
	config_loaded_ = true;
	const std::string candidates[] = {
		build_ + "/.config",
		build_ + "/include/config/auto.conf",
		"/boot/config-" + release_,
	};
	for (const auto &path : candidates) {
		std::ifstream f(path);
		if (!f)
			continue;
		config_file_ = path;
		std::string line;
		while (std::getline(f, line)) {
			if (line.compare(0, 7, "CONFIG_") != 0)
				continue;
			size_t eq = line.find('=');
			if (eq == std::string::npos)
				continue;
			std::string v = line.substr(eq + 1);
			if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
				v = v.substr(1, v.size() - 2);
			config_[line.substr(0, eq)] = v;
		}
		return;
	}
}

std::string KernelTarget::config(const std::string &name)
{
	load_config();
	auto it = config_.find(name);
	return it == config_.end() ? "" : it->second;
}

const std::string &KernelTarget::config_file()
{
	load_config();
	return config_file_;
}

std::string KernelTarget::unsuitable()
{
	if (config_file().empty())
		return "cannot check the target kernel " + release_ + ": no configuration in " +
		       build_ + "/.config nor /boot/config-" + release_;
	if (config("CONFIG_X86_64") != "y")
		return "kernel.mmio needs an x86-64 kernel; " + config_file() +
		       " has no CONFIG_X86_64=y";
	if (config("CONFIG_MMIOTRACE") != "y")
		return "kernel.mmio needs a kernel built with CONFIG_MMIOTRACE=y; " +
		       config_file() + " does not set it";
	return "";
}

SymbolPresence KernelTarget::has_uprobe_unregister()
{
	std::string maps[] = {
		"/boot/System.map-" + release_,
		"/usr/lib/debug/boot/System.map-" + release_,
		build_ + "/System.map",
		is_running_kernel() ? "/proc/kallsyms" : "",
	};
	for (const auto &path : maps) {
		if (path.empty())
			continue;
		std::ifstream f(path);
		if (!f)
			continue;
		std::string line;
		bool any = false;
		while (std::getline(f, line)) {
			// "ffffffff81234560 T uprobe_unregister"
			size_t sp = line.rfind(' ');
			if (sp == std::string::npos)
				continue;
			if (line.compare(0, 16, "0000000000000000") != 0)
				any = true;
			if (line.compare(sp + 1, std::string::npos, "uprobe_unregister") == 0)
				return SymbolPresence::present;
		}
		// /proc/kallsyms shows zeros to the unprivileged: no answer
		if (any)
			return SymbolPresence::absent;
	}
	return SymbolPresence::unknown;
}

} // namespace stapmmio
