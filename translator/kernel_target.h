// kernel_target.h - the kernel a stap run targets (-r RELEASE or -r
// BUILDDIR, else the running one): its configuration, its symbol table and
// where the stap_mmio runtime module for it lives.
#ifndef STAP_MMIO_KERNEL_TARGET_H
#define STAP_MMIO_KERNEL_TARGET_H

#include <map>
#include <string>

namespace stapmmio {

// What a symbol table says of a symbol.
enum class SymbolPresence { present, absent, unknown };

class KernelTarget {
public:
	// @r: stap's -r argument, "" for the running kernel
	explicit KernelTarget(const std::string &r);

	const std::string &release() const { return release_; }
	const std::string &base_release() const { return base_; }
	const std::string &build_dir() const { return build_; }
	bool is_running_kernel() const;

	// CONFIG_X's value ("y", "m", "0x10", ...; "" when unset)
	std::string config(const std::string &name);
	// the file the configuration came from, "" when none was found
	const std::string &config_file();

	// Whether the kernel's symbol table has uprobe_unregister (unknown:
	// no symbol table found; the caller guesses from the version).
	SymbolPresence has_uprobe_unregister();

	// Why kernel.mmio cannot run on this kernel, "" if it can.
	std::string unsuitable();

	// /lib/modules/REL/extra
	std::string module_dir() const;

private:
	void load_config();
	std::string release_, base_, build_;
	bool config_loaded_ = false;
	std::string config_file_;
	std::map<std::string, std::string> config_;
};

} // namespace stapmmio

#endif
