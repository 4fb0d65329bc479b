# SPDX-License-Identifier: GPL-2.0
#
# Sums a function_graph trace (with funcgraph-tail) per function: prints
# "TOTAL ms CALLS calls MEAN us NAME", unsorted. Lines are
# "CPU) [marks] DURATION us |  name();" or "... |  } /* name */".
# Used by commit-profile.sh and io-profile.sh.
BEGIN { FS = "|" }
NF < 2 { next }
{
	d = $1; sub(/^ *[0-9]+\) */, "", d); gsub(/[+!#*@$ ]/, "", d)
	sub(/us$/, "", d)
	if (d == "" || d !~ /^[0-9.]+$/) next
	f = $2
	if (f ~ /\/\*/) { sub(/.*\/\* */, "", f); sub(/ *\*\/.*/, "", f) }
	else { sub(/^ */, "", f); sub(/\(\);.*/, "", f) }
	sub(/ \[dm_remap\]/, "", f)
	n[f]++; t[f] += d
}
END {
	for (f in n) printf "%10.1f ms %9d calls %9.2f us  %s\n", t[f] / 1000, n[f], t[f] / n[f], f
}
