# shellcheck shell=bash
# lab/guest.sh: boot the lab guest under QEMU (TCG) and run commands in it.
# Sourced by lab/lab; uses LAB_KERNEL, LAB_INITRD, LAB_IMAGE.
#
# Host and guest talk over three channels:
#  - a 9p share of the output directory, mounted on /lab in the guest: the
#    staged runner, commands and files (OUT/.lab) and the results;
#  - the guest's ttyS1, a QEMU pipe chardev, read by the controller below:
#    the guest's lab-ctl asks for "TRACE on|off", "MARK text", ... and waits
#    for "ACK id";
#  - QMP on another pipe chardev, through which the controller switches the
#    memory_region_ops trace events.

readonly TRACE_EVENTS='memory_region_ops_*'
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

# ---- the controller: serves the guest's lab-ctl requests over ttyS1

# Send one QMP command; the answer's line goes to stdout.
qmp_call() {
	local line
	printf '%s\n' "$1" >&7
	while IFS= read -r -t 30 line <&8; do
		case $line in
		*'"return"'*) printf '%s\n' "$line"; return 0 ;;
		*'"error"'*) printf 'lab: QMP: %s\n' "$line" >&2; return 1 ;;
		esac
	done
	printf 'lab: QMP: no answer to %s\n' "$1" >&2
	return 1
}

qmp_send() { qmp_call "$1" >/dev/null; }

trace_switch() {
	local on=$1
	qmp_send "{\"execute\":\"trace-event-set-state\",\"arguments\":{\"name\":\"$TRACE_EVENTS\",\"enable\":$on}}"
}

# QEMU traces absolute addresses; keep its flat memory map at each switch-on
# so that the normaliser can turn them into offsets within the region.
save_memory_map() {
	local file=$1 line
	line=$(qmp_call '{"execute":"human-monitor-command","arguments":{"command-line":"info mtree -f"}}') || return 1
	line=${line#*'"return": "'}
	line=${line%'"}'*}
	printf '%b' "$line" | tr -d '\r' >"$file"
}

controller() {
	local tmp=$1 raw=$2 stage=$3 log=$4 t0=$5 line verb id arg size windows=0
	exec 7>"$tmp/qmp.in" 8<"$tmp/qmp.out"
	IFS= read -r -t 60 line <&8 || { echo "lab: no QMP greeting" >&2; return 1; }
	qmp_send '{"execute":"qmp_capabilities"}' || return 1
	exec 5<"$tmp/ctl.out" 6>"$tmp/ctl.in"
	while IFS= read -r line <&5; do
		line=${line%$'\r'}
		read -r verb id arg <<<"$line" || true
		case $verb in
		BEGIN | END)
			printf '%s %s\n' "$verb" "$(elapsed "$t0")" >>"$log"
			[[ $verb == END ]] && trace_switch false
			;;
		TRACE)
			case $arg in
			on)
				save_memory_map "$stage/mtree.$windows"
				size=$(stat -c %s "$raw" 2>/dev/null || echo 0)
				printf '%s %s\n' "$size" "$stage/mtree.$windows" >>"$stage/windows"
				windows=$((windows + 1))
				trace_switch true
				;;
			off) trace_switch false ;;
			*) continue ;;
			esac
			printf 'TRACE %s %s\n' "$arg" "$(elapsed "$t0")" >>"$log"
			;;
		MARK)
			size=$(stat -c %s "$raw" 2>/dev/null || echo 0)
			printf '%s %s\n' "$size" "$arg" >>"$stage/marks"
			;;
		*) continue ;;
		esac
		printf 'ACK %s\n' "$id" >&6
	done
}

# ---- results

