#!/usr/bin/env python3
"""remote-unsuitable.py SOCKET... - serve SystemTap's own stapsh on unix
sockets, as a guest's virtio-serial port would: one stapsh per socket, for
the first client that connects.  Runs in the lab chroot, where stapsh
reports the kernel the chroot runs on (the build machine's), whose build
tree the chroot does not have.  Exits when every stapsh has."""

import os
import socket
import subprocess
import sys

STAPSH = "/usr/lib/systemtap/stapsh"


def main():
    listeners = []
    for path in sys.argv[1:]:
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.listen(1)
        listeners.append(s)
    print("ready", flush=True)
    children = []
    for s in listeners:
        conn, _ = s.accept()
        children.append(subprocess.Popen([STAPSH], stdin=conn.fileno(),
                                         stdout=conn.fileno()))
        conn.close()
    for c in children:
        c.wait()


if __name__ == "__main__":
    main()
