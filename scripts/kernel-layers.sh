#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kernel-layers.sh -- no cycle of calls between the kernel module's
# files. Builds the file-level call graph from the object files (for each
# kernel/dm-remap-*.o: the global symbols it defines and those it leaves
# undefined, from nm; a file that leaves undefined what another defines
# calls into it), drops the edges of the allow-list, and prints every
# group of files that call each other round in a cycle, with the symbols
# of each edge in it.
#
# Usage: scripts/kernel-layers.sh [--objdir DIR] [--allow FILE] [--graph]
#
#   --objdir DIR  where the dm-remap-*.o files are (default kernel/, built
#                 first with `make -s module` when a source is newer than
#                 its object)
#   --allow FILE  edges allowed to close a cycle (default
#                 scripts/kernel-layers-allow.txt): one per line,
#                 `<from> -> <to>: <reason>`, files named without the
#                 dm-remap- prefix and .o suffix; # starts a comment
#   --graph       print every edge (`from -> to: symbols`) first
#
# Exit status: 0 no cycle, 1 a cycle (printed), 2 usage or build problem.
# An allow-list entry that matches no edge is reported and fails too, so
# that the list shrinks when a cycle goes away.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
objdir=
allow=$REPO/scripts/kernel-layers-allow.txt
graph=0

die() { echo "kernel-layers.sh: $*" >&2; exit 2; }

while (($#)); do
	case $1 in
	--objdir) objdir=${2:?--objdir needs a directory}; shift ;;
	--allow) allow=${2:?--allow needs a file}; shift ;;
	--graph) graph=1 ;;
	-h|--help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

# The module's objects, built when missing or older than a source.
stale() {
	local c o
	for c in "$REPO"/kernel/dm-remap-*.c; do
		o=${c%.c}.o
		[[ -f $o ]] || return 0
		[[ $o -nt $c ]] || return 0
		[[ $(find "$REPO/kernel" -name 'dm-remap-*.h' -newer "$o" -print -quit) == "" ]] ||
			return 0
	done
	return 1
}
if [[ -z $objdir ]]; then
	objdir=$REPO/kernel
	if stale; then
		echo "kernel-layers.sh: building the module (make -s module)" >&2
		make -s -C "$REPO" module >&2 || die "make module failed"
	fi
fi
[[ -d $objdir ]] || die "no directory $objdir"
[[ -f $allow ]] || die "no allow-list $allow"
command -v nm >/dev/null || die "nm is missing (package binutils)"

shopt -s nullglob
objs=("$objdir"/dm-remap-*.o)
((${#objs[@]})) || die "no dm-remap-*.o in $objdir"

# "<file> D <symbol>" and "<file> U <symbol>" lines for every object.
symbols() {
	local o f
	for o in "${objs[@]}"; do
		f=$(basename "$o" .o)
		f=${f#dm-remap-}
		# the linked module and its .mod.o are not source files
		[[ $f == *.mod || $f == *.* ]] && continue
		nm "$o" | awk -v f="$f" '
			$1 == "U" { print f, "U", $2; next }
			NF == 3 && $2 ~ /^[TDRBCGSVW]$/ { print f, "D", $3 }'
	done
}

symbols | awk -v allow="$allow" -v graph="$graph" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
BEGIN {
	while ((getline line < allow) > 0) {
		n++
		sub(/#.*/, "", line)
		if (trim(line) == "")
			continue
		if (!match(line, /^[ \t]*[A-Za-z0-9_-]+[ \t]*->[ \t]*[A-Za-z0-9_-]+[ \t]*:/) ||
		    trim(substr(line, RSTART + RLENGTH)) == "") {
			printf "kernel-layers.sh: %s:%d: not `<from> -> <to>: <reason>`\n", allow, n > "/dev/stderr"
			bad = 1
			continue
		}
		split(substr(line, 1, RLENGTH - 1), p, "->")
		allowed[trim(p[1]) SUBSEP trim(p[2])] = n
	}
}
$2 == "D" { def[$3] = $1; files[$1] = 1; next }
$2 == "U" { use[++nu] = $1 SUBSEP $3; files[$1] = 1 }
END {
	if (bad)
		exit 2
	for (i = 1; i <= nu; i++) {
		split(use[i], u, SUBSEP)
		if (!(u[2] in def) || def[u[2]] == u[1])
			continue
		e = u[1] SUBSEP def[u[2]]
		if (e in syms)
			syms[e] = syms[e] " " u[2]
		else
			syms[e] = u[2]
	}
	nf = 0
	for (f in files)
		name[++nf] = f
	# sorted file names, for stable output
	for (i = 2; i <= nf; i++)
		for (j = i; j > 1 && name[j - 1] > name[j]; j--) {
			t = name[j]; name[j] = name[j - 1]; name[j - 1] = t
		}
	if (graph)
		for (i = 1; i <= nf; i++)
			for (j = 1; j <= nf; j++)
				if ((name[i] SUBSEP name[j]) in syms)
					printf "%s -> %s: %s%s\n", name[i], name[j],
					       syms[name[i] SUBSEP name[j]],
					       ((name[i] SUBSEP name[j]) in allowed) ? " (allowed)" : ""
	status = 0
	for (e in allowed)
		if (!(e in syms)) {
			split(e, p, SUBSEP)
			printf "kernel-layers.sh: %s:%d: %s -> %s calls nothing: remove the entry\n",
			       allow, allowed[e], p[1], p[2]
			status = 1
		}
	# reach[i,j]: a path of not allowed edges from i to j (Warshall)
	for (i = 1; i <= nf; i++)
		for (j = 1; j <= nf; j++) {
			e = name[i] SUBSEP name[j]
			reach[i, j] = (e in syms) && !(e in allowed)
		}
	for (k = 1; k <= nf; k++)
		for (i = 1; i <= nf; i++)
			if (reach[i, k])
				for (j = 1; j <= nf; j++)
					if (reach[k, j])
						reach[i, j] = 1
	# each group of files on a common cycle, once, with its edges
	for (i = 1; i <= nf; i++) {
		if (done[i] || !reach[i, i])
			continue
		members = ""
		for (j = 1; j <= nf; j++)
			if (reach[i, j] && reach[j, i]) {
				done[j] = 1
				in_group[j] = i
				members = members " " name[j]
			}
		printf "cycle among:%s\n", members
		for (a = 1; a <= nf; a++)
			for (b = 1; b <= nf; b++) {
				e = name[a] SUBSEP name[b]
				if (in_group[a] == i && in_group[b] == i && (e in syms) && !(e in allowed))
					printf "  %s -> %s: %s\n", name[a], name[b], syms[e]
			}
		status = 1
	}
	if (!status)
		printf "kernel-layers: no cycle among %d files\n", nf
	exit status
}'
