# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/integration/daemon-lib.sh -- dmremapd helpers for scenarios, on
# top of lib.sh. Source after lib.sh.

DMREMAPD=$REPO/build/bin/dmremapd
DAEMON_PORT=9748
DAEMON_PID=
DAEMON_LOG=$SCENARIO_OUT/dmremapd.log
DAEMON_CONFIG=/dev/null

# daemon_start [ARGS...] -- start dmremapd on 127.0.0.1:$DAEMON_PORT as a
# background job (cleanup kills it), its log in $DAEMON_LOG, its state
# file under /tmp, the config file $DAEMON_CONFIG (none by default);
# returns when /healthz answers.
daemon_start() {
	"$DMREMAPD" --listen "127.0.0.1:$DAEMON_PORT" --config "$DAEMON_CONFIG" \
		--state-file "/tmp/dmremapd-$SCENARIO_NAME.state" "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_until 20 daemon_healthy || die "dmremapd did not answer /healthz; log: $(cat "$DAEMON_LOG")"
}

daemon_healthy() {
	[[ $(curl -sf --max-time 2 "http://127.0.0.1:$DAEMON_PORT/healthz") == ok ]]
}

# scrape -- one GET /metrics (fails on an HTTP error or after 10 s).
scrape() {
	curl -sf --max-time 10 "http://127.0.0.1:$DAEMON_PORT/metrics"
}

# metric NAME DEVNAME [EXTRA_LABELS] -- the value of the series NAME of the
# device named DEVNAME in a fresh scrape (empty when absent). EXTRA_LABELS
# follow the name label, e.g. ',op="read"'. Done with bash builtins
# (/dev/tcp, read) rather than curl and awk: under TCG starting those takes
# most of a second, which would swamp the delays the scenarios measure.
metric() {
	local key="$1{" want="name=\"$2\"${3:-}} " line fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$DAEMON_PORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\nConnection: close\r\n\r\n' >&"$fd"
	while IFS= read -r -t 10 line <&"$fd"; do
		[[ $line == "$key"*"$want"* ]] && echo "${line##* }"
	done
	exec {fd}<&-
	return 0
}

# wait_until SECONDS CMD [ARGS...] -- run CMD until it succeeds, at most
# SECONDS (a decimal); fails when the deadline passes. Logs how long it took.
wait_until() {
	local limit_us start now
	limit_us=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }')
	shift
	start=${EPOCHREALTIME/./}
	while :; do
		if "$@"; then
			now=${EPOCHREALTIME/./}
			log "after $(((now - start) / 1000)) ms: $*"
			return 0
		fi
		now=${EPOCHREALTIME/./}
		((now - start < limit_us)) || return 1
		sleep 0.02
	done
}

# metric_is VALUE NAME DEVNAME [EXTRA_LABELS] -- whether the metric has VALUE.
metric_is() {
	local want=$1
	shift
	[[ $(metric "$@") == "$want" ]]
}

# series_absent DEVNAME -- whether a scrape succeeds without any series of
# the device named DEVNAME.
series_absent() {
	local out
	out=$(scrape) || return 1
	[[ $out != *"name=\"$1\""* ]]
}

# daemon_exited -- whether the daemon's process has ended (a zombie counts:
# the scenario reaps it with wait).
daemon_exited() {
	[[ ! -e /proc/$DAEMON_PID ]] || [[ $(awk '{ print $3 }' "/proc/$DAEMON_PID/stat") == Z ]]
}
