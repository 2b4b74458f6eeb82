# shellcheck shell=bash
# lab/guest.sh: boot the lab guest under QEMU (TCG) and run commands in it.
# Sourced by lab/lab; uses LAB_KERNEL, LAB_INITRD, LAB_IMAGE.
#
# Host and guest talk over three channels:
#  - a 9p share of the output directory, mounted on /lab in the guest: the
#    staged runner, commands and files (OUT/.lab) and the results;
#  - the guest's ttyS1, a QEMU pipe chardev, read by the controller
#    (lab/qemu_host.py controller): the guest's lab-ctl asks for
#    "TRACE on|off", "MARK text", ... and waits for "ACK id";
#  - QMP on another pipe chardev, through which the controller switches the
#    memory_region_ops trace events.
# lab/qemu_host.py normalise makes the run's qemu-trace from QEMU's log.

readonly KERNEL_LOG_BAD='Oops|BUG:|WARNING:|Call Trace|Kernel panic'

# Globals of one run (run_guest runs once per process, or in a subshell).
RUN_TMP=
RUN_OUT=
QEMU_PID=
CTL_PID=

run_cleanup() {
	local pid
	for pid in $QEMU_PID $CTL_PID; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $QEMU_PID $CTL_PID; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	QEMU_PID=''
	CTL_PID=''
	if [[ -n $RUN_TMP ]]; then
		cp "$RUN_TMP/qemu.out" "$RUN_OUT/.lab/qemu.out" 2>/dev/null || true
		rm -rf "$RUN_TMP"
	fi
	RUN_TMP=
}

# The guest kernel log: dmesg, or the console when the guest died before
# writing it.
kernel_log_file() {
	if [[ -s $1/dmesg ]]; then
		printf '%s\n' "$1/dmesg"
	else
		printf '%s\n' "$1/console"
	fi
}

# ---- staging

stage_run() {
	local out=$1 stage n=0 cmd put host guest
	stage=$out/.lab
	shift
	rm -rf "$stage"
	rm -f "$out"/cmd.*.out "$out"/cmd.*.rc "$out"/dmesg "$out"/console \
		"$out"/qemu-trace "$out"/qemu-trace.raw "$out"/timing
	mkdir -p "$stage/put"
	cp -r "$LAB_HOME/guest/init.sh" "$LAB_HOME/guest/bin" "$stage/"
	for cmd in "${RUN_CMDS[@]}"; do
		printf '%s\n' "$cmd" >"$stage/cmd.$n"
		n=$((n + 1))
	done
	n=0
	: >"$stage/puts"
	for put in "${RUN_PUTS[@]}"; do
		host=${put%%:*}
		guest=${put#*:}
		cp -L "$host" "$stage/put/$n" || die "--put $put: cannot copy $host"
		printf '%s %s\n' "$n" "$guest" >>"$stage/puts"
		n=$((n + 1))
	done
}

device_args() {
	local dev=$1 tmp=$2
	case $dev in
	edu) QEMU_ARGS+=(-device edu) ;;
	e1000) QEMU_ARGS+=(-netdev "user,id=n0,restrict=on" -device "e1000,netdev=n0") ;;
	sdhci)
		truncate -s 64M "$tmp/sd.img"
		QEMU_ARGS+=(-device sdhci-pci -drive "if=none,id=sd0,format=raw,file=$tmp/sd.img"
			-device "sd-card,drive=sd0")
		;;
	# Anything else is QEMU's own -device syntax (pci-testdev, edu,dma_mask=...).
	*) QEMU_ARGS+=(-device "$dev") ;;
	esac
}

