#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS source tree that `make install` puts under /usr/src works with
# dkms: `dkms add`, `build` and `install` for the installed Debian kernel
# put dm-remap.ko, of this VERSION and built for that kernel, into
# updates/dkms/ of the module tree. Everything happens in scratch trees
# (--sourcetree, --dkmstree, --installtree): the host's DKMS state is not
# touched. Needs root, dkms and the kernel headers (exit 77: skipped).
# Loading the module is checked in the VM (tests/integration/scenarios/90-packages.sh).
source "$(dirname "$0")/lib.sh"

kver=$("$SRC/tests/integration/vm/kver.sh" 2>/dev/null || true)
if ((EUID != 0)) || ! command -v dkms >/dev/null || [[ -z $kver || ! -d /lib/modules/$kver/build ]]; then
	echo "skipped: needs root, dkms and the headers of the installed kernel"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$SRC" BUILD="$BUILD" PREFIX=/usr DESTDIR="$tmp/root" install >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "make install failed"; finish; }

mkdir -p "$tmp/dkms" "$tmp/modules/$kver"
trees=(--sourcetree "$tmp/root/usr/src" --dkmstree "$tmp/dkms")
for action in add build install; do
	extra=()
	[[ $action == add ]] || extra=(-k "$kver")
	[[ $action == install ]] && extra+=(--installtree "$tmp/modules")
	if ! dkms "$action" -m dm-remap -v "$VERSION" "${trees[@]}" "${extra[@]}" >"$tmp/$action.log" 2>&1; then
		cat "$tmp/$action.log" >&2
		find "$tmp/dkms" -name make.log -exec tail -n 30 {} + >&2 2>/dev/null || true
		fail "dkms $action failed"
		finish
	fi
done

ko=$tmp/modules/$kver/updates/dkms/dm-remap.ko
if [[ -f $ko ]]; then
	[[ $(/sbin/modinfo -F version "$ko") == "$VERSION" ]] || fail "the DKMS module's version is not $VERSION"
	[[ $(/sbin/modinfo -F vermagic "$ko") == "$kver "* ]] || fail "the DKMS module is not built for $kver"
	[[ $(/sbin/modinfo -F name "$ko") == dm_remap ]] || fail "the DKMS module is not named dm_remap"
else
	fail "dkms install did not put dm-remap.ko in updates/dkms/: $(cd "$tmp/modules" && find . -name '*.ko')"
fi
status=$(dkms status -m dm-remap "${trees[@]}")
[[ $status == *"dm-remap/$VERSION, $kver"*installed* ]] || fail "dkms status says '$status'"

dkms remove -m dm-remap -v "$VERSION" --all "${trees[@]}" --installtree "$tmp/modules" >/dev/null 2>&1 ||
	fail "dkms remove failed"
[[ ! -e $ko ]] || fail "dkms remove left $ko"

finish
