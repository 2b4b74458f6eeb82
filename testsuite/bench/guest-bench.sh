#!/bin/sh
# guest-bench.sh - the guest half of `make bench` (run-bench is the host
# half).  Runs in the lab guest as root, in one boot.
#
# usage: guest-bench.sh DIR BAR N K ROUNDS STORM_N BURSTS PF_PAGES PROFILE CONFIG...
#   DIR      where the modules were put: stap_mmio.ko, mmio_exerciser.ko,
#            the page-fault loop `pagefault`, and one stap module NAME.ko
#            per stap configuration
#   BAR      the edu BAR's physical address the stap modules were compiled
#            for; the run stops (exit 4, "bar-mismatch ACTUAL") when the
#            guest's differs
#   N        the exerciser's `loop N` count (2N accesses per loop)
#   K        loops per measurement: K back-to-back `loop N`, each timed
#   ROUNDS   rounds; every round runs every CONFIG once, in a shuffled order
#   STORM_N  the sustained storm's `loop` count (0: none)
#   BURSTS   the burst storm's sizes, comma-separated `burst` counts (0: none)
#   PF_PAGES the page-fault loop's pages (0: none): in every round, after
#            the timed loops of untraced, mmiotrace and stap:empty, with the
#            tracer or the session still armed, K runs of `pagefault
#            PF_PAGES` (nothing touches the device meanwhile)
#   PROFILE  1: the profiled runs after the rounds; 0: none
#   CONFIG   untraced | mmiotrace | stap:NAME (the module DIR/NAME.ko);
#            mmiotrace (here and in the storms) runs with the runtime
#            unloaded, as the kernel's tracer runs without us
#
# Output, one record a line (run-bench parses it; anything else is chatter):
#   bar PHYS
#   result CONFIG ROUND ACCESSES EVENTS HANDLED NS1,NS2,...
#       ACCESSES: accesses per loop (2N); NSi: the i-th loop's ns;
#       EVENTS: events the runtime delivered during the K loops (stats
#       counter delta), "-" for untraced and mmiotrace; HANDLED: what the
#       script's handler saw in the K loops (printf: lines for the
#       register; agg: the sum of its @count()s), "-" where the handler
#       leaves no trace
#   pagefault CONFIG ROUND PAGES FAULTS NS1,NS2,... KMMIO_COUNT
#       K runs of the page-fault loop: PAGES fresh pages touched per run,
#       FAULTS the minor faults the K runs took (getrusage), NSi the i-th
#       run's ns; KMMIO_COUNT: the kernel's kmmio_count meanwhile (not 0:
#       every page fault goes through kmmio_handler()), "-" while the
#       runtime is unloaded (mmiotrace)
#   kprobe LINE   the kprobe stap registered on stap_mmio_event, as
#       /sys/kernel/debug/kprobes/list shows it (once)
#   profile CONFIG ACCESSES NS P_ACCESSES PRE STEP POST CONSUMER EMULATE EMULATED STEPPED PRESENT
#       one profiled run (K loops) after the rounds: accesses made, their
#       total ns, the deltas of the runtime's profile_* statistics, and
#       of the accesses it handled by each path (debugfs forms: emulated,
#       stepped through the second mapping, kmmio's present step); "-"
#       where this runtime has no such figure
#   forms PATH MNEMONIC COUNT
#       the debugfs forms file before each unload of the runtime (for
#       mmiotrace) and at the end: summed, every access this boot's
#       sessions saw, by how it was handled and its instruction
#   profile-absent REASON
#   storm ours|mmiotrace MADE REPORTED NOTE
#   burst ours|mmiotrace SIZE MADE REPORTED DELIVERED NOTE
#       DELIVERED: events the runtime delivered (ours), "-" (mmiotrace)
#   buffer_size_kb KB
#   error TEXT
# QEMU's own counts are in the run's qemu-trace, after the markers
# "# mark storm-ours", "# mark storm-mmiotrace", "# mark burst-ours-SIZE"
# and "# mark burst-mmiotrace-SIZE" (each window closed by the next mark).
set -u
DIR=$1 BAR=$2 N=$3 K=$4 ROUNDS=$5 STORM_N=$6 BURSTS=$7 PF_PAGES=$8 PROFILE_RUN=$9
shift 9
EX=/sys/kernel/debug/mmio_exerciser
TR=/sys/kernel/tracing
STATS=/sys/kernel/debug/stap_mmio/stats
PROFILE=/sys/module/stap_mmio/parameters/profile
FORMS=/sys/kernel/debug/stap_mmio/forms

