#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/build-deb.sh [OUTDIR] -- builds the Debian packages dmremap and
# dm-remap-dkms (`make deb`) and runs lintian on them.
#
# dpkg-buildpackage works in, and writes next to, the source tree; so the
# tree (the files git knows, committed or not, or everything but build/
# outside a git checkout) is copied to OUTDIR/src/ first, which keeps the
# repository free of debian/ build leftovers. The .deb, .buildinfo and
# .changes files end up in OUTDIR (default build/deb), lintian's report in
# OUTDIR/lintian.txt; the last line names the packages.
# JOBS (default 2) is passed to dpkg-buildpackage -j.
#
# While it builds it holds an exclusive lock on OUTDIR.lock (build/deb.lock),
# which tests/integration/run.sh takes before it boots the VM that installs
# the packages; DMREMAP_DEB_LOCK_HELD=1 says the caller took it already
# (tests/run-all.sh, which starts this beside the VM).
#
# Exit status: non-zero if the build fails or lintian reports an error or
# a warning that debian/*lintian-overrides does not explain.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out=${1:-$REPO/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
version=$(<"$REPO/VERSION")
src=$out/src/dm-remap-$version

for tool in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$tool" >/dev/null ||
		{ echo "build-deb: $tool not found (make deps installs it)" >&2; exit 1; }
done

if [[ ${DMREMAP_DEB_LOCK_HELD:-} != 1 ]]; then
	exec 8>"$out.lock"
	flock -x 8
fi

rm -rf "$out/src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
	# Tracked and new files, not the ignored ones (build/, objects).
	git -C "$REPO" ls-files -z -co --exclude-standard |
		(cd "$REPO" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		(cd "$REPO" && cpio -0 -pdm --quiet "$src")
else
	tar -C "$REPO" --exclude=./build --exclude=./build-fuzz -cf - . | tar -C "$src" -xf -
fi

echo "build-deb: building in $src" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b -j"${JOBS:-2}") >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; full log: $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out/"

# The two packages (not the generated -dbgsym): errors and warnings fail,
# the rest (pedantic and info tags, overrides) is in the report.
# debian/*.lintian-overrides say why each overridden tag is there.
(cd "$out" && lintian --fail-on none --info --pedantic --show-overrides \
	dmremap_"$version"_*.deb dm-remap-dkms_"$version"_all.deb) >"$out/lintian.txt" 2>&1 ||
	{ cat "$out/lintian.txt" >&2; echo "build-deb: lintian failed to run" >&2; exit 1; }
grep -v '^N:' "$out/lintian.txt" >&2 || true
# O: (overridden) lines are listed; E: and W: fail.
if grep -qE '^[EW]: ' "$out/lintian.txt"; then
	echo "build-deb: lintian found errors or warnings (above; $out/lintian.txt)" >&2
	exit 1
fi
echo "build-deb: $(cd "$out" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')in $out"
