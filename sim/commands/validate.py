"""``ladera validate``: a solved baseline against observed figures it was not fitted to."""

from __future__ import annotations

import argparse
import sys

from sim.commands.common import solved


def validate(args: argparse.Namespace) -> int:
    import json

    from sim.rundir.claims import free_folder
    from sim.rundir.names import check_writable, timestamp
    from sim.validate import figure_markdown, markdown, validation_report

    check_writable(args.results)
    scenario, model, conv = solved(args)
    report = validation_report(model, scenario, conv)
    if args.sensitivity:
        from sim.sensitivity import sensitivity

        report["sensitivity"] = sensitivity(model, report["headline"],
                                             max_iterations=model.params.max_iterations)  # fmt: skip
    folder = free_folder(args.results / "validate", f"{scenario.name}-{timestamp()}")
    folder.mkdir(parents=True)
    (folder / "validation.md").write_text(markdown(report), encoding="utf-8")
    (folder / "validation.json").write_text(json.dumps(report, indent=1, default=float),
                                            encoding="utf-8")  # fmt: skip
    from sim.report import validation_figures

    validation_figures(report, folder)
    print("calibration (fitted):")
    print("\n".join(figure_markdown(report["calibration"])))
    print("\nvalidation (not fitted):")
    print("\n".join(figure_markdown(report["validation"])))
    failed = [r["metric"] for r in report["validation"] if not r["pass"]]
    print(f"\n{len(report['validation']) - len(failed)} of {len(report['validation'])} "
          f"validation figures within their bands; report: {folder / 'validation.md'}")  # fmt: skip
    if failed:
        print(f"ladera: outside their bands: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
