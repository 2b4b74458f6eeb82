# index-gen.awk - SystemTap's examples index (index.txt's format) for the
# .meta files given, each entry named DIR/NAME.stp.
#
# usage: awk -v dir=mmio -v version=V -f index-gen.awk *.meta > index.txt
#        awk -v merge=1 -v dir=mmio -f index-gen.awk STAP-INDEX [OUR-INDEX] > NEW
#   (merge: STAP-INDEX without its DIR/ entries, then OUR-INDEX's entries)

function wrap(text, indent,   n, i, w, l, out) {
	n = split(text, w, /[ \t]+/)
	l = ""
	out = ""
	for (i = 1; i <= n; i++) {
		if (w[i] == "") continue
		if (l != "" && length(l) + 1 + length(w[i]) > 70) {
			out = out indent l "\n"
			l = w[i]
		} else
			l = (l == "" ? w[i] : l " " w[i])
	}
	if (l != "") out = out indent l "\n"
	return out
}
function flush_meta() {
	if (m["name"] == "") return
	printf "%s/%s - %s\nkeywords: %s\n\n", dir, m["name"], m["title"], m["keywords"]
	printf "%s\n", wrap(m["description"], "  ")
	cmd = m["test_installcheck"]
	sub(/ -T [0-9]+/, "", cmd)
	if (cmd != "") printf "  # %s\n\n", cmd
	printf "\n"
	delete m
}
BEGIN {
	if (!merge)
		printf "SYSTEMTAP EXAMPLES INDEX: %s/ (stap-mmio %s)\n(SystemTap's own: ../index.txt)\n\n\n", dir, version
}
# ---- index mode
!merge && FNR == 1 && NR > 1 { flush_meta() }
!merge && /^[a-z_]+: / {
	k = $0; sub(/:.*/, "", k)
	v = $0; sub(/^[a-z_]+: /, "", v)
	m[k] = v
	next
}
# ---- merge mode: the real stap's index (first file) without DIR/'s
# entries, then the entries of OUR-INDEX (second file, if any)
merge && FNR == 1 { file++; inentry = 0 }
merge && /^[^ ].*\.stp - / {
	d = $0; sub(/\/.*/, "", d)
	skip = (d == dir)
	inentry = 1
}
merge && file == 1 {
	if (!skip) body = body $0 "\n"
	next
}
merge && file == 2 {
	if (inentry) ours = ours $0 "\n"
	next
}
END {
	if (!merge) { flush_meta(); exit }
	printf "%s%s", body, ours
}
