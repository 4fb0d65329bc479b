#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages every part of dm-remap needs to build, test
# and demo on a fresh Debian 12 machine: the kernel image and headers of the
# same version (the module is built for, and tested in a VM booting, that
# kernel), linux-source for KUnit and checkpatch, QEMU, the userspace
# libraries and the test tools. Does nothing when all are present.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# One package per line in each deps.txt; '#' starts a comment.
mapfile -t wanted < <(cat "$REPO"/scripts/deps.txt "$REPO"/tests/kunit/deps.txt \
	"$REPO"/tests/integration/deps.txt "$REPO"/userspace/deps.txt 2>/dev/null |
	sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)

missing=()
for pkg in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#wanted[@]} packages present"
	exit 0
fi
if ((EUID != 0)); then
	echo "install-deps: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# linux-image-amd64 and linux-headers-amd64 come from the same upload, so
# installing them together gives an image and headers of one version.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
