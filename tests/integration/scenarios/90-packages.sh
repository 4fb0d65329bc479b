#!/usr/bin/env bash
# The Debian packages (make deb, in build/deb/) on the Debian kernel: dpkg
# installs dm-remap-dkms and dmremap, DKMS builds the module for the running
# kernel into updates/dkms/, `modprobe dm_remap` loads that one (module and
# target of VERSION), the installed dmremap creates, remaps and removes a
# device; with the daemon in the package, its unit passes systemd-analyze
# verify and the installed dmremapd, started as the unit's ExecStart says,
# serves the device's metrics. Then `dpkg --purge` leaves no file behind.
# systemd is not PID 1 in the test VM, so the unit is not started by
# systemctl here (docs/packaging.md says what remains).
# DKMS compiles the module under TCG: this takes minutes.
# timeout: 2400
source "$(dirname "$0")/../lib.sh"

version=$(<"$REPO/VERSION")
kver=$(uname -r)
mdir=/lib/modules/$kver
debdir=${DMREMAP_DEB_DIR:-$REPO/build/deb}
arch=$(dpkg --print-architecture)
dkms_deb=$debdir/dm-remap-dkms_${version}_all.deb
cli_deb=$debdir/dmremap_${version}_${arch}.deb
[[ -f $dkms_deb && -f $cli_deb ]] ||
	die "no packages of version $version in $debdir: run 'make deb' on the host first"

# Where the packages put files, or DKMS and systemd do for them.
# (DKMS's own signing key in /var/lib/dkms is not ours: only our subtree.)
watched=(/usr/sbin /usr/src /usr/share/dmremap /usr/share/doc/dmremap
	/usr/share/doc/dm-remap-dkms /usr/share/man/man7 /usr/share/man/man8
	/usr/share/bash-completion/completions /lib/systemd/system /etc/systemd/system
	/var/lib/dkms/dm-remap "$mdir/updates")
snapshot() {
	local d
	for d in "${watched[@]}"; do
		if [[ -e $d ]]; then find "$d"; fi
	done | sort
}

# The harness installed the tree's own module as updates/dm-remap.ko: take
# it away so that only DKMS provides dm_remap.
rm -f "$mdir/updates/dm-remap.ko"
snapshot >"$SCENARIO_OUT/before.txt"
at_cleanup "dpkg --purge dmremap dm-remap-dkms >/dev/null 2>&1 || true"

export DEBIAN_FRONTEND=noninteractive
log "installing $dkms_deb and $cli_deb (DKMS builds the module)"
dpkg -i "$dkms_deb" "$cli_deb" >"$SCENARIO_OUT/install.log" 2>&1 ||
	{ cat "$SCENARIO_OUT/install.log"; die "dpkg -i failed"; }
tail -n 20 "$SCENARIO_OUT/install.log"
for pkg in dmremap dm-remap-dkms; do
	assert_eq "install ok installed $version" "$(dpkg-query -W -f='${Status} ${Version}' "$pkg")" "$pkg state"
done

log "the module: DKMS's, for $kver"
assert_contains "$(dkms status -m dm-remap -v "$version" -k "$kver")" installed "dkms status"
assert_eq "$mdir/updates/dkms/dm-remap.ko" "$(modinfo -n dm_remap)" "module modprobe finds"
assert_eq "$version" "$(modinfo -F version dm_remap)" "module version"
modprobe dm_remap
assert_eq "$version" "$(cat /sys/module/dm_remap/version)" "loaded module version"
assert_eq "v$version" "$(dmsetup targets | awk '$1 == "remap" { print $2 }')" "target version"

log "the installed dmremap"
assert_eq /usr/sbin/dmremap "$(command -v dmremap)" "dmremap on PATH"
assert_eq "dmremap $version" "$(dmremap --version)" "dmremap --version"
main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
dmremap create pk "$main" "$spare"
assert_eq "10 0" "$(dmremap remap pk 10)" "remap reply"
assert_eq "1" "$(dmremap status pk | awk '$1 == "remapped" { print $2 }')" "remapped blocks"
[[ -f /usr/share/bash-completion/completions/dmremap ]] || die "no bash completion installed"
for page in "8 dmremap" "7 dm-remap"; do
	# shellcheck disable=SC2086 # section and name
	man -w $page >/dev/null || die "man does not find $page"
done

if [[ -x /usr/sbin/dmremapd ]]; then
	unit=/lib/systemd/system/dmremapd.service
	log "the installed daemon, as $unit runs it"
	[[ -f $unit ]] || die "dmremapd is installed without its unit"
	systemd-analyze verify "$unit" || die "systemd-analyze verify $unit failed"
	assert_eq "dmremapd $version" "$(dmremapd --version)" "dmremapd --version"
	read -r -a exec_start < <(sed -n 's/^ExecStart=[-@:+!]*//p' "$unit" | head -n 1)
	"${exec_start[@]}" >"$SCENARIO_OUT/dmremapd.log" 2>&1 &
	daemon=$!
	metrics=''
	for _ in $(seq 1 100); do
		metrics=$(curl -sf http://127.0.0.1:9748/metrics) && break
		sleep 0.3
	done
	kill "$daemon"
	wait "$daemon" || true
	echo "$metrics" >"$SCENARIO_OUT/metrics.txt"
	assert_contains "$metrics" "dmremapd_build_info{version=\"$version\"} 1" "build info"
	assert_contains "$metrics" "name=\"pk\"" "the device in the metrics"
else
	log "no dmremapd in the package yet: daemon checks skipped"
fi

dmremap remove pk
modprobe -r dm_remap

log "purging (DKMS removes the module)"
dpkg --purge dmremap dm-remap-dkms >"$SCENARIO_OUT/purge.log" 2>&1 ||
	{ cat "$SCENARIO_OUT/purge.log"; die "dpkg --purge failed"; }
assert_fails modinfo dm_remap
snapshot >"$SCENARIO_OUT/after.txt"
# Paths that exist now and did not before the install. (DKMS also removes
# directories it leaves empty, such as updates/ here: those are logged.)
left=$(comm -13 "$SCENARIO_OUT/before.txt" "$SCENARIO_OUT/after.txt")
[[ -z $left ]] || die "the purge left behind: $left"
gone=$(comm -23 "$SCENARIO_OUT/before.txt" "$SCENARIO_OUT/after.txt")
[[ -z $gone ]] || log "gone after the purge (empty directories DKMS removed): $gone"
log "install, DKMS build, use and purge: all clean"
