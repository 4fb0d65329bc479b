#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/uninstall.sh BUILD_DIR -- removes what `cmake --install BUILD_DIR`
# installs (`make uninstall` runs it), under $DESTDIR if set.
#
# The list of files is not a manifest left by an earlier install (which may
# be stale or from another DESTDIR): it comes from installing the same build
# into a scratch directory now. Afterwards the directories of our own
# (dmremap, dm-remap-<version>) are removed; under a DESTDIR, every directory
# the install created that is left empty is removed too, so that a staged
# install and uninstall leave nothing.
set -euo pipefail

build=${1:?usage: uninstall.sh BUILD_DIR}
dest=${DESTDIR:-}
dest=${dest%/}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage cmake --install "$build" >/dev/null

removed=0
while IFS= read -r -d '' f; do
	f=${f#"$stage"}
	if [[ -e $dest$f || -L $dest$f ]]; then
		rm -f -- "$dest$f"
		echo "-- Removed: $dest$f"
		removed=$((removed + 1))
	fi
done < <(find "$stage" ! -type d -print0)

# Deepest first, so a parent is tried after its children.
while IFS= read -r -d '' d; do
	d=${d#"$stage"}
	[[ -n $d && -d $dest$d ]] || continue
	case ${d##*/} in
	dmremap | dm-remap-*) rmdir --ignore-fail-on-non-empty -- "$dest$d" ;;
	*) [[ -z $dest ]] || rmdir --ignore-fail-on-non-empty -- "$dest$d" ;;
	esac
done < <(find "$stage" -mindepth 1 -depth -type d -print0)
echo "uninstall: removed $removed files"
