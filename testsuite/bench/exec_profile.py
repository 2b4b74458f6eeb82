#!/usr/bin/env python3
"""exec_profile.py - where the guest instructions of one traced access go.

usage: exec_profile.py ACCESSES TOP NAME=LOG:KALLSYMS...

Each LOG is QEMU's exec log of one window of the guest (lab-ctl EXECLOG
on/off: one instruction per translation block, so one "Trace" line per
instruction executed), KALLSYMS the guest's /proc/kallsyms while the
window's modules were loaded.  Only the instructions from the first to the
last one executed in the exerciser's loop (ex_loop) count: the window's
other work (lab-ctl, the shell) is left out.  ACCESSES is how many device
accesses the loop made in the window.

Prints, per configuration NAME, the instructions per access by group (the
exception entry and exit, ftrace and kprobes, the runtime module, the stap
module, the rest of the kernel: kmmio and the tracer for mmiotrace), the TOP
functions, and the ratio of each configuration's total to the last one's.
Python 3, standard library only.
"""

import bisect
import collections
import re
import sys

TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")

# The kernel's exception entry and exit, by name.
ENTRY = {
    "asm_exc_page_fault", "exc_page_fault", "error_entry", "error_return",
    "restore_regs_and_return_to_kernel", "native_irq_return_iret",
    "early_xen_iret_patch", "irqentry_enter", "irqentry_exit",
    "asm_exc_debug", "exc_debug", "exc_debug_kernel", "paranoid_entry",
    "paranoid_exit", "ct_nmi_enter", "ct_nmi_exit", "asm_exc_int3",
    "exc_int3", "notify_die", "notifier_call_chain",
}


class Symbols:
    """Function symbols of a kallsyms file, by address."""

    def __init__(self, path):
        rows = []
        with open(path, encoding="latin-1") as f:
            for line in f:
                p = line.split()
                if len(p) < 3 or p[1] not in "tTwW":
                    continue
                addr = int(p[0], 16)
                if addr:
                    mod = p[3].strip("[]") if len(p) > 3 else ""
                    rows.append((addr, p[2], mod))
        rows.sort()
        self.addrs = [r[0] for r in rows]
        self.rows = rows
        self.cache = {}

    def lookup(self, pc):
        """(function, module) holding @pc; module "" for the kernel."""
        got = self.cache.get(pc)
        if got is None:
            i = bisect.bisect_right(self.addrs, pc) - 1
            got = self.rows[i][1:] if i >= 0 else ("?", "")
            self.cache[pc] = got
        return got


def group(fn, mod):
    if fn in ENTRY:
        return "fault entry/exit"
    if mod == "stap_mmio":
        return "runtime (stap_mmio)"
    if mod == "mmio_exerciser":
        return "the loop itself"
    if mod == "__builtin__ftrace" or (not mod and "kprobe" in fn):
        return "ftrace, kprobes"
    if mod:
        return "stap module " + mod
    return "kernel, other"


def profile(log, syms):
    """Per-function instruction counts over the loop's span of @log."""
    funcs = []
    with open(log, encoding="latin-1") as f:
        for line in f:
            m = TRACE.match(line)
            if m:
                funcs.append(syms.lookup(int(m.group(1), 16)))
    loop = [i for i, (fn, mod) in enumerate(funcs)
            if mod == "mmio_exerciser" and fn == "ex_loop"]
    if not loop:
        raise SystemExit("exec_profile: %s: the exerciser's loop is not in the window" % log)
    return collections.Counter(funcs[loop[0]:loop[-1] + 1])


def main(argv):
    if len(argv) < 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    accesses, top = int(argv[1]), int(argv[2])
    totals = []
    for spec in argv[3:]:
        name, paths = spec.split("=", 1)
        log, ksyms = paths.split(":", 1)
        counts = profile(log, Symbols(ksyms))
        total = sum(counts.values()) / accesses
        totals.append((name, total))
        groups = collections.Counter()
        for (fn, mod), n in counts.items():
            groups[group(fn, mod)] += n
        print("exec profile %s: %.0f guest instructions per access" % (name, total))
        for g, n in groups.most_common():
            print("  %-28s %8.1f" % (g, n / accesses))
        print("  top functions:")
        for (fn, mod), n in counts.most_common(top):
            print("    %8.1f  %s%s" % (n / accesses, fn, " [%s]" % mod if mod else ""))
    base_name, base = totals[-1]
    for name, total in totals[:-1]:
        print("exec profile ratio %s/%s: %.2f" % (name, base_name, total / base))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
