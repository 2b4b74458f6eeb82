// kernel_target.cxx - see kernel_target.h.
#include "kernel_target.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

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

int KernelTarget::has_uprobe_unregister()
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
				return 1;
		}
		// /proc/kallsyms shows zeros to the unprivileged: no answer
		if (any)
			return 0;
	}
	return -1;
}

namespace {

// The hello of the stapsh listening on the unix socket @path: its reply
// line, or "" with @err set.
std::string stapsh_hello(const std::string &path, const std::string &version,
			 int timeout_ms, std::string &err)
{
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(sa.sun_path)) {
		err = "bad socket path";
		return "";
	}
	memcpy(sa.sun_path, path.c_str(), path.size() + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (sockaddr *)&sa, sizeof(sa)) < 0) {
		err = std::string("cannot connect: ") + strerror(errno);
		if (fd >= 0)
			close(fd);
		return "";
	}
	std::string hello = "stap " + version + "\n", buf;
	if (write(fd, hello.data(), hello.size()) != (ssize_t)hello.size()) {
		err = std::string("cannot send: ") + strerror(errno);
		close(fd);
		return "";
	}
	// stapsh's debug lines start with "stapsh:"; the reply with "stapsh ".
	for (;;) {
		size_t nl;
		while ((nl = buf.find('\n')) != std::string::npos) {
			std::string line = buf.substr(0, nl);
			buf.erase(0, nl + 1);
			if (line.compare(0, 7, "stapsh ") == 0) {
				close(fd);
				return line;
			}
		}
		pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? "no answer from its stapsh" : strerror(errno);
			break;
		}
		char b[512];
		ssize_t r = read(fd, b, sizeof b);
		if (r <= 0) {
			err = "the connection closed before its stapsh answered";
			break;
		}
		buf.append(b, r);
	}
	close(fd);
	return "";
}

} // namespace

RemoteTarget ask_remote(const std::string &uri, const std::string &stap_version,
			int timeout_ms)
{
	RemoteTarget t;
	t.uri = uri;
	size_t colon = uri.find(':');
	std::string scheme = colon == std::string::npos ? "" : uri.substr(0, colon);
	std::string rest = colon == std::string::npos ? "" : uri.substr(colon + 1);
	if (scheme == "direct" || scheme == "stapsh") {
		struct utsname u;
		if (uname(&u) == 0) {
			t.machine = u.machine;
			t.release = u.release;
			t.known = true;
		}
		return t;
	}
	// stap: "host:port" with a numeric port is ssh, as is a bare host
	if (scheme != "unix" || rest.compare(0, 2, "//") == 0)
		return t;
	std::string line = stapsh_hello(rest, stap_version.empty() ? "5.0" : stap_version,
					timeout_ms, t.error);
	if (line.empty())
		return t;
	std::istringstream in(line);
	std::string word, version;
	in >> word >> version >> t.machine >> t.release;
	t.known = !t.release.empty();
	if (!t.known)
		t.error = "unexpected answer from its stapsh: " + line;
	return t;
}

} // namespace stapmmio
