#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages render without a warning (groff -man -ww), and say what the
# programs' --help says: every command of `dmremap` has its synopsis line
# in dmremap(8), and every option that `dmremap [COMMAND...] --help` (and
# `dmremapd --help`) lists appears in the page.
source "$(dirname "$0")/lib.sh"

for page in "$SRC"/man/*.[0-9]; do
	warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1) || fail "groff failed on $page"
	[[ -z $warnings ]] || fail "groff warns about ${page##*/}: $warnings"
done

# The page's source with its escapes undone: \- is -, fonts go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(dq/"/g' "$1"; }

# check_options PROGRAM PAGE [COMMAND...]: every option of that (sub)command.
check_options() {
	local prog=$1 page=$2 text opt
	shift 2
	text=$(plain "$page")
	while read -r opt; do
		[[ -n $opt ]] || continue
		grep -qE -- "(^|[^-A-Za-z0-9])$opt([^-A-Za-z0-9]|$)" <<<"$text" ||
			fail "${page##*/} does not mention $opt of '${prog##*/} $*'"
	done < <(help_options "$("$prog" "$@" --help)")
}

dmremap=$BUILD/bin/dmremap
page=$SRC/man/dmremap.8
ncommands=0
while read -r path; do
	read -r -a words <<<"$path"
	check_options "$dmremap" "$page" "${words[@]}"
	[[ -n $path ]] || continue
	ncommands=$((ncommands + 1))
	# Each command that takes no further subcommand has its synopsis line.
	[[ -n $(help_section "$("$dmremap" "${words[@]}" --help)" Subcommands) ]] && continue
	grep -qxF ".B dmremap $path" <(plain "$page") ||
		fail "dmremap.8 has no synopsis line '.B dmremap $path'"
done < <(command_paths "$dmremap")
((ncommands >= 8)) || fail "found only $ncommands commands in dmremap --help: is its layout still CLI11's?"

[[ -x $BUILD/bin/dmremapd ]] || fail "no $BUILD/bin/dmremapd: build it first"
check_options "$BUILD/bin/dmremapd" "$SRC/man/dmremapd.8"

finish
