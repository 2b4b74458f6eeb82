// listing.h - kernel.mmio probe points for stap's listing options:
// --dump-probe-types, and -l / -L with patterns ("kernel.mmio.*",
// "kernel.mmio(0xfea00000).length(4).*", "kernel.mmio.pci(\"00:03.0\").*"),
// matched the way stap matches its own probe points against a pattern.
#ifndef STAP_MMIO_LISTING_H
#define STAP_MMIO_LISTING_H

#include <string>
#include <vector>

#include "script.h"

namespace stapmmio {

// The kernel.mmio forms, as stap --dump-probe-types prints its own
// ("kernel.mmio(number).length(number).read"), sorted.
std::vector<std::string> mmio_probe_types();

// Could @pat match a kernel.mmio point at all?  (Its first components
// match "kernel" and "mmio", literally or through wildcards.)
bool pattern_may_match_mmio(const ProbePoint &pat);

// Does @pat start with a literal "kernel.mmio"?  Then only this project
// can answer it (the real stap knows no kernel.mmio).
bool pattern_is_mmio_only(const ProbePoint &pat);

// The kernel.mmio points @pat matches, sorted, canonical: concrete points
// as MmioLowering::list_point() prints them, forms with "(number)",
// "(string)" or "(number,number)" where the pattern gave no argument.
// Invalid concrete points (length 0, a malformed PCI address, ...) are
// left out.
std::vector<std::string> list_mmio_points(const ProbePoint &pat, const PpEnvironment &env);

} // namespace stapmmio

#endif
