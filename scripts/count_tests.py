#!/usr/bin/python3
"""Counts test cases from Bazel's test.xml reports and prints the summary.

Usage: count_tests.py STARTED BAZEL_OUTPUT LABEL...

STARTED is the Unix time `bazel test` began; BAZEL_OUTPUT its saved output.
A target whose report is missing or older than STARTED, and that Bazel did
not report as passed, counts as one failure (it failed to build or to run).
Prints one line per failing test case and, last, "N passed, N failed" with
", N skipped" when any were skipped. Exits 1 when anything failed.
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


def main(argv):
    started = float(argv[1])
    statuses = bazel_statuses(argv[2])
    labels = argv[3:]
    total_passed = total_failed = total_skipped = 0
    for label in labels:
        package, name = label[2:].split(":", 1)
        report = os.path.join("bazel-testlogs", package, name, "test.xml")
        status = statuses.get(label, "NO STATUS")
        fresh = os.path.exists(report) and (
            status == "PASSED" or os.path.getmtime(report) >= started)
        if not fresh:
            print("FAILED  %s (%s)" % (label, status.lower()))
            total_failed += 1
            continue
        passed, failed, skipped, failures = count_report(report)
        if status != "PASSED" and failed == 0:
            # The binary died (crash, timeout) after writing passing cases.
            failures.append("(%s)" % status.lower())
            failed = 1
        for f in failures:
            print("FAILED  %s %s" % (label, f))
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
    summary = "%d passed, %d failed" % (total_passed, total_failed)
    if total_skipped:
        summary += ", %d skipped" % total_skipped
    print(summary)
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
