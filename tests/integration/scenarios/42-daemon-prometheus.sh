#!/usr/bin/env bash
# A real Prometheus server (Debian's) scrapes dmremapd and its query API
# returns the device's series. Scrapes keep working, and keep passing
# promtool, while a device is suspended and while devices are created and
# removed between and during scrapes.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
source "$REPO/tests/integration/daemon-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
remap_create r0 "$main" "$spare"
dmsetup message r0 0 remap 7 >/dev/null
daemon_start

log "Prometheus"
prom=/tmp/prometheus
mkdir -p "$prom/data"
cat >"$prom/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: dmremapd
    static_configs:
      - targets: ['127.0.0.1:$DAEMON_PORT']
EOT
prometheus --config.file="$prom/prometheus.yml" --storage.tsdb.path="$prom/data" \
	--web.listen-address=127.0.0.1:9090 >"$SCENARIO_OUT/prometheus.log" 2>&1 &

query() {
	curl -sf --max-time 5 -G http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1"
}
has_series() {
	query 'dmremap_remapped_blocks{name="r0"}' | grep -q '"value":\[[0-9.]*,"1"\]'
}
wait_until 180 has_series || die "Prometheus has no series for r0: $(query 'dmremap_remapped_blocks'); $(tail -5 "$SCENARIO_OUT/prometheus.log")"
query 'dmremap_remapped_blocks' >"$SCENARIO_OUT/query.json"
assert_contains "$(query 'up{job="dmremapd"}')" '"1"]' "Prometheus's up for the target"
assert_contains "$(query 'dmremap_health_state{name="r0",state="ok"}')" "\"device\":\"$(dm_kname r0)\"" "device label"

log "a suspended device"
spare2=$(mk_loop 16M spare2)
main2=$(mk_loop 64M main2)
remap_create r1 "$main2" "$spare2"
wait_until 2 metric_is 1 dmremap_up r1 || die "r1 not followed"
dmsetup suspend r1
out=$(scrape) || die "scrape failed with a suspended device"
printf '%s\n' "$out" | promtool check metrics || die "promtool with a suspended device"
assert_contains "$out" 'dmremap_remapped_blocks{device="'"$(dm_kname r0)"'",name="r0"} 1' "r0 while r1 is suspended"
assert_contains "$out" 'name="r1"' "r1 still listed while suspended"
dmsetup resume r1

log "devices created and removed while scraping"
(
	for i in $(seq 15); do
		dmsetup create churn <<<"$(remap_table "$main2" "$(mk_loop 16M "churn$i")")" 2>/dev/null || true
		dmsetup remove --retry churn 2>/dev/null || true
	done
) 2>"$SCENARIO_OUT/churn.err" &
churn=$!
echo churn >>"$_LIB_STATE/dms"
dmsetup remove --retry r1
scrapes=0
while kill -0 "$churn" 2>/dev/null; do
	out=$(scrape) || die "scrape failed during the churn"
	printf '%s\n' "$out" | promtool check metrics >/dev/null 2>&1 || die "promtool during the churn: $out"
	dup=$(printf '%s\n' "$out" | grep -v '^#' | awk '{ print $1 }' | sort | uniq -d)
	[[ -z $dup ]] || die "duplicate series: $dup"
	scrapes=$((scrapes + 1))
done
wait "$churn" || true
log "$scrapes scrapes during the churn"
((scrapes > 0)) || die "no scrape ran during the churn"
assert_eq 1 "$(metric dmremap_up r0)" "r0 after the churn"
assert_eq 1 "$(query 'up{job="dmremapd"}' | grep -c '"1"]')" "Prometheus still scraping"
