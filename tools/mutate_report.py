"""The last line of `make mutate`: mutmut's results over rules/, with the survivors the README explains as
equivalent (its "Equivalent mutants" list) taken out of the unexplained count.

    mutate: <K> killed, <S> survived, <U> unexplained

Killed counts every mutant a test (or the type check, or a time-out) caught; survived counts the mutants no test
caught, including those no test reaches ("no tests"); unexplained is survived less the README's equivalents.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}
MISSED = {"survived", "no tests"}


def explained() -> set[str]:
    """Mutant names listed under the README's 'Equivalent mutants' heading: each bullet names one or more mutants in
    backticks (mutants that are equivalent for one reason share a bullet), then a colon and the reason."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text.split("### Equivalent mutants", 1)
    if len(part) < 2:
        return set()
    section = part[1].split("\n#", 1)[0]
    names: set[str] = set()
    for bullet in re.findall(r"^- (`.*(?:\n  .*)*)", section, flags=re.M):  # a bullet and its indented lines
        head = bullet.split("`: ", 1)[0] + "`"
        names.update(re.findall(r"`([\w.]+__mutmut_\d+)`", head))
    return names


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    status = dict(re.findall(r"^\s+(\S+): (.+)$", out, flags=re.M))
    counts = Counter(status.values())
    missed = sorted(name for name, s in status.items() if s in MISSED)
    unexplained = [name for name in missed if name not in explained()]
    for name in unexplained:
        print(f"  unexplained survivor: {name}")
    other = {s: n for s, n in counts.items() if s not in CAUGHT | MISSED}
    if other:
        print(f"  not run to the end: {other}")
    killed = sum(n for s, n in counts.items() if s in CAUGHT)
    print(f"mutate: {killed} killed, {len(missed)} survived, {len(unexplained)} unexplained")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
