#!/usr/bin/env python3
"""lab/qemu_host.py: the host side of a lab guest run (lab/guest.sh).

usage: qemu_host.py controller TMP RAW STAGE LOG T0
       qemu_host.py normalise RAW STAGE

controller: serves the guest's lab-ctl requests, which arrive over the
  guest's ttyS1 (the QEMU pipe chardev TMP/ctl: TMP/ctl.out, TMP/ctl.in),
  talking to QEMU over QMP (the pipe chardev TMP/qmp).  A request is a line
  "VERB ID [ARG]"; the answer "ACK ID" once it is done:
    BEGIN, END       "VERB SECONDS" (since T0, host time) appended to LOG;
                     END also switches the trace events off
    TRACE on|off     switches QEMU's memory_region_ops_* trace events; "on"
                     first saves QEMU's flat memory map (STAGE/mtree.N) and
                     appends "RAW-SIZE STAGE/mtree.N" to STAGE/windows;
                     "TRACE on|off SECONDS" is appended to LOG
    MARK TEXT        appends "RAW-SIZE TEXT" to STAGE/marks
    EXECLOG on|off   QEMU's log of every guest instruction executed (one
                     instruction per translation block) into
                     STAGE/../qemu-exec.N.log, N counting the windows:
                     what testsuite/bench/exec-profile reads
  RAW is QEMU's trace log: its size places each window and mark in it.
  Runs until the guest's side of ttyS1 closes (QEMU exits).

normalise: prints the qemu-trace file (lab/README.md) made from RAW and
  STAGE's marks and windows: "R|W REGION OFFSET SIZE VALUE" per access of
  QEMU's lines such as
    memory_region_ops_read cpu 0 mr 0x55.. addr 0xfea00004 value 0x12 size 4 name 'edu-mmio'
  OFFSET relative to the region, found in the flat memory map saved when
  that trace window opened (the address as QEMU printed it when the region
  is not in the map); "# mark TEXT" lines stand where lab-mark was.
  Files are bytes (no encoding); numbers are computed as IEEE doubles.
"""

import json
import math
import os
import re
import select
import sys
import time

TRACE_EVENTS = "memory_region_ops_*"
QMP_TIMEOUT = 30
GREETING_TIMEOUT = 60

# ---- normalise


def read_lines(path):
    """The lines of a file (bytes decoded 1:1), without their newlines."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("latin-1")
    except FileNotFoundError:
        return []
    lines = data.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def leading_number(text):
    """What awk's TEXT + 0 is for the unsigned decimals written here."""
    m = re.match(r"[ \t]*([0-9]+)", text)
    return float(m.group(1)) if m else 0.0


def hex_value(text):
    """A hexadecimal string's value as a double, digit by digit: a
    character that is not a hex digit counts as -1."""
    text = text.lower()
    if text.startswith("0x"):
        text = text[2:]
    v = 0.0
    for c in text:
        v = v * 16 + ("0123456789abcdef".find(c) + 1) - 1
    return v


def hex_string(v):
    if v <= 0:
        return "0x0"
    s = ""
    while v > 0:
        d = math.fmod(v, 16)
        s = "0123456789abcdef"[int(d)] + s
        v = (v - d) / 16
    return "0x" + s


MAP_LINE = re.compile(r"^ *[0-9a-f]+-[0-9a-f]+ \(prio")


def load_map(path):
    """Flat view lines, e.g.
      "  00000000fea00000-00000000feafffff (prio 1, i/o): edu-mmio [@off]"
    as {first word of the name: [(start, end, offset in region)...]}."""
    ranges = {}
    for line in read_lines(path):
        if not MAP_LINE.match(line):
            continue
        words = re.split(r"[ ]+", line)
        span = words[1] if words[0] == "" else words[0]
        parts = span.split("-")
        rest = re.sub(r"^.*\): ", "", line).split(" ")
        name = rest[0]
        at = rest[1] if len(rest) > 1 else ""
        off = hex_value(at[1:]) if at.startswith("@") else 0.0
        end = parts[1] if len(parts) > 1 else ""
        ranges.setdefault(name, []).append((hex_value(parts[0]), hex_value(end), off))
    return ranges


def fields(line):
    line = line.strip(" \t")
    return re.split(r"[ \t]+", line) if line else []


def normalise(raw, stage, out):
    marks = []
    for line in read_lines(os.path.join(stage, "marks")):
        sp = line.find(" ") + 1
        marks.append((leading_number(line[: max(sp - 1, 0)]), line[sp:]))
    # The first window's map also covers whatever the log holds before
    # it (nothing: the events are off until the first window opens).
    windows = []
    for line in read_lines(os.path.join(stage, "windows")):
        f = fields(line)
        start = leading_number(f[0]) if f and windows else 0.0
        windows.append((start, load_map(f[1] if len(f) > 1 else "")))
    nm = 0
    win = -1
    pos = 0
    seen = {}
    write = out.write

    def flush_marks(upto):
        nonlocal nm
        while nm < len(marks) and marks[nm][0] <= upto:
            write("# mark " + marks[nm][1] + "\n")
            nm += 1

    for line in read_lines(raw):
        flush_marks(pos)
        while win + 1 < len(windows) and windows[win + 1][0] <= pos:
            win += 1
        pos += len(line) + 1
        f = fields(line)
        if not f or f[0] not in ("memory_region_ops_read", "memory_region_ops_write"):
            continue
        for i in range(1, len(f) - 1):
            seen[f[i]] = f[i + 1]
        n = line.find("name '") + 1
        name = line[n + 5:]
        if name.endswith("'"):
            name = name[:-1]
        name = name.replace(" ", "_")
        addr = seen.get("addr", "")
        offset = addr
        v = hex_value(addr)
        for start, end, base in (windows[win][1].get(name, []) if win >= 0 else []):
            if start <= v <= end:
                offset = hex_string(v - start + base)
                break
        write("%s %s %s %s %s\n" % ("R" if f[0].endswith("read") else "W", name,
                                    offset, seen.get("size", ""), seen.get("value", "")))
    flush_marks(1e18)


