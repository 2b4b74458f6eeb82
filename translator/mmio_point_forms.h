// mmio_point_forms.h - what the kernel.mmio point forms share, for the
// files that check them (mmio_*_point.cxx); not used elsewhere.
#ifndef STAP_MMIO_MMIO_POINT_FORMS_H
#define STAP_MMIO_MMIO_POINT_FORMS_H

#include "mmio_point.h"

namespace stapmmio {

// One point being checked.
struct PointCheck {
	const ProbePoint &pp;
	const Script *script;
	std::vector<Diagnostic> &diags;
	const char *family;	// "kernel.mmio", "kernel.mmio.pci", ...
	// records an error at the point's first token; returns false
	bool error(const std::string &message);
};

// "0x1f"
std::string hex(uint64_t v);

// "$3" / "@3" when the literal is exactly a script argument reference
// (one argument pasted as one token), else "".
std::string argument_reference(const Literal &l, const Script *script);

// The literal as glue text: its argument reference, else @text.
std::string glue_value(const Literal &l, const Script *script, const std::string &text);

// Check a numeric argument: present, one, a number, not negative.  @what
// names it in messages ("length", "offset", ...), @syntax shows the form.
bool check_number_argument(PointCheck &c, const Component &comp, const char *what,
			   const char *syntax);

// The suffixes from comps[@first] on.  @bar_form: .bar(N) .offset(OFF)
// .length(LEN) (a BAR form), else .length(LEN) only; then one of .read
// .write .map .unmap.  Fills @out's length, BAR, offset, flags and kind.
bool check_suffixes(PointCheck &c, size_t first, bool bar_form, MmioPoint &out);

// ".bar(0).offset(0x10).length(4).read" for the suffixes from comps[@first].
std::string suffixes_text(const ProbePoint &pp, size_t first, const MmioPoint &pt);

// The forms.  @pp.comps[0..1] are "kernel" "mmio"; each checks the rest.
bool check_address_point(PointCheck &c, MmioPoint &out);
bool check_pci_point(PointCheck &c, MmioPoint &out);
bool check_driver_point(PointCheck &c, MmioPoint &out);

// The canonical text of the forms' own components (before the suffixes).
std::string pci_point_text(const ProbePoint &pp, const MmioRange &r);
std::string driver_point_text(const MmioRange &r);

} // namespace stapmmio

#endif
