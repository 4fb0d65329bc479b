#!/usr/bin/env bash
# The Debian packages (make deb, in build/deb/) on the Debian kernel, in a
# VM booted with systemd as PID 1: dpkg installs dm-remap-dkms and dmremap,
# DKMS builds the module for the running kernel into updates/dkms/,
# `modprobe dm_remap` loads that one (module and target of VERSION), the
# installed dmremap creates, remaps and removes a device;
# `systemctl enable --now dmremapd` starts the packaged unit, which runs
# under its sandbox, keeps its state in its StateDirectory, serves the
# device's metrics, reloads on `systemctl reload` and stops on SIGTERM; a
# reinstall restarts it. Then `dpkg --purge` stops it and leaves no file
# behind.
# DKMS compiles the module under TCG: this takes minutes.
# timeout: 2400
# vm: systemd
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
[[ $(</proc/1/comm) == systemd ]] ||
	die "systemd is not PID 1: run this scenario through run.sh, which boots its VM with run-in-vm.sh --systemd"

# Where the packages put files, or DKMS and systemd do for them.
# (DKMS's own signing key in /var/lib/dkms is not ours: only our subtree.)
watched=(/usr/sbin /usr/src /usr/share/dmremap /usr/share/doc/dmremap
	/usr/share/doc/dm-remap-dkms /usr/share/man/man7 /usr/share/man/man8
	/usr/share/bash-completion/completions /lib/systemd/system /etc/systemd/system
	/var/lib/systemd/deb-systemd-helper-enabled /var/lib/dmremap
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
# A container host may have a Docker-style policy-rc.d that forbids the
# maintainer scripts to start, restart or stop services; the guest's copy
# (on the throwaway overlay) goes, so that they act as on a real machine.
rm -f /usr/sbin/policy-rc.d
# man-db's trigger rebuilds its whole index after each dpkg run that adds
# or removes a manual page: 10-20 s apiece under TCG, three times here, and
# none of it ours. Its flag file goes too (what man-db/auto-update=false
# does); `man -w` below finds the pages without the index.
rm -f /var/lib/man-db/auto-update
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

unit=dmremapd.service
log "the installed daemon under systemd: systemctl enable --now $unit"
systemd-analyze verify "/lib/systemd/system/$unit" || die "systemd-analyze verify $unit failed"
assert_eq "dmremapd $version" "$(dmremapd --version)" "dmremapd --version"
# As the package leaves it: installed, neither enabled nor started.
assert_eq disabled "$(systemctl is-enabled "$unit" || true)" "unit state after the install"
assert_eq inactive "$(systemctl is-active "$unit" || true)" "unit not started by the install"
at_cleanup "systemctl stop $unit >/dev/null 2>&1 || true"
systemctl enable --now "$unit"
assert_eq enabled "$(systemctl is-enabled "$unit")" "unit enabled"
[[ -L /etc/systemd/system/multi-user.target.wants/$unit ]] || die "no multi-user.target.wants link"
metrics=''
for _ in $(seq 1 100); do
	metrics=$(curl -sf http://127.0.0.1:9748/metrics) && break
	sleep 0.3
done
echo "$metrics" >"$SCENARIO_OUT/metrics.txt"
assert_contains "$metrics" "dmremapd_build_info{version=\"$version\"} 1" "build info"
assert_contains "$metrics" "name=\"pk\"" "the device in the metrics"
assert_eq active "$(systemctl is-active "$unit" || true)" "unit active"
pid=$(systemctl show -P MainPID "$unit")
assert_eq /usr/sbin/dmremapd "$(readlink "/proc/$pid/exe")" "the unit's main process"
assert_eq 0 "$(systemctl show -P NRestarts "$unit")" "restarts"

# The unit's sandbox is in force on the process: only CAP_SYS_ADMIN (bit
# 21) in its bounding set, no new privileges, a seccomp filter; and
# ProtectSystem=strict still lets it write its StateDirectory.
status=$(cat "/proc/$pid/status")
assert_eq 0000000000200000 "$(awk '$1 == "CapBnd:" { print $2 }' <<<"$status")" "capability bounding set"
assert_eq 1 "$(awk '$1 == "NoNewPrivs:" { print $2 }' <<<"$status")" "NoNewPrivs"
assert_eq 2 "$(awk '$1 == "Seccomp:" { print $2 }' <<<"$status")" "seccomp filter mode"
for _ in $(seq 1 50); do
	[[ -s /var/lib/dmremap/dmremapd.state ]] && break
	sleep 0.2
done
[[ -s /var/lib/dmremap/dmremapd.state ]] || die "no state file in the unit's StateDirectory /var/lib/dmremap"
assert_eq 700 "$(stat -c %a /var/lib/dmremap)" "StateDirectoryMode"

mark=$(date '+%Y-%m-%d %H:%M:%S')
systemctl reload "$unit"
for _ in $(seq 1 50); do
	journalctl -q -u "$unit" --since "$mark" | grep -q 'configuration reloaded' && break
	sleep 0.2
done
assert_contains "$(journalctl -q -u "$unit" --since "$mark")" "configuration reloaded" "reload through ExecReload"
assert_eq "$pid" "$(systemctl show -P MainPID "$unit")" "same process after the reload"

# Stopped by SIGTERM: Result=timeout would mean systemd had to SIGKILL it
# after TimeoutStopSec.
t0=$EPOCHREALTIME
systemctl stop "$unit"
log "systemctl stop took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
assert_eq inactive "$(systemctl is-active "$unit" || true)" "unit stopped"
assert_eq success "$(systemctl show -P Result "$unit")" "stop result"
journalctl -q -u "$unit" >"$SCENARIO_OUT/dmremapd.journal" 2>&1 || true
assert_contains "$(cat "$SCENARIO_OUT/dmremapd.journal")" "stopping on SIGTERM" "the daemon's own stop"

# The maintainer scripts and the enabled unit: a reinstall (as an upgrade)
# restarts it, the purge below stops it.
systemctl start "$unit"
pid=$(systemctl show -P MainPID "$unit")
log "reinstalling $cli_deb: the enabled unit is restarted"
dpkg -i "$cli_deb" >"$SCENARIO_OUT/reinstall.log" 2>&1 ||
	{ cat "$SCENARIO_OUT/reinstall.log"; die "dpkg -i of $cli_deb again failed"; }
assert_eq active "$(systemctl is-active "$unit" || true)" "unit active after the reinstall"
assert_ne "$pid" "$(systemctl show -P MainPID "$unit")" "main process after the reinstall"

dmremap remove pk
modprobe -r dm_remap

log "purging (DKMS removes the module)"
dpkg --purge dmremap dm-remap-dkms >"$SCENARIO_OUT/purge.log" 2>&1 ||
	{ cat "$SCENARIO_OUT/purge.log"; die "dpkg --purge failed"; }
assert_fails modinfo dm_remap
assert_fails pgrep -x dmremapd
snapshot >"$SCENARIO_OUT/after.txt"
# Paths that exist now and did not before the install. (DKMS also removes
# directories it leaves empty, such as updates/ here: those are logged.)
left=$(comm -13 "$SCENARIO_OUT/before.txt" "$SCENARIO_OUT/after.txt")
[[ -z $left ]] || die "the purge left behind: $left"
gone=$(comm -23 "$SCENARIO_OUT/before.txt" "$SCENARIO_OUT/after.txt")
[[ -z $gone ]] || log "gone after the purge (empty directories DKMS removed): $gone"
log "install, DKMS build, use and purge: all clean"
