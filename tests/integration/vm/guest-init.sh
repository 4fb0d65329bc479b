#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/guest-init.sh -- stage 2 of the test VM, PID 1.
#
# The initramfs (mkinitramfs.sh) switch_roots into the host's root (9p,
# read-only, under a tmpfs overlay) and execs this script from the shared
# repository, so changing it needs no initramfs rebuild. It prepares the
# guest for device-mapper tests, runs the command that run-in-vm.sh wrote to
# <results>/vm-command.sh, records its exit status on the results share and
# powers the VM off.
#
# Channels: our own stdout/stderr is /dev/console = ttyS0, which the host
# saves as <results>/console.log next to the kernel messages. The command's
# stdin/stdout/stderr is ttyS1, which the host connects to its own stdio.
#
# No `set -e`: as PID 1 this script must reach the power-off whatever fails
# (if PID 1 exits the kernel panics, which the host would only see as a
# dead VM).
#
# With dmremap.systemd=1 on the kernel command line (run-in-vm.sh
# --systemd), this script runs twice. As PID 1 it only writes the udev
# rules and two runtime units, dmremap-test.target and dmremap-test.service,
# into /run and execs systemd with --unit=dmremap-test.target: systemd
# brings up sysinit.target and basic.target from the host's configuration
# (nothing of multi-user.target: no gettys, networking or host services)
# and starts dmremap-test.service, whose ExecStart is this script again
# with --service. That run does all the rest as below, except that udevd is
# systemd's systemd-udevd.service, and powers the VM off the same way.
set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
export TERM=${TERM:-linux}
umask 022

# Prefixed with the guest uptime, to see where boot time goes.
log() {
	local up _
	read -r up _ </proc/uptime
	echo "vm: [${up}s] $*"
}

poweroff_now() {
	sync
	# busybox (busybox-static is a dependency) calls reboot(2) directly;
	# Debian's /sbin/poweroff is systemctl, which needs a running systemd.
	/bin/busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 60
}