# R|W REGION OFFSET SIZE VALUE from QEMU's log lines such as
#   memory_region_ops_read cpu 0 mr 0x55.. addr 0xfea00004 value 0x12 size 4 name 'edu-mmio'
# OFFSET is relative to the region, found in the flat memory map saved when
# that trace window opened.  "# mark TEXT" lines stand where lab-mark was.
normalise_trace() {
	local raw=$1 stage=$2
	touch "$stage/marks" "$stage/windows"
	LC_ALL=C awk -v marks="$stage/marks" -v windows="$stage/windows" -v q="'" '
	function hex(s,    v, i) {
		s = tolower(s)
		sub(/^0x/, "", s)
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function tohex(v,    s, d) {
		if (v <= 0) return "0x0"
		s = ""
		while (v > 0) {
			d = v % 16
			s = substr("0123456789abcdef", d + 1, 1) s
			v = (v - d) / 16
		}
		return "0x" s
	}
	# Flat view lines: "  00000000fea00000-00000000feafffff (prio 1, i/o): edu-mmio [@off]"
	function load_map(w, file,    l, a, r, k, key) {
		while ((getline l < file) > 0) {
			if (l !~ /^ *[0-9a-f]+-[0-9a-f]+ \(prio/) continue
			split(l, a, /[ ]+/)
			k = (a[1] == "") ? 2 : 1
			split(a[k], r, "-")
			sub(/^.*\): /, "", l)
			split(l, a, / /)
			key = w SUBSEP a[1]
			n = cnt[key]++
			rs[key, n] = hex(r[1])
			re[key, n] = hex(r[2])
			ro[key, n] = (a[2] ~ /^@/) ? hex(substr(a[2], 2)) : 0
		}
		close(file)
	}
	function offset(name, addr,    key, i, v) {
		key = win SUBSEP name
		v = hex(addr)
		for (i = 0; i < cnt[key]; i++)
			if (v >= rs[key, i] && v <= re[key, i])
				return tohex(v - rs[key, i] + ro[key, i])
		return addr
	}
	function flush_marks(upto) {
		while (nm < mcount && moff[nm] <= upto) print "# mark " mtext[nm++]
	}
	BEGIN {
		while ((getline l < marks) > 0) {
			sp = index(l, " ")
			moff[mcount] = substr(l, 1, sp - 1) + 0
			mtext[mcount++] = substr(l, sp + 1)
		}
		while ((getline l < windows) > 0) {
			split(l, a, " ")
			woff[wcount] = a[1] + 0
			load_map(wcount++, a[2])
		}
		win = -1
	}
	{
		flush_marks(pos)
		while (win + 1 < wcount && woff[win + 1] <= pos) win++
		pos += length($0) + 1
		if ($1 != "memory_region_ops_read" && $1 != "memory_region_ops_write")
			next
		for (i = 2; i < NF; i++) f[$i] = $(i + 1)
		n = index($0, "name " q)
		name = substr($0, n + 6)
		if (substr(name, length(name)) == q) name = substr(name, 1, length(name) - 1)
		gsub(/ /, "_", name)
		printf "%s %s %s %s %s\n", ($1 ~ /read$/ ? "R" : "W"), name, offset(name, f["addr"]), f["size"], f["value"]
	}
	END { flush_marks(1e18) }
	' "$raw"
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
	e1000) QEMU_ARGS+=(-netdev user,id=n0,restrict=on -device e1000,netdev=n0) ;;
	sdhci)
		truncate -s 64M "$tmp/sd.img"
		QEMU_ARGS+=(-device sdhci-pci -drive "if=none,id=sd0,format=raw,file=$tmp/sd.img"
			-device sd-card,drive=sd0)
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
	QEMU_ARGS+=(-device virtio-serial-pci,id=stapsh_vser)
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

# ---- run_guest

run_guest() {
	local smp=1 timeout=600 mem=1024 out= append= icount= dev
	local devices=()
	RUN_CMDS=() RUN_PUTS=() RUN_STAPSH=()
	while (($#)); do
		(($# >= 2)) || die "run: $1 needs a value"
		case $1 in
		--smp) smp=$2 ;;
		--timeout) timeout=$2 ;;
		--mem) mem=$2 ;;
		--device) devices+=("$2") ;;
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
		-chardev "pipe,id=qmp,path=$tmp/qmp" -mon chardev=qmp,mode=control
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
	stapsh_args "$out/.lab"

	local t0 rc=0 status=0
	t0=$(now)
	setpriv --pdeathsig KILL -- qemu-system-x86_64 "${QEMU_ARGS[@]}" \
		>"$tmp/qemu.out" 2>&1 </dev/null &
	QEMU_PID=$!
	controller "$tmp" "$raw" "$out/.lab" "$log" "$t0" 2>>"$tmp/qemu.out" &
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

	normalise_trace "$raw" "$out/.lab" >"$out/qemu-trace"
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