err() { echo "error $*"; exit 1; }
ex() { echo "$*" >$EX/cmd || err "exerciser command '$*' failed: $(grep '^# error' $EX/log | tail -n1)"; }
stat_of() { sed -n "s/^$1: //p" $STATS; }

insmod "$DIR/stap_mmio.ko" || err "insmod stap_mmio.ko failed"
insmod "$DIR/mmio_exerciser.ko" target=edu || err "insmod mmio_exerciser.ko failed"
phys=$(sed -n 's/^phys //p' $EX/info)
echo "bar $phys"
if [ "$((phys))" != "$((BAR))" ]; then
	echo "bar-mismatch $phys"
	exit 4
fi
off4=$(printf '0x%x' $((phys + 4)))

# One timed `loop N` or `burst N` ($1 loop|burst, $2 N): prints its ns.
timed() {
	ex clear
	ex "$1 $2"
	sed -n "s/^# $1 .* ns=\([0-9]*\)\$/\1/p" $EX/log
}

# K timed `loop N` back to back: prints their ns, comma-separated.
timed_loops() {
	list='' i=1
	while [ $i -le "$K" ]; do
		list=$list${list:+,}$(timed loop "$N")
		i=$((i + 1))
	done
	echo "$list"
}

# K runs of the page-fault loop, while what config $1 armed still is.
pagefault() {
	[ "$PF_PAGES" -gt 0 ] || return 0
	# shellcheck disable=SC2046 # the loop's figures, one word each
	set -- "$1" "$2" $("$DIR/pagefault" "$PF_PAGES" "$K") ||
		err "the page-fault loop failed"
	km=-
	[ ! -r $STATS ] || km=$(stat_of kmmio_count)
	echo "pagefault $1 $2 $3 $4 $5 $km"
}

STAP_PID=
KPROBES=/sys/kernel/debug/kprobes/list
# Start stap module NAME with its output to FILE; returns once its session
# armed the BAR (the runtime's armed_pages went up) and its probe on the
# event function is registered: stap runs begin probes (which start the
# session) before it registers its kprobes, so accesses in between are
# delivered to nobody.
stap_start() {
	name=$1 out=$2
	before=$(stat_of armed_pages)
	staprun -o "$out" "$DIR/$name.ko" >"/tmp/staprun.$name.log" 2>&1 &
	STAP_PID=$!
	i=0
	while [ "$(stat_of armed_pages)" -le "$before" ] ||
	      ! grep -q stap_mmio_event $KPROBES; do
		kill -0 $STAP_PID 2>/dev/null ||
			err "staprun $name.ko exited before arming: $(tr '\n' ' ' <"/tmp/staprun.$name.log")"
		i=$((i + 1))
		[ $i -le 2400 ] || err "staprun $name.ko: nothing armed after 120 s"
		sleep 0.05
	done
	# The kprobe is in the list before it is armed (an FTRACE kprobe
	# patches the text after that), and stap's handlers run only once
	# its module init set the session running: a loop started at once
	# lost its first 1024 pairs to the printf handler under -icount.
	# stapio finishes that init while we sleep.
	sleep 0.5
}

