#!/usr/bin/env python3
"""testsuite/style/check_style.py: the project's style rules (make check-style).

usage: check_style.py [--base COMMIT] [--checkpatch PATH] [--rules R,R...] SRCDIR

Rules, each printed as one line "RULE: ..." on stdout (the problems
themselves on stderr, one per line), then "style: N problems":
  checkpatch        the kernel's scripts/checkpatch.pl (--no-tree --file) is
                    clean on runtime/ and the test modules; PATH comes from
                    testsuite/style/get-checkpatch
  shellcheck        every shell script of the tree is shellcheck-clean
  function-length   no C or C++ function body is longer than 80 lines
                    (tables are not functions)
  include-cycles    no cycle of #include "..." between the files of runtime/
  commit-subjects   the subjects of the commits BASE..HEAD (default BASE:
                    DEFAULT_BASE, the last commit before the kernel's
                    convention applied) are at most 72 characters; skipped
                    outside a git work tree
Temporary exceptions are lines "RULE PATH WHAT" in testsuite/style/allow
(WHAT: a function's name, checkpatch's message type, shellcheck's code).
Exit status 0 when there is no problem, 1 otherwise, 2 on a usage error.
"""

import argparse
import os
import re
import subprocess
import sys

DEFAULT_BASE = "104c58529e49be5a95b1692f010393946d16a4c6"
MAX_FUNCTION_LINES = 80
MAX_SUBJECT = 72
# Kernel modules checkpatch checks: the runtime and the test modules.
CHECKPATCH_GLOBS = [
    ("runtime", (".c", ".h")),
    ("testsuite/exerciser", (".c", ".h")),
    ("testsuite/ibt", (".c",)),
]
CHECKPATCH_FILES = ["testsuite/systemtap.mmio/lab-warn.c"]
# Files that are generated, fetched or not ours.
SKIP_DIRS = {".git", "autom4te.cache", "_build", "lab-build", "corpus"}


def tree_files(src):
    """The tree's files (relative paths): git's when SRC is a work tree,
    else every file but build directories."""
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
        return sorted(f for f in out.split("\0") if f and os.path.isfile(os.path.join(src, f)))
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for root, dirs, names in os.walk(src):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("lab-build")]
        for n in names:
            files.append(os.path.relpath(os.path.join(root, n), src))
    return sorted(files)


# ---- function length


def strip_code(text):
    """TEXT with comments, string and character literals and preprocessor
    lines blanked (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":
            # A preprocessor line, with its continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append("\n")
                    i += 2
                    continue
                i += 1
            continue
        line_start = c == "\n"
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        m = re.match(r'R"([^(\s]*)\(', text[i:i + 20]) if c == "R" else None
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + m.group(1) + '"', i)
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", "", text[i:end]))
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else|try)\s*$")
NOT_FUNCTION = re.compile(r"=\s*$")


def functions(text):
    """(name, first body line, body lines) of each function definition in
    C or C++ TEXT: a brace block, outside any function, whose header ends
    with a parameter list (qualifiers and a constructor's initialisers
    allowed) and is not a namespace, class or initialiser."""
    code = strip_code(text)
    result = []
    stack = []  # per open brace: "fn" (a function body), "scope" or "block"
    header_start = 0
    fn_start = None
    for i, c in enumerate(code):
        if c in ";}":
            if c == "}" and stack:
                kind = stack.pop()
                if kind == "fn":
                    name, line0 = fn_start
                    line1 = code.count("\n", 0, i) + 1
                    result.append((name, line0, max(line1 - line0 - 1, 0)))
            header_start = i + 1
        elif c == "{":
            if "fn" in stack:
                stack.append("block")
            else:
                header = code[header_start:i]
                kind = "scope"
                flat = " ".join(header.split())
                if not NOT_FUNCTION.search(flat) and not CONTROL.search(flat):
                    m = re.search(r"([~\w:]+|operator\s*\S+)\s*\((?:[^()]|\([^()]*\))*\)"
                                  r"(\s*(const|override|final|noexcept|mutable|"
                                  r"->\s*[\w:<>,\s*&]+|:\s*.*))*\s*$", flat)
                    if m and not re.match(r"(if|for|while|switch|catch|return|sizeof)$", m.group(1)):
                        kind = "fn"
                        fn_start = (m.group(1), code.count("\n", 0, i) + 1)
                stack.append(kind)
            header_start = i + 1
    return result


ALLOW = set()


def load_allowlist(path):
    """The allowlist's "RULE PATH WHAT" lines as a set of tuples."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split("#", 1)[0].split()
                if len(words) == 3:
                    ALLOW.add(tuple(words))
    except FileNotFoundError:
        pass


def rule_function_length(src, files, report):
    allow = {(p, w) for r, p, w in ALLOW if r == "function-length"}
    problems = allowed = checked = 0
    for f in files:
        if not f.endswith((".c", ".h", ".cxx", ".cpp", ".cc")):
            continue
        with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for name, line, length in functions(text):
            checked += 1
            if length <= MAX_FUNCTION_LINES:
                continue
            if (f, name) in allow:
                allowed += 1
                continue
            problems += 1
            report("function-length: %s:%d: %s is %d lines (more than %d)"
                   % (f, line, name, length, MAX_FUNCTION_LINES))
    return problems, "%d functions over %d lines among %d (%d more on the allowlist)" % (
        problems, MAX_FUNCTION_LINES, checked, allowed)


# ---- include cycles


