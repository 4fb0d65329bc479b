#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` and `make uninstall` with DESTDIR and PREFIX: the files
# installed are exactly the expected ones (programs, man pages, completion,
# the daemon's unit, the monitoring files but not their tests, the
# module's DKMS source tree under /usr/src/dm-remap-<version>/ whatever the
# prefix), the DKMS tree is complete (every kernel source, and dkms.conf),
# and uninstall leaves nothing behind, for PREFIX=/usr (the packages' layout)
# and a local prefix.
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the installed tree must hold, relative to DESTDIR.
expected() { # prefix unit_dir
	local p=${1#/} u=${2#/}
	echo "$p/sbin/dmremap"
	echo "$p/sbin/dmremapd"
	echo "$p/share/man/man8/dmremap.8"
	echo "$p/share/man/man8/dmremapd.8"
	echo "$p/share/man/man7/dm-remap.7"
	echo "$p/share/bash-completion/completions/dmremap"
	echo "$p/share/bash-completion/completions/dmremapd"
	echo "$u/dmremapd.service"
	echo "$p/share/dmremap/README.md"
	echo "$p/share/dmremap/prometheus/dmremap-rules.yml"
	echo "$p/share/dmremap/grafana/dmremap-dashboard.json"
	local d=usr/src/dm-remap-$VERSION
	echo "$d/dkms.conf"
	echo "$d/VERSION"
	echo "$d/Kbuild"
	echo "$d/kernel/Kbuild"
	(cd "$SRC" && ls kernel/*.c kernel/*.h) | sed "s|^|$d/|"
	echo "$d/include/uapi/dm-remap.h"
}

check_prefix() { # prefix unit_dir
	local prefix=$1 dest=$tmp/root diff
	rm -rf "$dest"
	make -s -C "$SRC" BUILD="$BUILD" PREFIX="$prefix" DESTDIR="$dest" install >"$tmp/install.log" 2>&1 ||
		{ cat "$tmp/install.log" >&2; fail "make install PREFIX=$prefix failed"; return; }
	diff=$(diff <(expected "$prefix" "$2" | sort) <(cd "$dest" && find . ! -type d | sed 's|^\./||' | sort)) ||
		fail "PREFIX=$prefix: installed files differ from the expected ones (< missing, > extra):"$'\n'"$diff"

	[[ -x $dest$prefix/sbin/dmremap ]] || fail "PREFIX=$prefix: dmremap is not executable"
	[[ $("$dest$prefix/sbin/dmremap" --version) == "dmremap $VERSION" ]] ||
		fail "PREFIX=$prefix: the installed dmremap is not this version"
	[[ $("$dest$prefix/sbin/dmremapd" --version) == "dmremapd $VERSION" ]] ||
		fail "PREFIX=$prefix: the installed dmremapd is not this version"
	cmp -s "$SRC/dkms.conf" "$dest/usr/src/dm-remap-$VERSION/dkms.conf" ||
		fail "PREFIX=$prefix: the installed dkms.conf differs from the tree's"

	make -s -C "$SRC" BUILD="$BUILD" PREFIX="$prefix" DESTDIR="$dest" uninstall >"$tmp/uninstall.log" 2>&1 ||
		{ cat "$tmp/uninstall.log" >&2; fail "make uninstall PREFIX=$prefix failed"; return; }
	left=$(cd "$dest" && find . -mindepth 1)
	[[ -z $left ]] || fail "PREFIX=$prefix: uninstall left behind:"$'\n'"$left"
}

check_prefix /usr /lib/systemd/system
check_prefix /opt/dmremap /opt/dmremap/lib/systemd/system

# Uninstalling removes only our files: a stranger in a shared directory stays.
dest=$tmp/root
rm -rf "$dest"
mkdir -p "$dest/usr/sbin"
touch "$dest/usr/sbin/other-tool"
make -s -C "$SRC" BUILD="$BUILD" PREFIX=/usr DESTDIR="$dest" install >/dev/null 2>&1 || fail "make install failed"
make -s -C "$SRC" BUILD="$BUILD" PREFIX=/usr DESTDIR="$dest" uninstall >/dev/null 2>&1 || fail "make uninstall failed"
[[ -f $dest/usr/sbin/other-tool ]] || fail "uninstall removed a file it did not install"
[[ ! -e $dest/usr/sbin/dmremap ]] || fail "uninstall left dmremap"

finish
