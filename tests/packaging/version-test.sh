#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One version: the VERSION file. Checks that everything reporting a version
# agrees with it: dkms.conf, debian/changelog, dmremap --version (CMake's
# project version through the generated version.hpp), dmremapd --version
# once the daemon is built, and the kernel module built from this tree
# (MODULE_VERSION and the target version come from kernel/Kbuild).
source "$(dirname "$0")/lib.sh"

[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "VERSION holds '$VERSION', not MAJOR.MINOR.PATCH"

# dkms.conf is sourced by dkms as shell: read it the same way.
dkms_version=$(bash -c 'source "$1" && echo "$PACKAGE_VERSION"' _ "$SRC/dkms.conf")
[[ $dkms_version == "$VERSION" ]] || fail "dkms.conf PACKAGE_VERSION is '$dkms_version', VERSION is '$VERSION'"
dkms_name=$(bash -c 'source "$1" && echo "$PACKAGE_NAME"' _ "$SRC/dkms.conf")
[[ $dkms_name == dm-remap ]] || fail "dkms.conf PACKAGE_NAME is '$dkms_name'"

deb_version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
[[ $deb_version == "$VERSION" ]] ||
	fail "debian/changelog is at '$deb_version', VERSION is '$VERSION' (scripts/set-version.sh)"

cli=$("$BUILD/bin/dmremap" --version)
[[ $cli == "dmremap $VERSION" ]] || fail "dmremap --version says '$cli'"

if [[ -x $BUILD/bin/dmremapd ]]; then
	daemon=$("$BUILD/bin/dmremapd" --version)
	[[ $daemon == *" $VERSION" || $daemon == "$VERSION" ]] || fail "dmremapd --version says '$daemon'"
fi

# The module: if it was built, from this VERSION (kbuild rebuilds the
# target object when the version flags change).
ko=$SRC/kernel/dm-remap.ko
if [[ -f $ko ]]; then
	if [[ $ko -nt $SRC/VERSION ]]; then
		modver=$(/sbin/modinfo -F version "$ko")
		[[ $modver == "$VERSION" ]] || fail "kernel/dm-remap.ko has version '$modver'"
	else
		echo "note: kernel/dm-remap.ko is older than VERSION; not checked (make module)"
	fi
fi
grep -q 'DM_REMAP_VERSION_MAJOR' "$SRC/kernel/dm-remap-target.c" ||
	fail "the target's version in dm-remap-target.c does not come from VERSION"

# No other copy of the version may creep in where it should be derived.
if grep -nE 'VERSION[[:space:]]+[0-9]+\.[0-9]+\.[0-9]+' "$SRC/CMakeLists.txt"; then
	fail "CMakeLists.txt spells out a version; it must read VERSION"
fi

finish
