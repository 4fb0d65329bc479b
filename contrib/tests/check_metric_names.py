#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that the PromQL of the contrib files names only what dmremapd exports.

    check_metric_names.py GOLDEN FILE...

GOLDEN is a full example scrape of dmremapd (text format 0.0.4). Each FILE is
a Prometheus rules file (*.yml), a promtool rule test file (*.test.yml) or a
Grafana dashboard (*.json). For every query in them, every metric must be a
series name of GOLDEN (or `up`, which Prometheus adds itself); every label in
a selector must be a label of that metric in GOLDEN, or a target label
(instance, job); and a literal value of an enumerated label (state, op: any
label but the identity labels) must be one GOLDEN shows. Prints what each
file uses; exit 0 if all is known, 1 if not, 77 (a skip for ctest) if
GOLDEN does not exist.
"""

import json
import re
import sys

import yaml

# Labels Prometheus attaches to every series of a scrape target.
TARGET_LABELS = {"instance", "job"}
# Labels whose values differ per host or device: their values are not checked.
IDENTITY_LABELS = TARGET_LABELS | {"device", "name", "main", "spare", "block_size", "version"}
# Series Prometheus itself makes for each target.
SYNTHETIC_METRICS = {"up": {"instance", "job"}}

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
    "count_values", "bottomk", "topk", "quantile",
}
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh",
    "atan", "atanh", "avg_over_time", "ceil", "changes", "clamp", "clamp_max",
    "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
    "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv",
    "end", "exp", "floor", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta",
    "increase", "irate", "label_join", "label_replace", "last_over_time",
    "ln", "log10", "log2", "max_over_time", "min_over_time", "minute",
    "month", "pi", "predict_linear", "present_over_time",
    "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
    "sin", "sinh", "sort", "sort_desc", "sqrt", "start", "stddev_over_time",
    "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp",
    "vector", "year",
}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2"}
# Followed by a parenthesised label list, which names no metric.
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}

TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<number>[0-9][0-9A-Za-z_.]*|\.[0-9][0-9A-Za-z_]*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=@,(){}\[\]])
""", re.VERBOSE)
GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
# What a Grafana variable is read as: a name that no scrape has, so one
# outside a label value or a range is reported as an unknown metric.
VARIABLE_STANDIN = "__grafana_variable__"
SAMPLE_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)="((?:\\.|[^"\\])*)"\s*,?')
SIMPLE_ALTERNATION = re.compile(r"^[A-Za-z0-9_.:-]+(\|[A-Za-z0-9_.:-]+)*$")


class QueryError(Exception):
    pass