def rule_include_cycles(src, files, report):
    graph = {}
    for f in files:
        if not f.startswith("runtime/") or not f.endswith((".c", ".h")):
            continue
        with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
            incs = re.findall(r'^\s*#\s*include\s+"([^"]+)"', fh.read(), re.M)
        graph[f] = [os.path.normpath(os.path.join("runtime", i)) for i in incs]
    cycles = []
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    for c in cycles:
        report("include-cycles: " + " -> ".join(c))
    return len(cycles), "%d cycles among the %d files of runtime/" % (len(cycles), len(graph))


# ---- commit subjects


def rule_commit_subjects(src, base, report):
    try:
        subprocess.run(["git", "-C", src, "rev-parse", "--is-inside-work-tree"], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return 0, "not a git work tree: skipped"
    r = subprocess.run(["git", "-C", src, "log", "--format=%h %s", "%s..HEAD" % base],
                       capture_output=True, text=True)
    if r.returncode != 0:
        report("commit-subjects: git log %s..HEAD: %s" % (base, r.stderr.strip()))
        return 1, "cannot list the commits since %s" % base[:12]
    lines = [l for l in r.stdout.splitlines() if l]
    problems = 0
    for l in lines:
        h, subject = l.split(" ", 1)
        if len(subject) > MAX_SUBJECT:
            problems += 1
            report("commit-subjects: %s: %d characters: %s" % (h, len(subject), subject))
    return problems, "%d of %d subjects since %s over %d characters" % (
        problems, len(lines), base[:12], MAX_SUBJECT)


# ---- shellcheck


def is_shell_script(src, f):
    if f.endswith(".sh"):
        return True
    if f.startswith("debian/") and re.search(r"\.(postinst|postrm|preinst|prerm)$", f):
        return True
    try:
        with open(os.path.join(src, f), "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return False
    return bool(re.match(rb"#!\s*(/usr)?/bin/(env\s+)?(ba|da)?sh\b", first))


def rule_shellcheck(src, files, report):
    scripts = [f for f in files if is_shell_script(src, f)]
    try:
        r = subprocess.run(["shellcheck", "-f", "gcc", "-x"] + scripts, cwd=src,
                           capture_output=True, text=True)
    except FileNotFoundError:
        report("shellcheck: the shellcheck command is missing (apt-get install shellcheck)")
        return 1, "shellcheck is not installed"
    allow = {(p, w) for r, p, w in ALLOW if r == "shellcheck"}
    lines, allowed = [], 0
    for l in r.stdout.splitlines():
        m = re.match(r"^([^:]+):\d+:\d+: .*\[(SC\d+)\]$", l)
        if m and (m.group(1), m.group(2)) in allow:
            allowed += 1
        elif l.strip():
            lines.append(l)
            report("shellcheck: " + l)
    if r.returncode not in (0, 1) or (r.returncode == 1 and not lines and not allowed):
        report("shellcheck: exit %d: %s" % (r.returncode, r.stderr.strip()))
        return 1, "shellcheck failed"
    return len(lines), "%d problems in %d shell scripts (%d more on the allowlist)" % (
        len(lines), len(scripts), allowed)


# ---- checkpatch


def rule_checkpatch(src, files, checkpatch, report):
    targets = [f for f in files
               if any(f.startswith(d + "/") and "/" not in f[len(d) + 1:] and f.endswith(ext)
                      for d, ext in CHECKPATCH_GLOBS)] + [f for f in CHECKPATCH_FILES if f in files]
    if not checkpatch or not os.path.isfile(checkpatch):
        report("checkpatch: no checkpatch.pl (testsuite/style/get-checkpatch could not get one)")
        return 1, "checkpatch.pl could not be obtained"
    allow = {(p, w) for r, p, w in ALLOW if r == "checkpatch"}
    r = subprocess.run(["perl", checkpatch, "--no-tree", "--file", "--terse",
                        "--show-types", "--no-summary", "--quiet"] + targets,
                       cwd=src, capture_output=True, text=True)
    problems = allowed = 0
    for l in r.stdout.splitlines():
        m = re.match(r"^(\S+):\d+: (?:ERROR|WARNING|CHECK):(\w+):", l)
        if not m:
            continue
        if (m.group(1), m.group(2)) in allow:
            allowed += 1
            continue
        problems += 1
        report("checkpatch: " + l)
    if r.returncode != 0 and not problems and not allowed:
        report("checkpatch: exit %d: %s" % (r.returncode, r.stderr.strip()))
        problems += 1
    return problems, "%d problems in %d files (%d more on the allowlist)" % (
        problems, len(targets), allowed)


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--checkpatch", default="")
    ap.add_argument("--rules", default="checkpatch,shellcheck,function-length,include-cycles,commit-subjects")
    ap.add_argument("src")
    a = ap.parse_args()
    src = os.path.abspath(a.src)
    files = tree_files(src)
    load_allowlist(os.path.join(src, "testsuite/style/allow"))

    def report(line):
        print(line, file=sys.stderr)

    total = 0
    for rule in a.rules.split(","):
        if rule == "checkpatch":
            n, summary = rule_checkpatch(src, files, a.checkpatch, report)
        elif rule == "shellcheck":
            n, summary = rule_shellcheck(src, files, report)
        elif rule == "function-length":
            n, summary = rule_function_length(src, files, report)
        elif rule == "include-cycles":
            n, summary = rule_include_cycles(src, files, report)
        elif rule == "commit-subjects":
            n, summary = rule_commit_subjects(src, a.base, report)
        else:
            print("check_style.py: unknown rule %s" % rule, file=sys.stderr)
            return 2
        sys.stderr.flush()
        print("%s: %s" % (rule, summary), flush=True)
        total += n
    print("style: %d problems" % total)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
