#!/usr/bin/python3
"""Counts test cases from Bazel's test.xml reports and prints the summary.

Usage: count_tests.py STARTED BAZEL_OUTPUT LABEL...
       count_tests.py --run NAME STARTED BAZEL_OUTPUT TESTLOGS LABEL... [--run ...]

STARTED is the Unix time `bazel test` began; BAZEL_OUTPUT its saved output.
A target whose report is missing or older than STARTED, and that Bazel did
not report as passed, counts as one failure (it failed to build or to run).
Prints one line per failing test case and, last, "N passed, N failed" with
", N skipped" when any were skipped. Exits 1 when anything failed.

With --run, several `bazel test` runs are counted (the plain build, then the
unit tests again under --config=asan): each names its reports' folder
(TESTLOGS, what bazel-testlogs pointed at after it), its failures carry the
run's NAME ("FAILED [asan] //lib/..."), each run gets a line
"NAME: N passed, N failed", and the last line is the sum. A test case run in
two configurations counts twice: they are two runs.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET


def bazel_statuses(output_path):
    statuses = {}
    pattern = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED TO BUILD|FAILED|"
                         r"NO STATUS|TIMEOUT|FLAKY|INCOMPLETE|SKIPPED)\b")
    with open(output_path, errors="replace") as f:
        for line in f:
            m = pattern.match(line.strip())
            if m:
                statuses[m.group(1)] = m.group(2)
    return statuses


def count_report(path):
    passed = failed = skipped = 0
    failures = []
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = "%s.%s" % (case.get("classname", ""), case.get("name", ""))
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append(name)
        elif case.get("result") == "skipped" or case.get("status") == "notrun" \
                or case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped, failures


def summary_line(passed, failed, skipped):
    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    return summary


def count_run(started, output_path, testlogs, labels, tag):
    """Returns (passed, failed, skipped) of one `bazel test` run."""
    statuses = bazel_statuses(output_path)
    prefix = "[%s] " % tag if tag else ""
    total_passed = total_failed = total_skipped = 0
    for label in labels:
        package, name = label[2:].split(":", 1)
        report = os.path.join(testlogs, package, name, "test.xml")
        status = statuses.get(label, "NO STATUS")
        fresh = os.path.exists(report) and (
            status == "PASSED" or os.path.getmtime(report) >= started)
        if not fresh:
            print("FAILED  %s%s (%s)" % (prefix, label, status.lower()))
            total_failed += 1
            continue
        passed, failed, skipped, failures = count_report(report)
        if status != "PASSED" and failed == 0:
            # The binary died (crash, timeout) after writing passing cases.
            failures.append("(%s)" % status.lower())
            failed = 1
        for f in failures:
            print("FAILED  %s%s %s" % (prefix, label, f))
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
    return total_passed, total_failed, total_skipped


def main(argv):
    if len(argv) < 2 or argv[1] != "--run":
        totals = count_run(float(argv[1]), argv[2], "bazel-testlogs", argv[3:], "")
    else:
        runs, current = [], None
        for arg in argv[1:]:
            if arg == "--run":
                current = []
                runs.append(current)
            else:
                current.append(arg)
        totals = [0, 0, 0]
        for run in runs:
            if len(run) < 4:
                print("count_tests.py: --run NAME STARTED BAZEL_OUTPUT TESTLOGS LABEL...",
                      file=sys.stderr)
                return 2
            name, started, output_path, testlogs, labels = (
                run[0], float(run[1]), run[2], run[3], run[4:])
            counted = count_run(started, output_path, testlogs, labels, name)
            print("%s: %s" % (name, summary_line(*counted)))
            totals = [t + c for t, c in zip(totals, counted)]
    print(summary_line(*totals))
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
