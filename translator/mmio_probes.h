// mmio_probes.h - the kernel.mmio pass: lowers every kernel.mmio probe
// point (and every alias of one) into a DWARF probe on the runtime's event
// function, guarded by a per-probe filter, keeping every user line on its
// line; rewrites the context variables; appends the session probes.
#ifndef STAP_MMIO_MMIO_PROBES_H
#define STAP_MMIO_MMIO_PROBES_H

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "mmio_point.h"
#include "script.h"

namespace stapmmio {

struct LowerOptions {
	bool guru = false;
	// the DWARF module the event function lives in, as a probe point
	// component argument: "stap_mmio" or "/abs/path/stap_mmio.ko"
	std::string module = "stap_mmio";
	std::string session_name = "stap";
};

class MmioLowering {
public:
	explicit MmioLowering(LowerOptions opts);
	~MmioLowering();

	// A tapset file (from -I): its aliases may be used by the script.
	void add_tapset(std::unique_ptr<SourceFile> file, Script script);
	// The user's script.
	void set_user(const SourceFile *file, Script script);

	// Does the user's script (or a tapset alias it uses) need the pass?
	bool uses_mmio() const { return uses_mmio_; }
	// the first kernel.mmio point (or mmio alias use) of the user's script
	TokenPtr first_mmio_token() const { return first_tok_; }

	// Run the pass.  False when there are diagnostics.
	bool lower();

	const std::vector<Diagnostic> &diagnostics() const { return diags_; }
	const std::vector<MmioRange> &ranges() const { return ranges_; }
	const std::string &user_output() const { return user_out_; }
	// lowered tapset files that changed: path -> text
	const std::map<std::string, std::string> &tapset_outputs() const
	{
		return tapset_out_;
	}

	// The kernel.mmio point's canonical text for stap -l/-L, or "" with
	// diagnostics when it is not a valid kernel.mmio point.
	std::string list_point(const ProbePoint &pp);

private:
	struct Unit;
	struct Alias;
	struct Point;
	struct ProbePoints;
	bool check_point(const ProbePoint &pp, Point &out);
	std::string filter_expression(const std::vector<Point> &pts,
				      std::string &point_cond, bool &optional);
	// does the body between tokens first and last call function fn?
	bool body_calls(const Unit &u, size_t first, size_t last,
			const char *fn) const;
	void rewrite_body(Unit &u, size_t first, size_t last);
	bool rewrite_context_variable(Unit &u, size_t i, bool written, bool in_defined);
	bool rewrite_whole_vars(Unit &u, size_t i, bool written);
	bool sort_points(const Probe &p, ProbePoints &out);
	std::string lower_direct_probe(Unit &u, const Probe &p, const std::vector<Point> &pts);
	bool lower_alias_use(Unit &u, const Probe &p, const std::vector<Point> &pts,
			     std::string &check);
	void lower_probe(Unit &u, size_t pi, bool is_user);
	void lower_unit(Unit &u, bool is_user, bool aliases);
	std::string replacement_text(const Unit &u, size_t first, size_t last);
	std::string render(const Unit &u);
	unsigned new_probe_index(const TokenPtr &at);
	void error(const std::string &m, const TokenPtr &t) { diags_.push_back({ m, t }); }
	Alias *find_alias(const ProbePoint &pp, bool &with_suffix);
	Alias *find_alias_by_wildcard(const std::string &pattern);
	bool is_mmio_point(const ProbePoint &pp);
	void mark_used(Alias *a);
	void find_mmio_aliases();
	void find_mmio_uses();
	std::string session_glue() const;

	LowerOptions opts_;
	std::vector<std::unique_ptr<Unit>> units_;	// tapsets, then the user's
	Unit *user_ = nullptr;
	std::vector<std::unique_ptr<Alias>> aliases_;
	std::vector<Diagnostic> diags_;
	std::vector<MmioRange> ranges_;
	std::string user_out_;
	std::map<std::string, std::string> tapset_out_;
	unsigned next_k_ = 0;
	bool uses_mmio_ = false;
	TokenPtr first_tok_;
	const Script *cur_script_ = nullptr;
	bool uses_found_ = false;
	bool reads_timestamp_ = false;	// some kernel.mmio body reads $timestamp
};

} // namespace stapmmio

#endif
