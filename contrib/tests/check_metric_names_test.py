#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of check_metric_names.py: it must refuse what dmremapd does not export."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_metric_names as checker  # noqa: E402

GOLDEN = """\
# HELP dmremap_spare_blocks Blocks of the spare pool.
# TYPE dmremap_spare_blocks gauge
dmremap_spare_blocks{device="dm-0",name="r0"} 100
# TYPE dmremap_spare_free_blocks gauge
dmremap_spare_free_blocks{device="dm-0",name="r0"} 90
# TYPE dmremap_io_errors_total counter
dmremap_io_errors_total{device="dm-0",name="r0",op="read"} 3
dmremap_io_errors_total{device="dm-0",name="r0",op="write"} 0
# TYPE dmremap_health_state gauge
dmremap_health_state{device="dm-0",name="r0",state="ok"} 1
dmremap_health_state{device="dm-0",name="r0",state="warning"} 0
# TYPE dmremapd_build_info gauge
dmremapd_build_info{version="0.1.0"} 1
"""

GOOD_RULES = """\
groups:
  - name: g
    rules:
      - alert: A
        expr: dmremap_spare_free_blocks / dmremap_spare_blocks < 0.1
      - alert: B
        expr: up{job="dmremap"} == 0 or absent(dmremapd_build_info{job="dmremap"})
"""


class CheckerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.golden_path = self.write("golden.prom", GOLDEN)
        self.golden = checker.read_golden(self.golden_path)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return path

    def problems(self, query):
        return checker.check_query(query, self.golden)[1]

    def test_golden_gives_names_labels_and_values(self):
        self.assertEqual(self.golden["dmremap_io_errors_total"]["op"], {"read", "write"})
        self.assertIn("version", self.golden["dmremapd_build_info"])
        self.assertNotIn("dmremap_lost_sectors", self.golden)

    def test_known_query_passes_and_lists_its_metrics(self):
        used, problems = checker.check_query(
            'sum by (instance, op) (rate(dmremap_io_errors_total{op="read",'
            'instance=~"$instance"}[$__rate_interval])) > bool 0', self.golden)
        self.assertEqual(problems, [])
        self.assertEqual(used, {"dmremap_io_errors_total"})

    def test_grouping_labels_functions_and_strings_are_not_metrics(self):
        self.assertEqual(self.problems(
            'max_over_time((dmremap_spare_blocks - dmremap_spare_blocks offset 1m)[15m:1m])'
            ' * on (device, name) group_left (version) dmremapd_build_info'
            ' unless label_replace(dmremap_spare_blocks, "x", "$1", "name", "(.*)")'), [])

    def test_unknown_metric_fails(self):
        self.assertEqual(self.problems("dmremap_spare_fre_blocks < 1"),
                         ["unknown metric dmremap_spare_fre_blocks in: dmremap_spare_fre_blocks < 1"])

    def test_unknown_label_fails(self):
        self.assertTrue(self.problems('dmremap_spare_blocks{op="read"}'))

    def test_target_labels_are_allowed(self):
        self.assertEqual(self.problems('dmremap_spare_blocks{instance="h:9748",job="dmremap"}'), [])

    def test_unknown_state_value_fails_identity_values_do_not(self):
        self.assertTrue(self.problems('dmremap_health_state{state="critical"} == 1'))
        self.assertTrue(self.problems('dmremap_health_state{state=~"ok|bad"} == 1'))
        self.assertEqual(self.problems('dmremap_health_state{state=~"ok|warning",name="other"}'), [])
        self.assertEqual(self.problems('dmremap_health_state{state=~"o.*"}'), [])

    def test_unknown_function_and_nameless_selector_fail(self):
        self.assertTrue(self.problems("rates(dmremap_spare_blocks[5m])"))
        self.assertTrue(self.problems('{__name__="dmremap_spare_blocks"}'))

    def test_variable_outside_label_value_or_range_fails(self):
        self.assertTrue(self.problems("$metric > 0"))

    def test_grafana_variable_queries(self):
        check = checker.grafana_variable_query
        self.assertEqual(check("label_values(dmremapd_build_info, instance)", self.golden)[1], [])
        self.assertTrue(check("label_values(dmremapd_build_info, device)", self.golden)[1])
        self.assertTrue(check("label_values(dmremap_lost_sectors, name)", self.golden)[1])
        self.assertTrue(check("metrics(dmremap_.*)", self.golden)[1])

    def test_bad_rules_file_fails(self):
        good = self.write("good.yml", GOOD_RULES)
        bad = self.write("bad.yml", GOOD_RULES.replace("dmremap_spare_blocks", "dmremap_spare_total"))
        self.assertEqual(checker.main(["check", self.golden_path, good]), 0)
        self.assertEqual(checker.main(["check", self.golden_path, bad]), 1)

    def test_rule_test_file_series_are_checked(self):
        tests = self.write("rules.test.yml", """\
rule_files: [good.yml]
tests:
  - input_series:
      - series: 'dmremap_health_state{device="dm-0",name="r0",state="ok"}'
        values: '1x5'
      - series: 'dmremap_health_state{device="dm-0",name="r0",state="degraded"}'
        values: '0x5'
""")
        used, problems = checker.check_file(tests, self.golden)
        self.assertEqual(used, {"dmremap_health_state"})
        self.assertEqual(len(problems), 1)
        self.assertIn('state="degraded"', problems[0])

    def test_bad_dashboard_fails_in_a_nested_panel_and_in_a_variable(self):
        dashboard = {
            "templating": {"list": [{"type": "query", "name": "instance",
                                     "query": {"query": "label_values(dmremapd_build_info, instance)"}}]},
            "panels": [{"type": "row", "panels": [
                {"type": "timeseries", "targets": [{"expr": "dmremap_spare_blocks{name=~\"$name\"}"}]}]}],
        }
        good = self.write("good.json", json.dumps(dashboard))
        self.assertEqual(checker.check_file(good, self.golden), (
            {"dmremapd_build_info", "dmremap_spare_blocks"}, []))
        dashboard["panels"][0]["panels"][0]["targets"][0]["expr"] = "dmremap_spare_used_blocks"
        dashboard["templating"]["list"][0]["query"]["query"] = "label_values(dmremapd_info, instance)"
        bad = self.write("bad.json", json.dumps(dashboard))
        self.assertEqual(len(checker.check_file(bad, self.golden)[1]), 2)
        self.assertEqual(checker.main(["check", self.golden_path, bad]), 1)

    def test_file_without_queries_fails(self):
        empty = self.write("empty.json", json.dumps({"panels": []}))
        self.assertEqual(checker.check_file(empty, self.golden)[1], ["no queries found"])

    def test_missing_golden_is_a_skip_and_empty_golden_a_failure(self):
        good = self.write("good.yml", GOOD_RULES)
        missing = os.path.join(self.dir.name, "missing.prom")
        self.assertEqual(checker.main(["check", missing, good]), 77)
        self.assertEqual(checker.main(["check", self.write("empty.prom", "# nothing\n"), good]), 1)


if __name__ == "__main__":
    unittest.main()
