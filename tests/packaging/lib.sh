# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # VERSION is for the tests that source this
# Sourced by the packaging tests: tests/packaging/<test>.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

SRC=${1:?usage: $0 SOURCE_DIR BUILD_DIR}
BUILD=${2:?usage: $0 SOURCE_DIR BUILD_DIR}
SRC=$(cd "$SRC" && pwd -P)
BUILD=$(cd "$BUILD" && pwd -P)
VERSION=$(<"$SRC/VERSION")
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# Ends the test: exit 1 if anything failed.
finish() {
	if ((failures)); then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
}

# Every command path of a CLI11 program, one per line ("" for the top
# level, then e.g. "create", "metadata", "metadata check"), from --help.
command_paths() { # program [path words...]
	local prog=$1 sub
	shift
	echo "$*"
	while read -r sub; do
		[[ -n $sub ]] && command_paths "$prog" "$@" "$sub"
	done < <(help_section "$("$prog" "$@" --help)" Subcommands | awk '{ print $1 }')
}

# The first column of a --help section (CLI11 layout: "Options:", then
# lines indented by two spaces; a long entry continues on the next line).
help_section() { # help-text section
	awk -v s="$2:" '
		$0 == s { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && /^  [^ ]/ { sub(/^  /, ""); split($0, f, /  +/); print f[1] }
	' <<<"$1"
}

# Option names (-x, --long) of a --help text, one per line.
help_options() { # help-text
	help_section "$1" Options | awk '{ n = split($1, o, ","); for (i = 1; i <= n; i++) print o[i] }'
}