def read_golden(path):
    """Returns {metric name: {label name: set of values}} of a scrape."""
    metrics = {}
    with open(path, encoding="utf-8") as golden:
        for number, line in enumerate(golden, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+\S+", line)
            if not match:
                raise QueryError(f"{path}:{number}: not a sample line: {line}")
            labels = metrics.setdefault(match.group(1), {})
            body = match.group(3) or ""
            for label in SAMPLE_LABEL.finditer(body):
                labels.setdefault(label.group(1), set()).add(label.group(2))
    if not metrics:
        raise QueryError(f"{path}: no samples")
    return metrics


def tokenize(query):
    tokens, pos = [], 0
    while pos < len(query):
        match = TOKEN.match(query, pos)
        if not match:
            raise QueryError(f"cannot read {query[pos:pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


def skip_group(tokens, i, opening, closing):
    """Index after the bracket group that starts at tokens[i]."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j][1] == opening:
            depth += 1
        elif tokens[j][1] == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    raise QueryError(f"unbalanced {opening}")


def unquote(literal):
    if literal[0] == "`":
        return literal[1:-1]
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def parse_matchers(tokens, i):
    """Reads `{label op "value", ...}` at tokens[i]; returns (matchers, next)."""
    end = skip_group(tokens, i, "{", "}")
    inner = [t for t in tokens[i + 1:end - 1] if t[1] != ","]
    if len(inner) % 3:
        raise QueryError("cannot read a label matcher list")
    matchers = []
    for k in range(0, len(inner), 3):
        (kind_l, label), (_, op), (kind_v, value) = inner[k:k + 3]
        if kind_l != "ident" or kind_v != "string" or op not in ("=", "!=", "=~", "!~"):
            raise QueryError("cannot read a label matcher")
        matchers.append((label, op, unquote(value)))
    return matchers, end


def selectors(query):
    """Yields (metric, [(label, op, value)]) for each vector selector."""
    tokens = tokenize(query)
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        following = tokens[i + 1][1] if i + 1 < len(tokens) else None
        if text == "[":
            i = skip_group(tokens, i, "[", "]")
        elif text == "{":
            raise QueryError("a selector without a metric name cannot be checked")
        elif kind != "ident":
            i += 1
        elif text.lower() in GROUPING:
            i = skip_group(tokens, i + 1, "(", ")") if following == "(" else i + 1
        elif text.lower() in KEYWORDS or text.lower() in AGGREGATIONS:
            i += 1
        elif following == "(":
            if text not in FUNCTIONS:
                raise QueryError(f"unknown function {text}")
            i += 1
        elif following == "{":
            matchers, i = parse_matchers(tokens, i + 1)
            yield text, matchers
        else:
            yield text, []
            i += 1


def literal_values(op, value):
    """The label values a matcher names literally, or None for a real regex."""
    if op in ("=", "!="):
        return [value] if value else []
    if SIMPLE_ALTERNATION.match(value):
        return value.split("|")
    return None


def check_query(query, golden):
    """Returns (metric names used, list of problems) of one PromQL query."""
    used, problems = set(), []
    try:
        found = list(selectors(GRAFANA_VARIABLE.sub(VARIABLE_STANDIN, query)))
    except QueryError as error:
        return used, [f"{error} in: {query}"]
    for metric, matchers in found:
        used.add(metric)
        labels = golden.get(metric)
        if labels is None and metric in SYNTHETIC_METRICS:
            labels = {name: set() for name in SYNTHETIC_METRICS[metric]}
        if labels is None:
            problems.append(f"unknown metric {metric} in: {query}")
            continue
        for label, op, value in matchers:
            if label not in labels and label not in TARGET_LABELS:
                problems.append(f"{metric} has no label {label} in: {query}")
                continue
            if label in IDENTITY_LABELS or VARIABLE_STANDIN in value:
                continue
            for literal in literal_values(op, value) or []:
                if literal not in labels[label]:
                    problems.append(f"{metric} never has {label}=\"{literal}\" in: {query}")
    return used, problems


def grafana_variable_query(query, golden):
    """Checks a Grafana Prometheus variable query (label_values, query_result)."""
    match = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", query, re.S)
    if match:
        used, problems = check_query(match.group(1), golden)
        for metric in used:
            known = golden.get(metric, {}).keys() | TARGET_LABELS
            if metric in golden and match.group(2) not in known:
                problems.append(f"{metric} has no label {match.group(2)} in: {query}")
        return used, problems
    match = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
    if match:
        return check_query(match.group(1), golden)
    return set(), [f"unsupported variable query: {query}"]


def queries_of_rules(document):
    for group in document.get("groups") or []:
        for rule in group.get("rules") or []:
            yield check_query, str(rule["expr"])


def queries_of_rule_tests(document):
    for test in document.get("tests") or []:
        for series in test.get("input_series") or []:
            yield check_query, series["series"]
        for expr_test in test.get("promql_expr_test") or []:
            yield check_query, expr_test["expr"]


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def queries_of_dashboard(document):
    for variable in (document.get("templating") or {}).get("list") or []:
        if variable.get("type") == "query":
            query = variable.get("query")
            if isinstance(query, dict):
                query = query.get("query", "")
            yield grafana_variable_query, query
    for node in walk(document.get("panels") or []):
        if "expr" in node:
            yield check_query, node["expr"]


def queries_of_file(path):
    with open(path, encoding="utf-8") as source:
        if path.endswith(".json"):
            return list(queries_of_dashboard(json.load(source)))
        document = yaml.safe_load(source) or {}
    if "tests" in document:
        return list(queries_of_rule_tests(document))
    return list(queries_of_rules(document))


def check_file(path, golden):
    """Returns (metric names used, problems) of one file."""
    used, problems = set(), []
    queries = queries_of_file(path)
    if not queries:
        problems.append("no queries found")
    for checker, query in queries:
        query_used, query_problems = checker(query, golden)
        used |= query_used
        problems += query_problems
    return used, problems


def main(argv):
    if len(argv) < 3:
        print(f"usage: {argv[0]} GOLDEN FILE...", file=sys.stderr)
        return 2
    try:
        golden = read_golden(argv[1])
    except FileNotFoundError:
        print(f"check_metric_names: {argv[1]} does not exist: skipped", file=sys.stderr)
        return 77
    except QueryError as error:
        print(f"check_metric_names: {error}", file=sys.stderr)
        return 1
    failed = False
    for path in argv[2:]:
        used, problems = check_file(path, golden)
        print(f"{path}: {' '.join(sorted(used))}")
        for problem in problems:
            print(f"check_metric_names: {path}: {problem}", file=sys.stderr)
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
