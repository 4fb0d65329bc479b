#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/set-version.sh X.Y.Z ["changelog line"] -- makes X.Y.Z the version
# of dm-remap: writes VERSION, dkms.conf's PACKAGE_VERSION, and a new
# debian/changelog entry. Everything else (the module's MODULE_VERSION and
# target version, CMake's project version, dmremap/dmremapd --version)
# reads VERSION at build time. tests/packaging/version-test.sh checks.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
new=${1:?usage: set-version.sh X.Y.Z [changelog line]}
line=${2:-New version $new.}
[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "set-version: '$new' is not X.Y.Z" >&2; exit 2; }

echo "$new" >"$REPO/VERSION"
sed -i -E "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$new\"/" "$REPO/dkms.conf"
maint=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Maintainer)
{
	printf 'dm-remap (%s) unstable; urgency=medium\n\n  * %s\n\n -- %s  %s\n\n' \
		"$new" "$line" "$maint" "$(date -R)"
	cat "$REPO/debian/changelog"
} >"$REPO/debian/changelog.new"
mv "$REPO/debian/changelog.new" "$REPO/debian/changelog"
echo "set-version: $new in VERSION, dkms.conf and debian/changelog"
