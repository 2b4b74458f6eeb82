# tapset-man.awk - the man pages of a tapset, from its kernel-doc comments,
# in the shape SystemTap gives its own (function::NAME(3stap) per function,
# tapset::TAPSET(3stap) listing them).
#
# usage: awk -v out=DIR -v tapset=mmio -v version=V -f tapset-man.awk FILE.stp
#
# A documented function is a comment block
#   /**
#    * sfunction NAME - SUMMARY
#    * @ARG: TEXT            (continued on more-indented lines)
#    *
#    * Description: TEXT    (to the end of the block)
#    */
# followed by its "function NAME:TYPE(ARGS)" header (possibly on several
# lines, up to the closing parenthesis).

function esc(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/-/, "\\-", s)
	return s
}
function line(s) {
	s = esc(s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}
function reset() {
	name = ""; summary = ""; nargs = 0; desc = ""; where = ""; sig = ""
	delete argname; delete argtext
}
function emit(   f, i, u) {
	u = toupper("function::" name)
	f = out "/function::" name ".3stap"
	print ".\\\" generated from the " tapset " tapset's comments by doc/tapset-man.awk" > f
	printf ".TH \"%s\" 3stap \"\" \"stap-mmio %s\" \"kernel.mmio tapset\"\n", u, version > f
	print ".SH NAME" > f
	print "function::" name " \\- " esc(summary) > f
	print ".SH SYNOPSIS" > f
	print ".nf" > f
	print "    " esc(sig) > f
	print ".fi" > f
	if (nargs) {
		print ".SH ARGUMENTS" > f
		for (i = 1; i <= nargs; i++) {
			print ".PP" > f
			print "\\fI" esc(argname[i]) "\\fR" > f
			print ".RS 4" > f
			print line(argtext[i]) > f
			print ".RE" > f
		}
	}
	if (desc != "") {
		print ".SH DESCRIPTION" > f
		print ".PP" > f
		print line(desc) > f
	}
	print ".SH SEE ALSO" > f
	print ".IR tapset::" tapset " (3stap)," > f
	print ".IR stapprobes.mmio (3stap)" > f
	close(f)
	n++
	names[n] = name
	summaries[n] = summary
}
BEGIN { reset(); state = "" }
/^\/\*\*[ \t]*$/ { state = "doc"; reset(); next }
state == "doc" && /^[ \t]*\*\// { state = (name != "") ? "sig" : ""; next }
state == "doc" {
	l = $0
	sub(/^[ \t]*\*[ \t]?/, "", l)
	if (l ~ /^sfunction /) {
		sub(/^sfunction /, "", l)
		name = l; sub(/ - .*/, "", name)
		summary = l; sub(/^[^ ]* - /, "", summary)
		where = ""
	} else if (l ~ /^@[A-Za-z_0-9]+:/) {
		nargs++
		argname[nargs] = substr(l, 2, index(l, ":") - 2)
		t = substr(l, index(l, ":") + 1); sub(/^[ \t]+/, "", t)
		argtext[nargs] = t
		where = "arg"
	} else if (l ~ /^Description:/) {
		t = l; sub(/^Description:[ \t]*/, "", t)
		desc = t
		where = "desc"
	} else if (l ~ /^[ \t]*$/) {
		if (where == "arg") where = ""
		else if (where == "desc") desc = desc "\n.PP\n"
	} else if (where == "arg") {
		sub(/^[ \t]+/, "", l)
		argtext[nargs] = argtext[nargs] " " l
	} else if (where == "desc") {
		desc = desc (desc ~ /\n$/ || desc == "" ? "" : " ") l
	}
	next
}
state == "sig" {
	l = $0
	sub(/^[ \t]+/, "", l)
	if (sig == "") {
		if (l !~ /^function /) { state = ""; next }
		sub(/^function /, "", l)
	}
	sig = sig (sig == "" || sig ~ /[(,]$/ ? "" : " ") l
	gsub(/,[ \t]*/, ", ", sig)
	if (sig ~ /\)/) {
		sub(/\).*/, ")", sig)
		emit()
		state = ""
	}
	next
}
END {
	f = out "/tapset::" tapset ".3stap"
	print ".\\\" generated from the " tapset " tapset's comments by doc/tapset-man.awk" > f
	printf ".TH \"TAPSET::%s\" 3stap \"\" \"stap-mmio %s\" \"kernel.mmio tapset\"\n", toupper(tapset), version > f
	print ".SH NAME" > f
	print "tapset::" tapset " \\- the kernel.mmio tapset: session glue and helper functions" > f
	print ".SH DESCRIPTION" > f
	print "The functions a script using" > f
	print ".B kernel.mmio" > f
	print "probes (see" > f
	print ".BR stapprobes.mmio (3stap))" > f
	print "may call." > f
	for (i = 1; i <= n; i++) {
		print ".TP" > f
		print ".B " esc(names[i]) > f
		print esc(summaries[i]) > f
		print ".IP" > f
		print "See" > f
		print ".IR function::" names[i] " (3stap)" > f
		print "for details." > f
	}
	print ".SH SEE ALSO" > f
	print ".BR stapprobes.mmio (3stap)," > f
	print ".BR stap (1)" > f
	close(f)
}