repo='' results='' shell=0 verbose=0 rows='' cols='' udev=guarded systemd=0 modroot=''
service=0
[[ ${1:-} == --service ]] && service=1
# shellcheck disable=SC2013 # the command line is a list of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmremap.repo=*) repo=${arg#*=} ;;
	dmremap.results=*) results=${arg#*=} ;;
	dmremap.modroot=*) modroot=${arg#*=} ;;
	dmremap.shell=1) shell=1 ;;
	dmremap.verbose=1) verbose=1 ;;
	dmremap.udev=*) udev=${arg#*=} ;;
	dmremap.systemd=1) systemd=1 ;;
	dmremap.rows=*) rows=${arg#*=} ;;
	dmremap.cols=*) cols=${arg#*=} ;;
	dmremap.term=*) TERM=${arg#*=} ;;
	esac
done
if [[ -z $repo || -z $results || ! -d $repo ]]; then
	log "FATAL: bad dmremap.repo='$repo' or dmremap.results='$results'"
	poweroff_now
fi

# udev rules of ours for dmremap.udev=guarded (see below); written before
# udevd starts.
write_udev_guard() {
	# systemd 252 has no "last_rule" any more, so use the flags the stock
	# rules honour: the DM_UDEV_DISABLE_* flags (55-dm.rules and
	# 60-persistent-storage-dm.rules: no blkid, no /dev/mapper symlink that
	# would race libdevmapper's node, no watch) and
	# UDEV_DISABLE_PERSISTENT_STORAGE_RULES_FLAG (60-persistent-storage.rules:
	# no blkid on loop devices). 60-block.rules adds an inotify watch on
	# loop devices unconditionally; a rule sorted after it takes it back.
	mkdir -p /etc/udev/rules.d
	cat >/etc/udev/rules.d/01-dmremap-test-guard.rules <<-'RULES'
		# Written by tests/integration/vm/guest-init.sh, in the test VM only.
		SUBSYSTEM!="block", GOTO="dmremap_guard_end"
		KERNEL=="loop[0-9]*", ENV{UDEV_DISABLE_PERSISTENT_STORAGE_RULES_FLAG}="1"
		KERNEL=="dm-[0-9]*", ENV{DM_UDEV_DISABLE_DM_RULES_FLAG}="1", ENV{DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG}="1", ENV{DM_UDEV_DISABLE_DISK_RULES_FLAG}="1", ENV{DM_UDEV_DISABLE_OTHER_RULES_FLAG}="1", ENV{DM_NOSCAN}="1"
		LABEL="dmremap_guard_end"
	RULES
	cat >/etc/udev/rules.d/99-zz-dmremap-test-guard.rules <<-'RULES'
		# Written by tests/integration/vm/guest-init.sh, in the test VM only.
		SUBSYSTEM=="block", KERNEL=="loop[0-9]*|dm-[0-9]*", OPTIONS:="nowatch"
	RULES
}

# dmremap.systemd=1, as PID 1: hand over to systemd (see the top). The units
# go to /run, the runtime unit directory, so nothing of the host's
# configuration changes; the host's enabled units are still pulled in by
# sysinit.target and basic.target, as on a real boot.
boot_systemd() {
	local units=/run/systemd/system self u
	self=$(readlink -f "${BASH_SOURCE[0]}")
	mkdir -p "$units" /run/tmpfiles.d
	[[ $udev == guarded ]] && write_udev_guard
	# No coldplug (`udevadm trigger`), as without systemd: it takes long
	# under TCG and nothing here needs it. dmremap.udev=0: no udevd at all.
	ln -sf /dev/null "$units/systemd-udev-trigger.service"
	if [[ $udev == 0 ]]; then
		for u in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket; do
			ln -sf /dev/null "$units/$u"
		done
	fi
	# The host's timers (apt-daily, man-db, e2scrub, ...) have no business
	# in a test and would start their jobs in the middle of it.
	ln -sf /dev/null "$units/timers.target"
	# Debian's tmp.conf empties /tmp at boot ("D /tmp"); the guest's /tmp
	# may hold the repository's or the results' mount: keep its contents.
	echo 'd /tmp 1777 root root -' >/run/tmpfiles.d/tmp.conf
	cat >"$units/dmremap-test.target" <<-UNIT
		# Written by $self, in the test VM only.
		[Unit]
		Description=dm-remap test VM: the basic system and the test command
		Wants=basic.target dmremap-test.service
		After=basic.target
		# A boot that hangs before basic.target powers off rather than keep
		# the host waiting for its timeout (no exit status: a dead VM).
		JobTimeoutSec=300
		JobTimeoutAction=poweroff-immediate
	UNIT
	cat >"$units/dmremap-test.service" <<-UNIT
		# Written by $self, in the test VM only.
		[Unit]
		Description=dm-remap test VM: run-in-vm.sh's command, then power off
		DefaultDependencies=no
		After=basic.target
		# The script powers off itself; these are for when it cannot run.
		SuccessAction=poweroff-immediate
		FailureAction=poweroff-immediate

		[Service]
		Type=exec
		ExecStart=$self --service
		StandardInput=null
		StandardOutput=tty
		StandardError=inherit
		TTYPath=/dev/console
		# As without systemd: a write to a closed pipe kills the writer.
		IgnoreSIGPIPE=no
		TimeoutStartSec=infinity
	UNIT
	log "starting /lib/systemd/systemd --unit=dmremap-test.target"
	exec /lib/systemd/systemd --unit=dmremap-test.target
}

# A kernel of vm/debug-kernel.sh (DMREMAP_VM_KERNEL_DIR on the host): its
# modules are in the host's cache, not in the host's /lib/modules (also
# for systemd's modprobe and udev, so before it starts).
if [[ -n $modroot && ! -e /lib/modules/$(uname -r) ]]; then
	log "modules of $(uname -r) from $modroot"
	mkdir -p /lib/modules
	ln -s "$modroot/lib/modules/$(uname -r)" "/lib/modules/$(uname -r)" ||
		log "could not link /lib/modules/$(uname -r)"
fi

if ((systemd && !service)); then
	if (($$ != 1)); then
		log "FATAL: dmremap.systemd=1, but this is not PID 1 nor run with --service"
		poweroff_now
	fi
	boot_systemd
	log "FATAL: could not exec /lib/systemd/systemd"
	poweroff_now
fi

tty=/dev/ttyS1
# Held open for our whole life: a tty forgets its window size (and the
# serial driver may reset its settings) when its last opener closes it.
exec 3<>"$tty"
if ((shell)); then
	stty sane ${rows:+rows "$rows"} ${cols:+cols "$cols"} <&3
else
	# Pass the command's bytes through unchanged (no \n -> \r\n, no echo of
	# anything the host might send), so host-side logs look like local ones.
	stty raw -echo <&3
fi

read -r t_kernel _ </proc/uptime
log "stage 2 started at ${t_kernel}s (kernel $(uname -r))"

# libdevmapper normally waits for udev to create /dev/mapper nodes; with
# this set it creates (and removes) them itself, so dmsetup works whether or
# not udevd runs and never waits on a udev cookie that nobody will release.
export DM_DISABLE_UDEV=1
export DMREMAP_IN_VM=1 DMREMAP_REPO=$repo DMREMAP_RESULTS=$results DMREMAP_VM_UDEV=$udev

# udevd is optional: it gives /dev/disk/by-* links and runs the rules
# other tools may expect. Started without `udevadm trigger`: coldplugging
# every device takes long under TCG and nothing here needs it. Everything
# is time-bounded so that a missing or broken udev cannot hang the VM; the
# settle comes after the module work below, which overlaps udevd's start.
#
# dmremap.udev= (DMREMAP_VM_UDEV on the host) chooses:
#   guarded (default)  udevd runs, but rules of our own keep it from
#                      touching loop and dm devices: otherwise blkid
#                      reads every new device and, through the inotify
#                      watch, re-reads it after every close of a writer.
#                      Those reads hit injected errors and change dm-remap's
#                      error counters behind the scenario's back, and they
#                      hold devices open so `dmsetup remove` sees EBUSY.
#   full               udevd with the host's rules untouched
#   0                  no udevd
# While udevd runs, every libdevmapper call (dmsetup, ...) warns on stderr
# "Udev is running and DM_DISABLE_UDEV environment variable is set..."
udevd_ok=0
if ((service)); then
	# Under systemd, udevd is its systemd-udevd.service (masked if udev=0).
	if [[ $udev != 0 ]] && systemctl -q is-active systemd-udevd.service; then
		udevd_ok=1
	fi
elif [[ $udev == guarded ]]; then
	write_udev_guard
fi
for udevd in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
	if ((service)) || [[ $udev == 0 ]]; then break; fi
	if [[ -x $udevd ]]; then
		log "starting $udevd (udev=$udev)"
		if timeout 20 "$udevd" --daemon; then
			udevd_ok=1
		else
			log "could not start $udevd; going on without udev"
		fi
		break
	fi
done

# Both are normally loaded by the initramfs already; this is a cheap no-op
# then, and a fallback otherwise.
modprobe dm-mod || log "modprobe dm-mod failed"
modprobe loop || log "modprobe loop failed"

# Make `modprobe dm_remap` find the module built in the repository. The
# overlay root is writable, so it can go where DKMS would put it. run-in-vm.sh
# has already snapshotted the module into <results>/vm-modules and run
# depmod for it on the host, because `depmod -a` in the guest reads all
# ~4000 modules over 9p under TCG and takes over a minute; we only install
# the result. Its modules.dep makes dm_remap's dependencies (dm-mod,
# dm-bufio, ...) load automatically.
if [[ -f $results/vm-modules/dm-remap.ko ]]; then
	mdir=/lib/modules/$(uname -r)
	log "installing dm-remap.ko into $mdir/updates"
	mkdir -p "$mdir/updates"
	cp "$results/vm-modules/dm-remap.ko" "$mdir/updates/dm-remap.ko" || log "could not install dm-remap.ko"
	if compgen -G "$results/vm-modules/modules.*" >/dev/null; then
		cp "$results"/vm-modules/modules.* "$mdir/"
	else
		depmod -a
	fi
	[[ $(modinfo -n dm_remap 2>/dev/null) == "$mdir/updates/dm-remap.ko" ]] ||
		log "WARNING: modprobe does not resolve dm_remap to $mdir/updates/dm-remap.ko"
fi

if ((udevd_ok)); then
	timeout 30 udevadm settle --timeout=20 || log "udevadm settle failed or timed out"
fi

read -r t_ready _ </proc/uptime
printf '%s %s\n' "$t_kernel" "$t_ready" >"$results/vm-started"
log "ready at ${t_ready}s; running the command"

rc=0
if [[ -s $results/vm-command.sh ]]; then
	if ((shell)); then
		(cd "$repo" && exec bash "$results/vm-command.sh") <&3 >&3 2>&3 3>&-
	else
		(cd "$repo" && exec bash "$results/vm-command.sh") </dev/null >&3 2>&3 3>&-
	fi
	rc=$?
fi
log "command exited with status $rc"
printf '%s\n' "$rc" >"$results/vm-exit-status"

if ((shell)); then
	log "starting the interactive shell"
	# setsid -c makes ttyS1 the controlling terminal (job control, ^C).
	(cd "$repo" && exec setsid -c -w bash -l) <&3 >&3 2>&3 3>&-
fi

# stty with TCSADRAIN semantics waits until the UART has sent everything,
# so the command's last lines are not lost in the power-off.
stty "$(stty -g <&3)" <&3
((verbose)) && log "powering off"
poweroff_now
