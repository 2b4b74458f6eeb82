# translator-lib.tcl - helpers of the translator-*.exp tests (sourced).
#
# translator_host_build
#     Compiles the front end (translator/*.cxx) and the unit tests with the
#     host's g++ into translator-work/ under the test output directory,
#     once per runtest run.  Returns 1 on success; sets translator_fe (the
#     front end) and translator_unit (the unit test program).  The front
#     end's built-in real stap is a path that does not exist: tests point
#     STAP_MMIO_REAL_STAP at what they want run.
# translator_run ENV ARGS ?STDIN?
#     Runs the host front end with the environment additions ENV (a dict)
#     and the argument list ARGS, STDIN (bytes) on its standard input.
#     Returns a dict: rc, out (stdout), err (stderr).
# translator_recorder DIR
#     Writes DIR/record.sh, a stand-in for the real stap that stores its
#     argv (NUL-separated, in DIR/argv), its stdin (DIR/stdin) and, for
#     every argument naming a readable file, nothing else; returns its path.
# translator_read_bytes PATH
#     The file's bytes (binary).

if {![info exists translator_built]} {
    set translator_built ""
    set translator_fe ""
    set translator_unit ""
}

proc translator_workdir {} {
    set d [file normalize [pwd]]/translator-work
    file mkdir $d
    return $d
}

proc translator_host_build {} {
    global translator_built translator_fe translator_unit TOP_SRCDIR
    if {$translator_built ne ""} {
	return [expr {$translator_built eq "ok"}]
    }
    set translator_built failed
    set w [translator_workdir]
    set t $TOP_SRCDIR/translator
    set pass {}
    foreach f {token lexer preprocessor script_parser context_vars diagnostics mmio_point mmio_address_point mmio_pci_point mmio_driver_point mmio_probes listing command_line} {
	lappend pass $t/$f.cxx
    }
    set flags {-std=c++17 -O1 -g -Wall}
    if {[catch {exec g++ {*}$flags {-DREAL_STAP="/nonexistent/real-stap"} \
		    {-DSTAP_MMIO_TAPSETDIR="/nonexistent/tapset"} -o $w/stap \
		    $t/stap_front_end.cxx $t/kernel_target.cxx {*}$pass 2>@1} out]} {
	perror "translator: g++ of the front end failed: $out"
	fail "translator host build"
	return 0
    }
    if {[catch {exec g++ {*}$flags -o $w/unit_tests $t/tests/unit_tests.cxx {*}$pass 2>@1} out]} {
	perror "translator: g++ of the unit tests failed: $out"
	fail "translator host build"
	return 0
    }
    set translator_fe $w/stap
    set translator_unit $w/unit_tests
    set translator_built ok
    return 1
}

proc translator_run {envs argv {stdin ""}} {
    global translator_fe
    set w [translator_workdir]
    set saved {}
    foreach {k v} $envs {
	if {[info exists ::env($k)]} {
	    lappend saved $k 1 $::env($k)
	} else {
	    lappend saved $k 0 ""
	}
	set ::env($k) $v
    }
    set in $w/stdin.bin
    set f [open $in wb]
    puts -nonewline $f $stdin
    close $f
    set rc 0
    if {[catch {exec $translator_fe {*}$argv <$in >$w/out.txt 2>$w/err.txt} msg opts]} {
	set ec [dict get $opts -errorcode]
	if {[lindex $ec 0] eq "CHILDSTATUS"} {
	    set rc [lindex $ec 2]
	} else {
	    set rc "error: $msg"
	}
    }
    foreach {k had v} $saved {
	if {$had} {
	    set ::env($k) $v
	} else {
	    unset ::env($k)
	}
    }
    return [dict create rc $rc out [translator_read_bytes $w/out.txt] \
		err [translator_read_bytes $w/err.txt]]
}

proc translator_read_bytes {path} {
    set f [open $path rb]
    set d [read $f]
    close $f
    return $d
}

proc translator_recorder {dir} {
    file mkdir $dir
    set f [open $dir/record.sh w]
    puts $f "#!/bin/sh"
    puts $f "# stand-in for the real stap: records argv and stdin"
    puts $f "printf '%s\\0' \"\$@\" > '$dir/argv'"
    puts $f "cat > '$dir/stdin'"
    puts $f "rm -f '$dir/script'"
    puts $f "for a; do case \"\$a\" in */stap-mmio.*/*) cp \"\$a\" '$dir/script';; esac; done"
    puts $f "exit 0"
    close $f
    file attributes $dir/record.sh -permissions 0755
    return $dir/record.sh
}
