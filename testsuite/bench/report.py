#!/usr/bin/env python3
# report.py - the statistics and the report of `make bench` (run-bench
# runs it; Python 3, standard library only).
#
# Reads what guest-bench.sh printed in the main boot (--out) and, when
# there was one, in the host-time boot (--host-out), QEMU's trace of the
# main boot (--trace, for the storms' counts) and the translator's times
# (--translate); prints the report on stdout.  Exit 0 when every figure
# was measured; else prints "MISSING what..." and exits 1.
#
# Statistics: a configuration's figure in a round is the median of its K
# timed loops divided by the accesses a loop makes; the table gives the
# medians over the rounds and their spread (min, max, interquartile
# range); the headline ratios are the medians over the rounds of the
# paired ratio kernel.mmio(empty)/mmiotrace of the same round.
import argparse
import sys

LABEL = {
    "untraced": "untraced",
    "mmiotrace": "mmiotrace (kernel tracer)",
    "stap:empty": "kernel.mmio, empty handler",
    "stap:printf": "kernel.mmio, printf -> staprun -o",
    "stap:agg": "kernel.mmio, @count/@hist",
    "stap:ranges16": "kernel.mmio, empty, 16 ranges",
    "stap:ranges256": "kernel.mmio, empty, 256 ranges",
}
ORDER = ["untraced", "mmiotrace", "stap:empty", "stap:printf", "stap:agg",
         "stap:ranges16", "stap:ranges256"]
HOST_ORDER = ["untraced", "mmiotrace", "stap:empty"]
PF_ORDER = ["untraced", "mmiotrace", "stap:empty"]
PF_LABEL = {
    "untraced": "untraced (nothing armed)",
    "mmiotrace": "mmiotrace tracer on (stap_mmio unloaded)",
    "stap:empty": "kernel.mmio session armed on the edu BAR",
}


