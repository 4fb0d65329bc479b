# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/bench/graph-lib.sh -- the function_graph tracer for the profile
# scripts (commit-profile.sh, io-profile.sh); source after lib.sh.
#
#   graph_start DEPTH FUNCTION...  trace FUNCTION... and what they call, to
#                                  DEPTH levels, from now
#   graph_stop FILE                stop, save the trace in FILE, tracer off
#   graph_times FILE [N]           the N (default 40) functions with the
#                                  most time: total, calls, mean, name
GRAPH_T=/sys/kernel/tracing
[[ -e $GRAPH_T/trace ]] || mount -t tracefs nodev "$GRAPH_T"

graph_off() {
	echo 0 >"$GRAPH_T/tracing_on"
	echo nop >"$GRAPH_T/current_tracer"
	echo >"$GRAPH_T/set_graph_function"
}
at_cleanup graph_off

graph_start() {
	local depth=$1
	shift
	echo 0 >"$GRAPH_T/tracing_on"
	echo function_graph >"$GRAPH_T/current_tracer"
	printf '%s\n' "$@" >"$GRAPH_T/set_graph_function"
	echo "$depth" >"$GRAPH_T/max_graph_depth"
	echo 1 >"$GRAPH_T/options/funcgraph-tail"
	echo 0 >"$GRAPH_T/options/funcgraph-irqs"
	echo 8192 >"$GRAPH_T/buffer_size_kb"
	echo >"$GRAPH_T/trace"
	echo 1 >"$GRAPH_T/tracing_on"
}

# The tracer goes off before anything else runs: left on, with its large
# buffer, it once kept a VM from finishing its cleanup.
graph_stop() {
	echo 0 >"$GRAPH_T/tracing_on"
	cat "$GRAPH_T/trace" >"$1"
	graph_off
}

graph_times() {
	# awk, not head: head stops reading, sort dies of SIGPIPE, and under
	# pipefail the profile failed with status 141 after its work was done.
	awk -f "$REPO/tests/bench/graph-times.awk" "$1" | sort -rn | awk -v n="${2:-40}" 'NR <= n'
}
