#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# promtool.sh ARGS... -- runs promtool ARGS, or exits 77 (a skip for ctest)
# when promtool is not installed (Debian package prometheus, listed in
# userspace/deps.txt so that `make deps` installs it).
if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool.sh: promtool is not installed (Debian package prometheus): skipped" >&2
	exit 77
fi
exec promtool "$@"