stap_stop() {
	kill -INT $STAP_PID
	wait $STAP_PID
	rc=$?
	[ "$rc" = 0 ] || echo "note staprun $1 exit $rc: $(tr '\n' ' ' <"/tmp/staprun.$1.log")"
	STAP_PID=
	# the module is gone once staprun returned; wait for the pages too
	i=0
	while [ "$(stat_of sessions)" != 0 ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# What staprun said about lost output: transport failures, skipped probes,
# anything else it warned about (one word, for the report's notes).
staprun_losses() {
	log=/tmp/staprun.$1.log
	tf=$(sed -n 's/.*There were \([0-9]*\) transport failures.*/\1/p' "$log" | head -n1)
	sk=$(sed -n 's/.*skipped probes: \([0-9]*\).*/\1/p' "$log" | head -n1)
	other=$(grep -v -c -i 'transport failures\|skipped probes' "$log")
	echo "transport-failures:${tf:-0},skipped:${sk:-0},other-warnings:$other"
}

# The debugfs forms counts as "forms" records, kept until the end (the
# callers' output may be captured); report.py sums them over the
# runtime's loads.
forms_dump() {
	[ ! -r $FORMS ] || sed 's/^\([^ ]*\) \(.*\): \([0-9]*\)$/forms \1 \2 \3/' $FORMS >>/tmp/forms.records
}

# The kernel's tracer traces only mappings made while it is on.  It runs
# alone, with the runtime unloaded: the runtime's kprobe on
# kmmio_handler() would run on every one of mmiotrace's faults too (and
# on every other page fault), which made mmiotrace ~250 guest
# instructions slower per access than the kernel's tracer is.
mmiotrace_on() {
	ex unmap
	forms_dump
	i=0
	until rmmod stap_mmio 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || err "cannot unload stap_mmio for mmiotrace"
		sleep 0.1
	done
	echo mmiotrace >$TR/current_tracer || err "cannot enable the mmiotrace tracer"
	ex map
}
mmiotrace_off() {
	ex unmap
	echo nop >$TR/current_tracer
	insmod "$DIR/stap_mmio.ko" || err "insmod stap_mmio.ko failed after mmiotrace"
	ex map
}

run_config() {
	c=$1 r=$2
	case $c in
	untraced)
		ns=$(timed_loops)
		echo "result $c $r $((2 * N)) - - $ns"
		pagefault "$c" "$r"
		;;
	mmiotrace)
		mmiotrace_on
		ns=$(timed_loops)
		pagefault "$c" "$r"
		mmiotrace_off
		echo "result $c $r $((2 * N)) - - $ns"
		;;
	stap:*)
		name=${c#stap:}
		stap_start "$name" "/tmp/$name.out"
		e0=$(stat_of events)
		ns=$(timed_loops)
		e1=$(stat_of events)
		[ "$name" != empty ] || pf=$(pagefault "$c" "$r")
		stap_stop "$name"
		case $name in
		printf) h=$(cat "/tmp/$name.out"* | grep -c "^[RW] 4 ") ;;
		agg) h=$(cat "/tmp/$name.out"* | awk '/^type [12]: / {s += $3} END {print s + 0}') ;;
		*) h=- ;;
		esac
		echo "result $c $r $((2 * N)) $((e1 - e0)) $h $ns"
		[ "$name" != empty ] || [ -z "$pf" ] || echo "$pf"
		rm -f "/tmp/$name.out"*
		;;
	*)
		err "unknown configuration $c"
		;;
	esac
}

# A short warm-up of each path (page tables, caches, the stap modules'
# first load) that is not measured.
for c in "$@"; do
	case $c in stap:*) ;; *) continue ;; esac
	stap_start "${c#stap:}" /tmp/warm.out
	[ -n "${KPLINE:-}" ] || { KPLINE=$(grep stap_mmio_event $KPROBES | head -n1); echo "kprobe $KPLINE"; }
	timed loop 100 >/dev/null
	stap_stop "${c#stap:}"
	rm -f /tmp/warm.out*
done

r=1
while [ $r -le "$ROUNDS" ]; do
	for c in $(printf '%s\n' "$@" | shuf); do
		run_config "$c" "$r"
	done
	r=$((r + 1))
done

# ---- where the time goes: the runtime's fault-path profile, after the
# timed rounds so that its clock reads never reach a timed figure.
# The accesses handled by each path: emulated, stepped, present_step.
forms_sums() {
	if [ -r $FORMS ]; then
		awk '{ n[$1] += $NF } END { printf "%d %d %d", n["emulated"], n["stepped"], n["present_step"] }' $FORMS
	else
		echo "- - -"
	fi
}
profile_sums() {
	emu=$(stat_of profile_emulate_ns)
	echo "$(stat_of profile_accesses) $(stat_of profile_pre_ns) $(stat_of profile_step_ns) $(stat_of profile_post_ns) $(stat_of profile_consumer_ns) ${emu:--} $(forms_sums)"
}
if [ "$PROFILE_RUN" != 1 ]; then
	echo "profile-absent not asked for (this boot measures no profile)"
elif [ ! -w $PROFILE ]; then
	echo "profile-absent this stap_mmio.ko has no profile parameter"
elif ! stat_of profile_accesses | grep -q '^[0-9]'; then
	echo "profile-absent $STATS has no profile_accesses"