# --stapsh SOCKET[:NAME]: a virtio-serial port NAME (default
# org.systemtap.stapsh.N) that the host sees as the unix socket SOCKET
# (QEMU listens on it); the guest runs SystemTap's stapsh on the port (see
# guest/init.sh), so `stap --remote=unix:SOCKET` reaches the guest.
stapsh_args() {
	local stage=$1 i=0 spec sock name
	: >"$stage/stapsh"
	((${#RUN_STAPSH[@]})) || return 0
	QEMU_ARGS+=(-device "virtio-serial-pci,id=stapsh_vser")
	for spec in "${RUN_STAPSH[@]}"; do
		sock=${spec%%:*}
		name=org.systemtap.stapsh.$i
		[[ $spec == *:* ]] && name=${spec#*:}
		[[ $sock == /* && $sock != *,* ]] ||
			die "run: --stapsh $spec: an absolute socket path without commas"
		[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "run: --stapsh $spec: bad port name"
		rm -f "$sock"
		QEMU_ARGS+=(-chardev "socket,id=stapsh$i,path=$sock,server=on,wait=off"
			-device "virtserialport,bus=stapsh_vser.0,chardev=stapsh$i,name=$name")
		printf '%s\n' "$name" >>"$stage/stapsh"
		i=$((i + 1))
	done
}

# A blank disk of SIZE bytes (truncate's SIZE: 64M, 1G, ...) on a
# controller: disk_args N SIZE[,if=TYPE] TMP (N numbers the run's disks).
disk_args() {
	local n=$1 spec=$2 tmp=$3 size type=virtio img drive
	size=${spec%%,*}
	if [[ $spec == *,* ]]; then
		type=${spec#*,}
		[[ $type == if=* ]] || die "--disk $spec: expected SIZE[,if=TYPE]"
		type=${type#if=}
	fi
	[[ $size =~ ^[1-9][0-9]*[KMG]?$ ]] || die "--disk $spec: SIZE is a number of bytes, with K, M or G"
	img=$tmp/disk$n.img
	truncate -s "$size" "$img"
	drive="if=none,id=disk$n,format=raw,file=$img"
	case $type in
	# As the root disk is (if=virtio, after it in PCI order): it stays /dev/vda.
	virtio) QEMU_ARGS+=(-drive "file=$img,format=raw,if=virtio") ;;
	nvme) QEMU_ARGS+=(-drive "$drive" -device "nvme,drive=disk$n,serial=lab$n") ;;
	ahci) QEMU_ARGS+=(-device "ahci,id=ahci$n" -drive "$drive" -device "ide-hd,drive=disk$n,bus=ahci$n.0") ;;
	# The board's own IDE controller (PIIX).
	ide) QEMU_ARGS+=(-drive "file=$img,format=raw,if=ide") ;;
	scsi) QEMU_ARGS+=(-device "virtio-scsi-pci,id=scsi$n" -drive "$drive" -device "scsi-hd,drive=disk$n,bus=scsi$n.0") ;;
	lsi) QEMU_ARGS+=(-device "lsi53c895a,id=lsi$n" -drive "$drive" -device "scsi-hd,drive=disk$n,bus=lsi$n.0") ;;
	sd) QEMU_ARGS+=(-device sdhci-pci -drive "$drive" -device "sd-card,drive=disk$n") ;;
	usb) QEMU_ARGS+=(-device "qemu-xhci,id=xhci$n" -drive "$drive" -device "usb-storage,drive=disk$n,bus=xhci$n.0") ;;
	*) die "--disk $spec: unknown controller '$type' (virtio nvme ahci ide scsi lsi sd usb)" ;;
	esac
}

# ---- run_guest

run_guest() {
	local smp=1 timeout=600 mem=1024 out='' append='' icount='' dev
	local devices=() disks=() i
	RUN_CMDS=() RUN_PUTS=() RUN_STAPSH=()
	while (($#)); do
		(($# >= 2)) || die "run: $1 needs a value"
		case $1 in
		--smp) smp=$2 ;;
		--timeout) timeout=$2 ;;
		--mem) mem=$2 ;;
		--device) devices+=("$2") ;;
		--disk) disks+=("$2") ;;
		--put)
			[[ $2 == *:/* ]] || die "--put $2: expected HOSTFILE:/GUEST/PATH"
			[[ -f ${2%%:*} ]] || die "--put $2: no such file ${2%%:*}"
			RUN_PUTS+=("$2")
			;;
		--out) out=$2 ;;
		--cmd) RUN_CMDS+=("$2") ;;
		--append) append=$2 ;;
		--icount) icount=$2 ;;
		--stapsh) RUN_STAPSH+=("$2") ;;
		*) die "run: unknown option $1" ;;
		esac
		shift 2
	done
	[[ -n $out ]] || die "run: --out DIR is required"
	[[ $smp =~ ^[1-9][0-9]*$ ]] || die "run: --smp $smp: not a CPU count"
	[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "run: --timeout $timeout: not a number of seconds"
	[[ -z $icount || ($icount =~ ^[0-9]$ && $smp == 1) ]] ||
		die "run: --icount $icount: a shift of 0-9, and only with --smp 1"
	mkdir -p "$out"
	out=$(cd "$out" && pwd -P)
	[[ $out != *,* ]] || die "run: --out $out: QEMU's options cannot take a path with a comma"
	stage_run "$out"

	trap run_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	RUN_OUT=$out
	# Host-only files (FIFOs, QEMU's stderr) beside the staged ones: a run
	# killed with SIGKILL leaves nothing outside DIR.
	RUN_TMP=$out/.lab/host
	mkdir -p "$RUN_TMP"
	local tmp=$RUN_TMP raw=$out/qemu-trace.raw log=$out/timing
	mkfifo "$tmp/ctl.in" "$tmp/ctl.out" "$tmp/qmp.in" "$tmp/qmp.out"
	: >"$raw"

	local accel=tcg cmdline
	((smp > 1)) && accel=tcg,thread=multi
	cmdline="root=/dev/vda rw init=/lab-init console=ttyS0 nokaslr panic=-1 tsc=reliable"
	[[ -n $append ]] && cmdline+=" $append"
	QEMU_ARGS=(-nodefaults -no-user-config -display none -no-reboot
		-machine pc -accel "$accel" -smp "$smp" -m "$mem"
		-kernel "$LAB_KERNEL" -initrd "$LAB_INITRD" -append "$cmdline"
		-drive "file=$LAB_IMAGE,format=raw,if=virtio,snapshot=on"
		-virtfs "local,path=$out,mount_tag=lab,security_model=none,id=lab"
		-serial "file:$out/console"
		-chardev "pipe,id=ctl,path=$tmp/ctl" -serial chardev:ctl
		-chardev "pipe,id=qmp,path=$tmp/qmp" -mon "chardev=qmp,mode=control"
		-trace "file=$raw")
	# Deterministic guest time: while the guest runs, each instruction
	# takes 2^icount ns of its clock, whatever the host is doing.  While
	# it idles, its clock follows the host's (sleep=on): a guest waiting
	# on the host, as lab-ctl does for its acknowledgement, must not see
	# its timeout expire at once.
	[[ -z $icount ]] || QEMU_ARGS+=(-icount "shift=$icount,sleep=on")
	for dev in "${devices[@]}"; do
		device_args "$dev" "$tmp"
	done
	for i in "${!disks[@]}"; do
		disk_args "$i" "${disks[$i]}" "$tmp"
	done
	stapsh_args "$out/.lab"

	local t0 rc=0 status=0
	t0=$(now)
	setpriv --pdeathsig KILL -- qemu-system-x86_64 "${QEMU_ARGS[@]}" \
		>"$tmp/qemu.out" 2>&1 </dev/null &
	QEMU_PID=$!
	python3 "$LAB_HOME/qemu_host.py" controller "$tmp" "$raw" "$out/.lab" "$log" "$t0" \
		2>>"$tmp/qemu.out" &
	CTL_PID=$!

	local limit
	limit=$(awk -v a="$t0" -v t="$timeout" 'BEGIN { printf "%d", a + t }')
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if (($(date +%s) >= limit)); then
			status=2
			break
		fi
		sleep 0.2
	done
	if ((status == 0)); then
		wait "$QEMU_PID" || rc=$?
		QEMU_PID=
	fi
	run_cleanup
	trap - EXIT INT TERM
	printf 'TOTAL %s\n' "$(elapsed "$t0")" >>"$log"

	python3 "$LAB_HOME/qemu_host.py" normalise "$raw" "$out/.lab" >"$out/qemu-trace"
	rm -rf "$out/.lab/put"

	local problems klog
	klog=$(kernel_log_file "$out")
	problems=$(grep -E "$KERNEL_LOG_BAD" "$klog" 2>/dev/null) || problems=
	if ((status == 2)); then
		say "run: the guest did not finish within $timeout s (see $out/console)"
		[[ -n $problems ]] && printf '%s\n' "$problems" >&2
		return 2
	fi
	if [[ -n $problems ]]; then
		say "run: the guest kernel log has problems ($klog):"
		printf '%s\n' "$problems" >&2
		return 3
	fi
	if ((rc != 0)); then
		say "run: qemu exited with status $rc: $(tail -n 3 "$out/.lab/qemu.out" 2>/dev/null || true)"
	fi
	if [[ ! -f $out/.lab/finished ]]; then
		say "run: the guest stopped before running every command (see $out/console)"
		return 1
	fi
	local begin
	begin=$(awk '$1 == "BEGIN" { print $2 }' "$log")
	say "run: done (boot to first command ${begin:-?} s, total $(elapsed "$t0") s)"
	return 0
}
