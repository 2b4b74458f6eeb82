#!/bin/sh
# summarize.sh SUMFILE: print the counts of a DejaGnu .sum file as one line
#   N passed, N failed[, N skipped]
# passed: PASS XFAIL KFAIL; failed: FAIL XPASS KPASS UNRESOLVED (DejaGnu
# records a test file that died of a Tcl error as UNRESOLVED, and a perror
# turns the next result UNRESOLVED, so ERROR lines are not counted again);
# skipped (printed when any): UNSUPPORTED UNTESTED.
# Exits 1 when anything failed, or when the .sum is missing or ran nothing.
sum=$1
if [ ! -f "$sum" ]; then
	echo "summarize: no $sum: runtest did not run" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
awk '
/^(PASS|XFAIL|KFAIL):/ { p++ }
/^(FAIL|XPASS|KPASS|UNRESOLVED):/ { f++ }
/^(UNSUPPORTED|UNTESTED):/ { s++ }
END {
	line = sprintf("%d passed, %d failed", p, f)
	if (s) line = line sprintf(", %d skipped", s)
	print line
	exit (f > 0 || p + s == 0) ? 1 : 0
}' "$sum"