else
	for name in empty printf; do
		case " $* " in *" stap:$name "*) ;; *) continue ;; esac
		stap_start $name /tmp/$name.out
		p0=$(profile_sums)
		echo 1 >$PROFILE
		ns=$(timed_loops)
		echo 0 >$PROFILE
		p1=$(profile_sums)
		stap_stop "$name"
		rm -f "/tmp/$name.out"*
		echo "$ns" | awk -v c="stap:$name" -v acc="$((2 * N * K))" \
		    -v p0="$p0" -v p1="$p1" '{
			n = split($0, t, ","); for (i = 1; i <= n; i++) ns += t[i]
			split(p0, a, " "); split(p1, b, " ")
			printf "profile %s %d %d", c, acc, ns
			for (i = 1; i <= 9; i++)
				printf " %s", b[i] == "-" ? "-" : b[i] - a[i]
			printf "\n"
		}'
	done
fi

# ---- the storms: a printf per access, the output drained by the
# documented consumer.  Ours: staprun -o FILE (stapio drains the
# transport).  mmiotrace: `cat trace_pipe`, default buffer size.
# Counted: events printed for BAR+4; QEMU counts the same window.
echo "buffer_size_kb $(cat $TR/buffer_size_kb)"

# Wait until the files FILE... (a glob) stopped growing for a second: the
# consumer drained what the tracer buffered (at most 60 s).
wait_drained() {
	last=-1 same=0 i=0
	while [ $same -lt 4 ] && [ $i -lt 240 ]; do
		# shellcheck disable=SC2002 # a missing file counts 0 bytes
		now=$(cat "$1" 2>/dev/null | wc -c)
		if [ "$now" = "$last" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		last=$now
		sleep 0.25
		i=$((i + 1))
	done
}

# storm_ours KIND COUNT MARK: one `loop` or `burst` under the printf probe.
storm_ours() {
	stap_start printf /tmp/storm.out
	e0=$(stat_of events)
	lab-mark "$3"
	lab-trace on
	timed "$1" "$2" >/dev/null
	lab-trace off
	e1=$(stat_of events)
	wait_drained "/tmp/storm.out*"
	stap_stop printf
	got=$(cat /tmp/storm.out* | grep -c "^[RW] 4 $off4 ")
	rm -f /tmp/storm.out*
	echo "$got $((e1 - e0)) $(staprun_losses printf)"
}

# storm_mmiotrace KIND COUNT MARK
storm_mmiotrace() {
	mmiotrace_on
	o0=$(sed -n 's/^overrun: //p' $TR/per_cpu/cpu0/stats)
	cat $TR/trace_pipe >/tmp/mmiotrace.out &
	cat_pid=$!
	lab-mark "$3"
	lab-trace on
	timed "$1" "$2" >/dev/null
	lab-trace off
	wait_drained /tmp/mmiotrace.out
	o1=$(sed -n 's/^overrun: //p' $TR/per_cpu/cpu0/stats)
	kill $cat_pid
	wait $cat_pid 2>/dev/null
	mmiotrace_off
	got=$(grep -c "^[RW] 4 [0-9.]* [0-9]* $off4 " /tmp/mmiotrace.out)
	lost=$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' /tmp/mmiotrace.out | awk '{s += $1} END {print s + 0}')
	rm -f /tmp/mmiotrace.out
	echo "$got - overrun:$((o1 - o0)),lost-marks:$lost"
}

# shellcheck disable=SC2046 # a storm's figures, one word each
if [ "$STORM_N" -gt 0 ]; then
	set -- $(storm_ours loop "$STORM_N" storm-ours)
	echo "storm ours $((2 * STORM_N)) $1 $3"
	set -- $(storm_mmiotrace loop "$STORM_N" storm-mmiotrace)
	echo "storm mmiotrace $((2 * STORM_N)) $1 $3"
fi

# shellcheck disable=SC2046 # a storm's figures, one word each
for b in $(echo "$BURSTS" | tr ',' ' '); do
	[ "$b" -gt 0 ] || continue
	set -- $(storm_ours burst "$b" "burst-ours-$b")
	echo "burst ours $b $((2 * b)) $1 $2 $3"
	set -- $(storm_mmiotrace burst "$b" "burst-mmiotrace-$b")
	echo "burst mmiotrace $b $((2 * b)) $1 $2 $3"
done
forms_dump
cat /tmp/forms.records 2>/dev/null
exit 0
