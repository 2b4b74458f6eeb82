#!/bin/sh
# The lab guest's runner, started by /lab-init with the host's share on /lab.
# /lab/.lab holds what the host staged: cmd.N (the commands), puts (lines
# "N GUESTPATH", the file being put/N) and bin/ (lab-trace, lab-mark).
# Results go to /lab: cmd.N.out (stdout+stderr), cmd.N.rc, dmesg.
STAGE=/lab/.lab
PATH=$STAGE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME

mount_once() { mountpoint -q "$3" || mount -t "$1" "$2" "$3"; }

mount_once debugfs debugfs /sys/kernel/debug
mount_once tracefs tracefs /sys/kernel/tracing
mount_once tmpfs tmpfs /tmp
mount_once tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount_once devpts devpts /dev/pts

# Busybox applets (devmem, ip, ...) on the PATH, after the real tools.
mkdir -p /tmp/busybox && busybox --install -s /tmp/busybox
PATH=$PATH:/tmp/busybox

# The second serial port talks to the host's controller (lab-trace, lab-mark).
stty -F /dev/ttyS1 raw -echo 2>/dev/null

if [ -f "$STAGE/puts" ]; then
	while read -r n path; do
		mkdir -p "$(dirname "$path")"
		cp "$STAGE/put/$n" "$path" || echo "lab: cannot put $path" >&2
	done <"$STAGE/puts"
fi

# --stapsh ports: SystemTap's stapsh listens on each (stapsh -l), started
# again after every session (it exits when the host disconnects).  A
# listening stapsh must be up before the host connects: one started while
# a host is connected waits for a SIGIO that never comes, and a stapsh on
# the port as its stdin loses what the host sends while it exits.  No
# udev here: the /dev/virtio-ports/NAME links are made from sysfs.
if [ -s "$STAGE/stapsh" ]; then
	stapsh=$(command -v stapsh) ||
		for stapsh in /usr/lib/systemtap/stapsh /usr/libexec/systemtap/stapsh; do
			[ -x "$stapsh" ] && break
		done
	mkdir -p /dev/virtio-ports
	while read -r name; do
		for p in /sys/class/virtio-ports/*; do
			[ "$(cat "$p/name" 2>/dev/null)" = "$name" ] &&
				ln -sf "/dev/$(basename "$p")" "/dev/virtio-ports/$name"
		done
		[ -e "/dev/virtio-ports/$name" ] || echo "lab: no virtio port $name" >&2
		(while :; do "$stapsh" -l "/dev/virtio-ports/$name"; sleep 0.2; done) \
			</dev/null >>"/tmp/stapsh.$name.log" 2>&1 &
	done <"$STAGE/stapsh"
fi

lab-ctl BEGIN

n=0
while [ -f "$STAGE/cmd.$n" ]; do
	(cd /lab && exec sh "$STAGE/cmd.$n") >"/lab/cmd.$n.out" 2>&1 </dev/null
	echo $? >"/lab/cmd.$n.rc"
	n=$((n + 1))
done

lab-ctl END
dmesg >/lab/dmesg 2>&1
: >"$STAGE/finished"
sync
