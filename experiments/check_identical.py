"""Check that a change moves no result: run a small Porto Alegre comparison and compare the
SHA-256 of its outputs with a reference saved before the change.

    python experiments/check_identical.py save results/bench/identical.json   # before
    python experiments/check_identical.py check results/bench/identical.json  # after

The comparison: baseline, cable and road scenarios, 1,500 households, 2 seeds, 4 equilibrium
iterations, run here one after another (``--workers 0``). Compared byte for byte: every run's
``summary.json``, ``days.parquet`` and ``households.parquet``, and the comparison's
``summary.json`` and ``catchment_households.parquet`` (the comparison's file names the run
folders, so their temporary root and time stamps are masked first). Exit status 1 names every file that
differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "cable_morro_da_cruz", "road_upgrade")
RUN_FILES = ("summary.json", "days.parquet", "households.parquet")
COMPARE_FILES = ("summary.json", "catchment_households.parquet")
STAMP = re.compile(rb"-\d{8}-\d{6}")


def run(out: Path) -> None:
    """The small comparison, into ``out``."""
    scen = [str(ROOT / "scenarios" / "porto_alegre" / f"{s}.toml") for s in SCENARIOS]
    cmd = [sys.executable, "-m", "sim", "compare", *scen, "--households", "1500",
           "--seeds", "2", "--max-iterations", "4", "--workers", "0",
           "--results", str(out), "--id", "check"]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def digests(out: Path) -> dict[str, str]:
    """SHA-256 of every compared file, keyed by scenario/seed/file."""
    found: dict[str, str] = {}
    for scen in SCENARIOS:
        for run_dir in sorted((out / scen).iterdir()):
            seed = run_dir.name.split("-")[0]
            for name in RUN_FILES:
                found[f"{scen}/{seed}/{name}"] = _sha(run_dir / name)
    for name in COMPARE_FILES:
        found[f"compare/{name}"] = _sha(out / "compare" / "check" / name, mask=out)
    return found


def _sha(path: Path, *, mask: Path | None = None) -> str:
    data = path.read_bytes()
    if mask is not None:  # the temporary folder's name and the run folders' time stamps
        data = STAMP.sub(b"-STAMP", data.replace(str(mask).encode(), b"OUT"))
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("reference", type=Path, help="JSON file of the reference digests")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ladera-identical-") as tmp:
        run(Path(tmp))
        now = digests(Path(tmp))
    if args.action == "save":
        args.reference.parent.mkdir(parents=True, exist_ok=True)
        args.reference.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"saved {len(now)} digests to {args.reference}")
        return 0
    ref = json.loads(args.reference.read_text())
    differ = sorted(k for k in ref.keys() | now.keys() if ref.get(k) != now.get(k))
    for k in differ:
        print(f"differs: {k}")
    print(f"{len(ref) - len(differ)} of {len(ref)} files identical")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
