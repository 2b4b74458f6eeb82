#!/bin/sh
# guest-bench.sh - the guest half of `make bench` (run-bench is the host
# half).  Runs in the lab guest as root, in one boot.
#
# usage: guest-bench.sh DIR BAR N ROUNDS STORM_N CONFIG...
#   DIR      where the modules were put: stap_mmio.ko, mmio_exerciser.ko,
#            and one stap module NAME.ko per stap configuration
#   BAR      the edu BAR's physical address the stap modules were compiled
#            for; the run stops (exit 4, "bar-mismatch ACTUAL") when the
#            guest's differs
#   N        the exerciser's `loop N` count (2N accesses per measurement)
#   ROUNDS   rounds; every round runs every CONFIG once, in a shuffled order
#   STORM_N  the storm test's `loop` count (0: no storm test)
#   CONFIG   untraced | mmiotrace | stap:NAME (the module DIR/NAME.ko)
#
# Output, one record a line (run-bench parses it; anything else is chatter):
#   bar PHYS
#   result CONFIG ROUND NS_TOTAL ACCESSES EVENTS HANDLED
#       EVENTS: events the runtime delivered during the loop (stats
#       counter delta), "-" for untraced and mmiotrace; HANDLED: what the
#       script's handler saw (printf: lines for the register; agg: the
#       sum of its @count()s), "-" where the handler leaves no trace
#   kprobe LINE   the kprobe stap registered on stap_mmio_event, as
#       /sys/kernel/debug/kprobes/list shows it (once)
#   storm ours|mmiotrace MADE REPORTED LOST_NOTE
#   error TEXT
# QEMU's own count of the storm windows is in the run's qemu-trace, after
# the markers "# mark storm-ours" and "# mark storm-mmiotrace".
set -u
DIR=$1 BAR=$2 N=$3 ROUNDS=$4 STORM_N=$5
shift 5
EX=/sys/kernel/debug/mmio_exerciser
TR=/sys/kernel/tracing
STATS=/sys/kernel/debug/stap_mmio/stats

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

# One timed `loop N`: prints the loop's ns.
timed_loop() {
	ex clear
	ex "loop $1"
	sed -n 's/^# loop .* ns=\([0-9]*\)$/\1/p' $EX/log
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
	staprun -o "$out" "$DIR/$name.ko" >/tmp/staprun.$name.log 2>&1 &
	STAP_PID=$!
	i=0
	while [ "$(stat_of armed_pages)" -le "$before" ] ||
	      ! grep -q stap_mmio_event $KPROBES; do
		kill -0 $STAP_PID 2>/dev/null ||
			err "staprun $name.ko exited before arming: $(tr '\n' ' ' </tmp/staprun.$name.log)"
		i=$((i + 1))
		[ $i -le 1200 ] || err "staprun $name.ko: nothing armed after 120 s"
		sleep 0.1
	done
}

stap_stop() {
	kill -INT $STAP_PID
	wait $STAP_PID
	rc=$?
	[ $rc = 0 ] || echo "note staprun $1 exit $rc: $(tr '\n' ' ' </tmp/staprun.$1.log)"
	STAP_PID=
	# the module is gone once staprun returned; wait for the pages too
	i=0
	while [ "$(stat_of sessions)" != 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# The kernel's tracer traces only mappings made while it is on.
mmiotrace_on() {
	ex unmap
	echo mmiotrace >$TR/current_tracer || err "cannot enable the mmiotrace tracer"
	ex map
}
mmiotrace_off() {
	ex unmap
	echo nop >$TR/current_tracer
	ex map
}

run_config() {
	c=$1 r=$2
	case $c in
	untraced)
		ns=$(timed_loop $N)
		echo "result $c $r $ns $((2 * N)) - -"
		;;
	mmiotrace)
		mmiotrace_on
		ns=$(timed_loop $N)
		mmiotrace_off
		echo "result $c $r $ns $((2 * N)) - -"
		;;
	stap:*)
		name=${c#stap:}
		stap_start $name /tmp/$name.out
		e0=$(stat_of events)
		ns=$(timed_loop $N)
		e1=$(stat_of events)
		stap_stop $name
		case $name in
		printf) h=$(cat /tmp/$name.out* | grep -c "^[RW] 4 ") ;;
		agg) h=$(cat /tmp/$name.out* | awk '/^type [12]: / {s += $3} END {print s + 0}') ;;
		*) h=- ;;
		esac
		echo "result $c $r $ns $((2 * N)) $((e1 - e0)) $h"
		rm -f /tmp/$name.out*
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
	stap_start ${c#stap:} /tmp/warm.out
	[ -n "${KPLINE:-}" ] || { KPLINE=$(grep stap_mmio_event $KPROBES | head -n1); echo "kprobe $KPLINE"; }
	timed_loop 100 >/dev/null
	stap_stop ${c#stap:}
	rm -f /tmp/warm.out*
done

r=1
while [ $r -le "$ROUNDS" ]; do
	for c in $(printf '%s\n' "$@" | shuf); do
		run_config $c $r
	done
	r=$((r + 1))
done

[ "$STORM_N" -gt 0 ] || exit 0

# ---- storm: accesses as fast as the loop makes them, a printf per access,
# the output drained while it runs.  Ours: staprun -o FILE (stapio drains
# the transport).  mmiotrace: `cat trace_pipe` (the documented way),
# default buffer size.  Counted: events printed for BAR+4.
off4=$(printf '0x%x' $((phys + 4)))
stap_start printf /tmp/storm.out
lab-mark storm-ours
lab-trace on
timed_loop $STORM_N >/dev/null
lab-trace off
sleep 2
stap_stop printf
got=$(cat /tmp/storm.out* | grep -c "^[RW] 4 $off4 ")
echo "storm ours $((2 * STORM_N)) $got transport:$(grep -c -i 'transport failure\|lost\|drop' /tmp/staprun.printf.log)"
rm -f /tmp/storm.out*

echo "buffer_size_kb $(cat $TR/buffer_size_kb)"
mmiotrace_on
cat $TR/trace_pipe >/tmp/mmiotrace.out &
cat_pid=$!
lab-mark storm-mmiotrace
lab-trace on
timed_loop $STORM_N >/dev/null
lab-trace off
sleep 2
overrun=$(sed -n 's/^overrun: //p' $TR/per_cpu/cpu0/stats)
kill $cat_pid
wait $cat_pid 2>/dev/null
mmiotrace_off
got=$(grep -c "^[RW] 4 [0-9.]* [0-9]* $off4 " /tmp/mmiotrace.out)
lost=$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' /tmp/mmiotrace.out | awk '{s += $1} END {print s + 0}')
echo "storm mmiotrace $((2 * STORM_N)) $got overrun:$overrun,lost-marks:$lost"
exit 0