# ---- controller


class Channel:
    """Line reader over a file descriptor, with timeouts."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""

    def readline(self, timeout=None):
        """A line without its newline (str), "" at end of file, None on
        timeout.  A last line without a newline counts as a line."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buf:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                    return None
            chunk = os.read(self.fd, 4096)
            if not chunk:
                line, self.buf = self.buf, b""
                return line.decode("latin-1") if line else ""
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("latin-1")


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, tmp):
        self.out = open(os.path.join(tmp, "qmp.in"), "w", encoding="utf-8")
        self.inp = Channel(os.open(os.path.join(tmp, "qmp.out"), os.O_RDONLY))
        if self.inp.readline(GREETING_TIMEOUT) in (None, ""):
            raise QmpError("no QMP greeting")
        self.call("qmp_capabilities")

    def call(self, command, **arguments):
        """Runs one QMP command; returns its "return" value."""
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.out.write(json.dumps(msg) + "\n")
        self.out.flush()
        while True:
            line = self.inp.readline(QMP_TIMEOUT)
            if line is None or line == "":
                raise QmpError("no answer to " + command)
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise QmpError("%s: %s" % (command, json.dumps(reply["error"])))

    def trace(self, on):
        self.call("trace-event-set-state", name=TRACE_EVENTS, enable=on)

    def hmp(self, command):
        return self.call("human-monitor-command", **{"command-line": command})

    def exec_log(self, path):
        """Log each guest instruction to @path; None: stop."""
        if path is None:
            self.hmp("log none")
            self.hmp("singlestep off")
            return
        self.hmp("singlestep on")
        self.hmp("logfile " + path)
        self.hmp("log exec,nochain")

    def memory_map(self):
        return self.call("human-monitor-command", **{"command-line": "info mtree -f"})


def controller(tmp, raw, stage, log, t0):
    def elapsed():
        return "%.1f" % (time.time() - float(t0))

    def raw_size():
        try:
            return os.stat(raw).st_size
        except OSError:
            return 0

    def append(path, text):
        with open(path, "a", encoding="latin-1") as f:
            f.write(text + "\n")

    qmp = Qmp(tmp)
    ctl = Channel(os.open(os.path.join(tmp, "ctl.out"), os.O_RDONLY))
    ack = open(os.path.join(tmp, "ctl.in"), "w", encoding="latin-1")
    windows = exec_logs = 0
    while True:
        line = ctl.readline()
        if line == "":
            return 0
        parts = re.split(r"[ \t]+", line.rstrip("\r").strip(" \t"), maxsplit=2)
        verb, rid = (parts + ["", ""])[:2]
        arg = parts[2].rstrip(" \t") if len(parts) > 2 else ""
        try:
            if verb in ("BEGIN", "END"):
                append(log, "%s %s" % (verb, elapsed()))
                if verb == "END":
                    qmp.trace(False)
            elif verb == "TRACE" and arg in ("on", "off"):
                if arg == "on":
                    mtree = os.path.join(stage, "mtree.%d" % windows)
                    with open(mtree, "w", encoding="utf-8") as f:
                        f.write(qmp.memory_map().replace("\r", ""))
                    append(os.path.join(stage, "windows"), "%d %s" % (raw_size(), mtree))
                    windows += 1
                qmp.trace(arg == "on")
                append(log, "TRACE %s %s" % (arg, elapsed()))
            elif verb == "EXECLOG" and arg in ("on", "off"):
                path = os.path.join(stage, "..", "qemu-exec.%d.log" % exec_logs)
                qmp.exec_log(path if arg == "on" else None)
                exec_logs += arg == "on"
            elif verb == "MARK":
                append(os.path.join(stage, "marks"), "%d %s" % (raw_size(), arg))
            else:
                continue
        except QmpError as e:
            print("lab: QMP: %s (no ACK to %s)" % (e, line), file=sys.stderr)
            continue
        ack.write("ACK %s\n" % rid)
        ack.flush()


def main(argv):
    if len(argv) == 7 and argv[1] == "controller":
        try:
            return controller(*argv[2:])
        except QmpError as e:
            print("lab: QMP: %s" % e, file=sys.stderr)
            return 1
    if len(argv) == 4 and argv[1] == "normalise":
        out = open(sys.stdout.fileno(), "w", encoding="latin-1", newline="\n", closefd=False)
        normalise(argv[2], argv[3], out)
        out.flush()
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