def quantile(xs, q):
    """Quantile q (0..1) of xs, interpolated between neighbours."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return 0.0
    x = (n - 1) * q
    i = int(x)
    return float(s[-1]) if i >= n - 1 else s[i] + (x - i) * (s[i + 1] - s[i])


def median(xs):
    return quantile(xs, 0.5)


def pct(lost, made):
    return 100.0 * lost / made if made else 0.0


def num(s):
    """A field of a record: an int, or None for "-" or a missing field."""
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


class Run:
    """The records of one guest boot (guest-bench.sh's output)."""

    def __init__(self, path):
        self.per = {}           # config -> [ns/access per round]
        self.at = {}            # (config, round) -> ns/access
        self.ev = {}
        self.acc = {}
        self.hd = {}
        self.hacc = {}
        self.prof = {}          # config -> fields
        self.profiled = []
        self.prof_absent = ""
        self.storm = {}         # who -> (made, got, note)
        self.burst = {}         # (who, size) -> (made, got, delivered, note)
        self.bufkb = ""
        self.kprobe = ""
        self.pf = {}            # config -> [ns/fault per round]
        self.pf_at = {}         # (config, round) -> ns/fault
        self.pf_faults = {}     # config -> [faults, touches]
        self.pf_kmmio = {}      # config -> set of kmmio_count values seen
        self.forms = {}         # (path, mnemonic) -> count, summed
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    self.parse(line.rstrip("\n"))
                except (ValueError, IndexError, ZeroDivisionError):
                    pass        # chatter, or a record cut short

    def parse(self, line):
        f = line.split()
        if not f:
            return
        if f[0] == "result" and len(f) >= 7:
            c, r, n = f[1], f[2], int(f[3])
            ns = [int(t) for t in f[6].split(",") if t]
            x = median(ns) / n
            self.per.setdefault(c, []).append(x)
            self.at[c, r] = x
            if f[4] != "-":
                self.ev[c] = self.ev.get(c, 0) + int(f[4])
                self.acc[c] = self.acc.get(c, 0) + n * len(ns)
            if f[5] != "-":
                self.hd[c] = self.hd.get(c, 0) + int(f[5])
                self.hacc[c] = self.hacc.get(c, 0) + n * len(ns)
        elif f[0] == "profile":
            self.prof[f[1]] = f
            self.profiled.append(f[1])
        elif f[0] == "profile-absent":
            self.prof_absent = " ".join(f[1:])
        elif f[0] == "storm":
            self.storm[f[1]] = (int(f[2]), int(f[3]), f[4] if len(f) > 4 else "")
        elif f[0] == "burst":
            self.burst[f[1], f[2]] = (int(f[3]), int(f[4]), f[5],
                                      f[6] if len(f) > 6 else "")
        elif f[0] == "buffer_size_kb":
            self.bufkb = f[1]
        elif f[0] == "kprobe":
            self.kprobe = " ".join(f[1:])
        elif f[0] == "pagefault" and len(f) >= 6:
            c, r, pages = f[1], f[2], int(f[3])
            ns = [int(t) for t in f[5].split(",") if t]
            x = median(ns) / pages
            self.pf.setdefault(c, []).append(x)
            self.pf_at[c, r] = x
            t = self.pf_faults.setdefault(c, [0, 0])
            t[0] += int(f[4])
            t[1] += pages * len(ns)
            if len(f) > 6:
                self.pf_kmmio.setdefault(c, set()).add(f[6])
        elif f[0] == "forms" and len(f) >= 4:
            k = (f[1], " ".join(f[2:-1]))
            self.forms[k] = self.forms.get(k, 0) + int(f[-1])

    def pair(self, c, base="mmiotrace"):
        """The per-round paired ratios c/base."""
        rs = sorted({r for (k, r) in self.at if k == c}, key=int)
        return [self.at[c, r] / self.at[base, r] for r in rs
                if (base, r) in self.at]

    def missing(self, order, rounds):
        return [c for c in order if len(self.per.get(c, [])) < rounds]


def config_table(run, order, rounds, out):
    """The per-configuration table (ns per access, spread, ratios)."""
    u = median(run.per["untraced"])
    out("%-34s %9s %9s %9s %8s %11s %7s %10s  %s" % (
        "configuration", "ns/access", "min", "max", "IQR", "overhead ns",
        "x untr.", "/mmiotrace", "events; handled"))
    for c in order:
        p = run.per[c]
        med = median(p)
        if c.startswith("stap:"):
            evs = "%d/%d" % (run.ev.get(c, 0), run.acc.get(c, 0))
            if run.ev.get(c, 0) != run.acc.get(c, 0):
                evs += " MISSED"
        else:
            evs = "-"
        if run.hacc.get(c):
            evs += "; %d/%d%s" % (run.hd[c], run.hacc[c],
                                  " MISSED" if run.hd[c] != run.hacc[c] else "")
        out("%-34s %9.0f %9.0f %9.0f %8.0f %11.0f %7.1f %10.2f  %s" % (
            LABEL[c], med, min(p), max(p),
            quantile(p, 0.75) - quantile(p, 0.25), med - u, med / u,
            median(run.pair(c)), evs))
    out("(ns/access: median over the %d rounds; min, max, IQR (interquartile range): their spread;" % rounds)
    out(" overhead = median - untraced median; /mmiotrace: the median over the rounds of the paired ratio")
    out(" configuration/mmiotrace within a round; events = delivered by the runtime / accesses made,")
    out(" handled = seen by the script (printf lines, @count sum) / accesses made, all rounds;")
    out(" mmiotrace runs with the stap_mmio runtime unloaded: its ftrace hook on kmmio_handler() would run on")
    out(" mmiotrace's faults too)")


def profile_table(run, a, u, out):
    """Where the time goes, per access, from the runtime's profile sums."""
    if not run.profiled:
        out("where the time goes: skipped (%s)" % (run.prof_absent or "no profile run"))
        out("")
        return
    pc = run.profiled
    out("where the time goes (ns per access; stap_mmio profile=1, one run of %d x loop %d per configuration" % (a.subloops, a.loops))
    out("after the timed rounds; the profile's own clock reads are in the measured figure)")
    out("%-56s" % "" + "".join(" %12s" % c[5:] for c in pc))
    cols = []
    for c in pc:
        f = run.prof[c] + [None] * 14
        acc, ns, pa = int(f[2]), int(f[3]), int(f[4])
        d = pa or 1
        pre, step, post, cons = (int(x) / d for x in f[5:9])
        emu = num(f[9])
        n_emu, n_step, n_kmmio = num(f[10]), num(f[11]), num(f[12])
        # The consumer sum covers every path: split it between the
        # emulated and the stepped accesses by their counts (exact when
        # only one path ran, as in the edu loop).
        handled = (n_emu or 0) + (n_step or 0) + (n_kmmio or 0)
        if emu is None:
            share = 0.0
        elif handled:
            share = (n_emu or 0) / handled
        else:
            share = 1.0 if emu and not (pre or step or post) else 0.0
        emu = (emu or 0) / d
        cons_emu = cons * share
        cons_step = cons - cons_emu
        meas = ns / acc
        cols.append({
            "meas": meas, "untr": u, "emu": emu, "cons_emu": cons_emu,
            "rt_emu": emu - cons_emu, "pre": pre, "step": step,
            "post": post, "cons_step": cons_step,
            "rt_step": post - cons_step,
            "other": meas - u - emu - pre - step - post,
            "paths": "%s/%s/%s" % tuple("-" if x is None else str(x)
                                        for x in (n_emu, n_step, n_kmmio)),
            "count": "%d/%d" % (pa, acc),
            "has_emu": f[9] not in (None, "-"),
        })

    def row(name, key, fmt=" %12.0f"):
        out("%-56s" % name + "".join(fmt % col[key] for col in cols))

    row("measured ns/access (profiling on)", "meas")
    row("  the access itself (untraced median)", "untr")
    if all(col["has_emu"] for col in cols):
        row("  emulated in the fault: hook to return (emulate_ns)", "emu")
        row("    of which stap (kprobe + the script's handler)", "cons_emu")
        row("    of which the runtime (decode, emulate, deliver)", "rt_emu")
    else:
        out("  (this runtime has no profile_emulate_ns: no emulated path)")
    row("  stepped: our fault handler before the step (pre)", "pre")
    row("  stepped: return, single step, #DB trap (step)", "step")
    row("  stepped: our debug-trap handler, in full (post)", "post")
    row("    of which stap (kprobe + the script's handler)", "cons_step")
    row("    of which the runtime (values, match, deliver)", "rt_step")
    row("  other: fault entry/exit, kmmio_handler and the", "other")
    out("    kprobe on it, span lookup, the tasks the loop yields to")
    row("accesses emulated / stepped (2nd mapping) / kmmio step", "paths", " %12s")
    row("profiled accesses / accesses made", "count", " %12s")
    out("(0: a part the access did not take; the stepped rows are 0 for emulated accesses.")
    out(" stap's share is split between the paths by their access counts)")
    out("")


def pf_block(run, a, clock, out):
    """The page-fault loop: what an armed tracer adds to other faults."""
    u = median(run.pf["untraced"])
    out("page faults elsewhere (%s): %d runs x %d fresh anonymous pages, one minor fault each, per round," % (clock, a.subloops, a.pf_pages))
    out("right after the configuration's timed loops with its tracer still armed (nothing touches the device)")
    out("%-42s %9s %9s %9s %9s %9s  %s" % ("while", "ns/fault", "min", "max",
                                          "added ns", "x untr.", "faults/pages; kmmio_count"))
    for c in PF_ORDER:
        p = run.pf[c]
        med = median(p)
        ft = run.pf_faults.get(c, [0, 0])
        km = ",".join(sorted(run.pf_kmmio.get(c, {"?"})))
        out("%-42s %9.0f %9.0f %9.0f %9.0f %9.2f  %d/%d; %s" % (
            PF_LABEL[c], med, min(p), max(p), med - u, med / u, ft[0], ft[1], km))
    out("(ns/fault: median over the rounds of each round's median run / pages; added = median - untraced median;")
    out(" kmmio_count not 0: the page-fault handler calls kmmio_handler() for every fault, and with")
    out(" stap_mmio loaded our ftrace hook on it runs too; \"-\": stap_mmio unloaded, kmmio_count unread)")


def pf_line(run, suffix=""):
    u = median(run.pf["untraced"])
    s = median(run.pf["stap:empty"])
    m = median(run.pf["mmiotrace"])
    return "page fault cost%s: untraced %.0f ns, kernel.mmio armed %.0f ns (%+.0f), mmiotrace armed %.0f ns (%+.0f)" % (
        suffix, u, s, s - u, m, m - u)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--translate", required=True)
    ap.add_argument("--loops", type=int, required=True)
    ap.add_argument("--subloops", type=int, required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--icount", default="off")
    ap.add_argument("--storm", type=int, default=0)
    ap.add_argument("--bursts", default="0")
    ap.add_argument("--pf-pages", type=int, default=0)
    ap.add_argument("--main-secs", type=int, default=0)
    ap.add_argument("--host-out")
    ap.add_argument("--host-rounds", type=int, default=0)
    ap.add_argument("--host-loops", type=int, default=0)
    ap.add_argument("--host-secs", type=int, default=0)
    ap.add_argument("--load", action="append", default=[])
    ap.add_argument("--nproc", type=int, default=0)
    ap.add_argument("--secs", type=int, default=0)
    a = ap.parse_args()
    icount = None if a.icount == "off" else int(a.icount)
    lines = []
    out = lines.append

    run = Run(a.out)
    host = Run(a.host_out) if a.host_out else None
    bsize = [b for b in a.bursts.split(",") if b]
    missing = run.missing(ORDER, a.rounds)
    for b in bsize:
        if int(b) > 0 and (("ours", b) not in run.burst or ("mmiotrace", b) not in run.burst):
            missing.append("burst-" + b)
    if a.storm > 0 and ("ours" not in run.storm or "mmiotrace" not in run.storm):
        missing.append("storm")
    if a.pf_pages > 0:
        missing += ["pagefault-" + c for c in PF_ORDER
                    if len(run.pf.get(c, [])) < a.rounds]
    if host:
        missing += ["host-time-" + c for c in host.missing(HOST_ORDER, a.host_rounds)]
        if a.pf_pages > 0:
            missing += ["host-time-pagefault-" + c for c in PF_ORDER
                        if len(host.pf.get(c, [])) < a.host_rounds]
    if missing:
        print("MISSING " + " ".join(missing))
        return 1

    u = median(run.per["untraced"])
    m = median(run.per["mmiotrace"])
    loads = a.load + [""] * 4
    out("stap-mmio bench: %d rounds x %d configurations in one guest boot (QEMU TCG, -smp 1, edu)" % (a.rounds, len(ORDER)))
    out("every round runs every configuration once, in a shuffled order; a configuration's figure in a round is")
    out("the median of %d back-to-back exerciser `loop %d` (%d accesses each: writel+readl of edu 0x04), timed in the guest" % (a.subloops, a.loops, 2 * a.loops))
    out("host: %d cores, load average %s at start, %s after compiles, %s after the main boot, %s at end" % (a.nproc, loads[0], loads[1], loads[2], loads[3]))
    if icount is not None:
        out("guest time: QEMU -icount shift=%d, %d ns per guest instruction (deterministic; host load does not reach it)" % (icount, 2 ** icount))
    else:
        out("guest time: the host's (TCG without -icount: host load reaches every figure)")
    out("")
    config_table(run, ORDER, a.rounds, out)
    if run.kprobe:
        out("stap's probe on the event function: %s" % run.kprobe)
    forms = [(p, mn, n) for ((p, mn), n) in run.forms.items()]
    if forms:
        out("accesses by path, this boot (debugfs forms): " +
            ", ".join("%s %s: %d" % x for x in forms))
    out("")

    profile_table(run, a, u, out)

    if a.pf_pages > 0:
        pf_block(run, a, "guest time" if icount is not None else "host time", out)
        out("")

    # the storms: QEMU counts edu 0x04 accesses between the markers
    qemu = {}
    try:
        w = ""
        with open(a.trace, errors="replace") as f:
            for line in f:
                if line.startswith("# mark "):
                    w = line[7:].rstrip("\n")
                elif w and line[:1] in "RW" and line[1:].startswith(" edu-mmio 0x4 4 "):
                    qemu[w] = qemu.get(w, 0) + 1
    except OSError:
        pass
    if a.storm > 0:
        out("storm, sustained: `loop %d` (%d accesses, yielding every 1024 pairs) with a printf per access," % (a.storm, 2 * a.storm))
        out("output drained while it runs")
        out("%-44s %9s %9s %9s %9s  %s" % ("tracer", "made", "QEMU saw", "reported", "lost", "notes"))
        made, got, note = run.storm["ours"]
        out("%-44s %9d %9d %9d %8.2f%%  %s" % ("kernel.mmio printf, staprun -o (default bufs)", made, qemu.get("storm-ours", 0), got, pct(made - got, made), note))
        made, got, note = run.storm["mmiotrace"]
        out("%-44s %9d %9d %9d %8.2f%%  %s" % ("mmiotrace, cat trace_pipe (buffer %s KB)" % run.bufkb, made, qemu.get("storm-mmiotrace", 0), got, pct(made - got, made), note))
        out("")
    if bsize and int(bsize[0]) > 0:
        out("storm, bursts: `burst N` (N writel+readl pairs that never yield the CPU) with a printf per access;")
        out("the consumer (stapio for staprun -o, default buffers; `cat trace_pipe` for mmiotrace, buffer %s KB)" % run.bufkb)
        out("drains only after the burst.  lost = made - reported")
        out("%7s %-10s %8s %9s %9s %9s %8s  %s" % ("burst", "tracer", "made", "QEMU saw", "reported", "lost", "lost%", "notes"))
        lostat = {}
        for b in bsize:
            for s in ("ours", "mmiotrace"):
                made, got, delivered, bnote = run.burst[s, b]
                lost = made - got
                q = qemu.get("burst-%s-%s" % (s, b), 0)
                note = "delivered:%s,%s" % (delivered, bnote) if s == "ours" else bnote
                if q != made:
                    note += ",QEMU-COUNT-DIFFERS"
                out("%7d %-10s %8d %9d %9d %9d %7.2f%%  %s" % (int(b), "kernel.mmio" if s == "ours" else "mmiotrace", made, q, got, lost, pct(lost, made), note))
                lostat[s, b] = lost
        clean_m = 0
        first_m_loss = 0
        for b in bsize:
            if lostat["mmiotrace", b] == 0 and not first_m_loss:
                clean_m = int(b)
            elif not first_m_loss:
                first_m_loss = int(b)
        if clean_m == 0:
            out("mmiotrace lost events at every burst size")
        else:
            upto = sum(lostat["ours", b] for b in bsize if int(b) <= clean_m)
            out("largest burst where mmiotrace lost none: %d pairs (%d accesses); kernel.mmio %s" % (clean_m, 2 * clean_m, "LOST %d events at sizes up to it" % upto if upto else "lost none up to it"))
        out("all burst sizes: kernel.mmio lost %d events, mmiotrace lost %d" % (sum(lostat["ours", b] for b in bsize), sum(lostat["mmiotrace", b] for b in bsize)))
        out("")

    t = {"pass": [], "p3": {}, "p4": {}}
    try:
        with open(a.translate) as f:
            for line in f:
                g = line.split()
                if len(g) >= 2 and g[0] == "pass":
                    t["pass"].append(int(g[1]))
                elif len(g) >= 3 and g[0] in ("p3", "p4"):
                    t[g[0]].setdefault(g[1], []).append(int(g[2]))
    except OSError:
        pass

    def ms(xs):
        return "".join(" %d" % x for x in xs)
    p3, p4 = t["p3"], t["p4"]
    out("translate (host, lab chroot): kernel.mmio pass alone %d ms (median of 5: front end with STAP_MMIO_REAL_STAP=/bin/true)" % median(t["pass"]))
    out("  stap -p3: plain script %.1f s, with a kernel.mmio probe %.1f s: +%.1f s (medians of 5; ms:%s /%s)" % (median(p3.get("plain", [])) / 1000, median(p3.get("mmio", [])) / 1000, (median(p3.get("mmio", [])) - median(p3.get("plain", []))) / 1000, ms(p3.get("plain", [])), ms(p3.get("mmio", []))))
    if p4.get("plain"):
        out("  stap -p4 --disable-cache: plain %.1f s, kernel.mmio %.1f s: +%.1f s (medians; ms:%s /%s)" % (median(p4["plain"]) / 1000, median(p4.get("mmio", [])) / 1000, (median(p4.get("mmio", [])) - median(p4["plain"])) / 1000, ms(p4["plain"]), ms(p4.get("mmio", []))))
    else:
        out("  stap -p4 --disable-cache: not timed (--p4-reps 0)")
    out("")

    if host:
        out("host time: a second boot without -icount: %d rounds (not %d) x %d configurations x %d x loop %d, no storms," % (a.host_rounds, a.rounds, len(HOST_ORDER), a.subloops, a.host_loops))
        out("no profile, to keep the run short; guest time is the host's, TCG's emulation included.  This 2-core host")
        out("is shared with other QEMU guests: host load reaches these figures (the -icount ones above it cannot)")
        config_table(host, HOST_ORDER, a.host_rounds, out)
        if a.pf_pages > 0:
            pf_block(host, a, "host time", out)
        out("")

    out("bench wall time %d s (main boot %d s%s)" % (a.secs, a.main_secs, ", host-time boot %d s" % a.host_secs if host else ""))
    out("")
    e = "stap:empty"
    pr = run.pair(e)
    out("kernel.mmio(empty)/mmiotrace: ratio of medians %.2f, ratio of minimums %.2f; per-round paired ratios %.2f..%.2f" % (median(run.per[e]) / m, min(run.per[e]) / min(run.per["mmiotrace"]), min(pr), max(pr)))
    if host:
        hp = host.pair(e)
        out("host time: ratio of medians %.2f, ratio of minimums %.2f; per-round paired ratios %.2f..%.2f" % (median(host.per[e]) / median(host.per["mmiotrace"]), min(host.per[e]) / min(host.per["mmiotrace"]), min(hp), max(hp)))
    out("(the headlines below are the medians of the per-round paired ratios)")
    if a.pf_pages > 0:
        out(pf_line(run, "" if icount is not None else ", host time"))
        if host:
            out(pf_line(host, ", host time"))
    if icount is not None:
        out("ratio kernel.mmio(empty)/mmiotrace: %.2f" % median(pr))
        if host:
            out("ratio kernel.mmio(empty)/mmiotrace, host time: %.2f" % median(hp))
    else:
        out("ratio kernel.mmio(empty)/mmiotrace, host time: %.2f" % median(pr))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
