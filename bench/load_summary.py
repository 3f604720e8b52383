"""Median and spread of several load test reports, as the README shows them.

Usage (from the repository root)::

    tools/bench.sh load --db fcl_bench_10k --report /tmp/load_1.json   # three times
    tools/bench.sh load_summary /tmp/load_1.json /tmp/load_2.json /tmp/load_3.json
"""

import json
import statistics
import sys
from pathlib import Path

COLUMNS = ("per_second", "p50_ms", "p95_ms", "p99_ms")


def spread(values, spec="g"):
    values = [value for value in values if value is not None]
    if not values:
        return "–"
    middle = statistics.median(values)
    if len(values) == 1:
        return format(middle, spec)
    return f"{middle:{spec}} ({min(values):{spec}}–{max(values):{spec}})"


def summary(reports):
    lines = [
        f"{len(reports)} runs: {reports[0]['tills']} tills, {reports[0]['desks']} desks, "
        f"{reports[0]['workers']} workers, {reports[0]['seconds']:.0f} s each",
        "",
        "| kind | requests/s | p50 ms | p95 ms | p99 ms | refused | failed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    kinds = sorted({kind for report in reports for kind in report["kinds"]})
    for kind in kinds:
        rows = [report["kinds"].get(kind, {}) for report in reports]
        cells = [
            spread(
                [row.get(column) for row in rows],
                ".2f" if column == "per_second" else ".0f",
            )
            for column in COLUMNS
        ]
        cells += [
            spread([row.get("refused") for row in rows], ".0f"),
            spread([row.get("failed") for row in rows], ".0f"),
        ]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    totals = {
        "all requests/s": [report["per_second"] for report in reports],
        "orders answered": [report["answered_orders"] for report in reports],
        "orders refused by the cards": [report["refused_orders"] for report in reports],
        "orders unanswered at the end": [
            report["unanswered_orders"] for report in reports
        ],
        "Odoo's serialisation retries": [
            sum(report["server_retries"].values()) for report in reports
        ],
        "Odoo gave up": [sum(report["server_gave_up"].values()) for report in reports],
        "nightly recomputes": [len(report["nightly_runs"]) for report in reports],
    }
    cpu_kinds = sorted({kind for report in reports for kind in report["cpu_seconds"]})
    for kind in cpu_kinds:
        totals[f"CPU share, {kind}"] = [
            100.0
            * report["cpu_seconds"].get(kind, 0.0)
            / (report["seconds"] * report["cores"])
            for report in reports
        ]
    lines += ["", "| | median (spread) |", "|---|---:|"]
    for name, values in totals.items():
        spec = ".2f" if "/s" in name else ".0f"
        suffix = " %" if name.startswith("CPU") else ""
        lines.append(f"| {name} | {spread(values, spec)}{suffix} |")
    failed = sorted(
        {
            name
            for report in reports
            for name, c in report["checks"].items()
            if not c["passed"]
        }
    )
    lines += ["", f"checks failed in any run: {', '.join(failed) or 'none'}"]
    return "\n".join(lines)


def main(argv=None):
    paths = (argv if argv is not None else sys.argv[1:]) or []
    if not paths:
        raise SystemExit(__doc__)
    reports = [json.loads(Path(path).read_text()) for path in paths]
    print(summary(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
