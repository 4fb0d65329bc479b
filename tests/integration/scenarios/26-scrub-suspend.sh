#!/usr/bin/env bash
# A `scrub start` sent while `dmsetup suspend` waits for slow I/O (dm-delay
# under main, writes delayed 4 s) is refused: presuspend has stopped the
# scrub, and it must not be queued again behind the suspend's back. While
# the device stays suspended the scrub position does not move; after the
# resume the scrub starts and runs as usual.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

modprobe dm_delay
main=$(mk_loop 256M main)
spare=$(mk_loop 16M spare)
N=$(blockdev --getsz "$main")
T=60
# reads at once, writes after 4 s
dm_create dl "0 $N delay $main 0 0 $main 0 4000"
remap_create r0 /dev/mapper/dl "$spare"
position() { dmsetup message r0 0 scrub status | sed -n 's/.*position=\([0-9]*\).*/\1/p'; }
scrub_state() { dmsetup message r0 0 scrub status | sed -n 's/^state=\([a-z]*\).*/\1/p'; }

log "a slow write in flight, then a suspend that waits for it"
dd if=/dev/zero of=/dev/mapper/r0 bs=4k count=1 oflag=direct status=none &
writer=$!
sleep 0.5
timeout $T dmsetup suspend r0 &
suspender=$!
sleep 1
kill -0 "$suspender" 2>/dev/null || die "the suspend did not wait for the slow write: nothing tested"
m=$(kernel_log_mark during)
if dmsetup message r0 0 scrub start 1; then
	started=1
else
	started=0
fi
kill -0 "$suspender" 2>/dev/null || die "the suspend ended before the scrub start was sent: nothing tested"
wait "$suspender" || die "suspend failed"
wait "$writer" || die "the slow write failed"
[[ $(dmsetup info -c --noheadings -o attr r0) == *s* ]] || die "r0 is not suspended"
p1=$(position)
sleep 3
p2=$(position)
log "scrub start during the suspend: accepted=$started; position $p1 -> $p2 while suspended"
assert_eq "$p1" "$p2" "scrub position while the device is suspended"
assert_eq 0 "$started" "scrub start accepted while the suspend was under way"
kernel_log_since_mark "$m" | grep -q "scrub: the device is suspended" || die "refusal not logged"
assert_eq idle "$(scrub_state)" "scrub state while suspended"

log "after the resume the scrub runs"
timeout $T dmsetup resume r0 || die "resume failed"
dmsetup message r0 0 scrub start 1
sleep 2.5
p3=$(position)
((p3 > p2)) || die "scrub did not move after the resume: $p2 -> $p3"
dmsetup message r0 0 scrub stop
assert_eq idle "$(scrub_state)" "scrub state after stop"
