"""Throughput benchmark for rules.Policy.evaluate.

    python bench/bench_rules.py [--n 1000000] [--seed 20250101] [--chunk 20000] [--pool 5000]

Generates N synthetic person-years of 10 activities each, spread round-robin over
the five policies, with a deterministic random generator, and evaluates them.

Memory: activities come from a pool of distinct, pre-validated Activity objects
(POOL_PER_POLICY per policy, every kind the policy covers, random fields); each
person-year is a fresh random draw of 10 of them, generated chunk by chunk (--chunk
person-years at a time) so memory stays flat.  evaluate keeps no cache, so reusing
Activity objects across person-years does not make evaluation cheaper.  Only the
evaluate calls are timed; generation is excluded.

Progress goes to stderr; stdout gets exactly one line: ``rules: <N> person-years/s``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules import CATEGORIES, Activity, available_policies, load_policy

YEAR = 2025
POOL_PER_POLICY = 5000  # distinct activities per policy (see module docstring)
ACTIVITIES_PER_YEAR = 10


def _fields(kind: str, policy_id: str, rng: random.Random) -> dict[str, Any]:
    """Random but valid fields for ``kind`` under ``policy_id``."""
    subject = rng.choice(CATEGORIES)
    if policy_id == "wenzhou-2020" and kind == "study_minutes":
        subject = "professional"
    start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(360))
    days = rng.randint(1, 3)
    f: dict[str, Any] = {"subject": subject}
    if kind in (
        "platform_course",
        "transfer_in",
        "qualification_exam",
        "expert_service",
        "aid_dispatch",
        "research_project",
        "patent",
        "paper",
        "book",
        "degree_education",
        "practice",
    ):
        f["hours"] = Decimal(rng.choice(["1", "2", "3.5", "4", "6", "8", "12", "16", "20", "30"]))
    if kind in ("training", "conference", "training_abroad", "expert_service"):
        f["hours"] = Decimal(rng.randint(2, 30))
        if rng.random() < 0.5:
            f["start"] = start
            f["end"] = start + timedelta(days=days - 1)
        else:
            f["days"] = Decimal(days)
    if kind == "study_minutes":
        f["minutes"] = Decimal(rng.randint(20, 900))
    f["level"] = rng.choice(["national", "provincial", "city", "county", "district"])
    f["grade"] = rng.choice("ABC")
    f["modules"] = rng.randint(1, 6)
    f["count"] = rng.randint(1, 4)
    f["months"] = rng.randint(1, 12)
    f["reason"] = rng.choice(["maternity", "other"]) if f["months"] < 7 else rng.choice(["abroad", "sick", "maternity"])
    f["characters"] = rng.randint(500, 120000)
    f["journal"] = rng.choice(["core", "ordinary", "supplement"])
    f["first_author"] = rng.random() < 0.5
    f["patent"] = rng.choice(["invention", "utility", "design"])
    f["related"] = rng.random() < 0.7
    if kind in ("research_project", "patent", "paper", "book") and rng.random() < 0.5:
        f["item_id"] = f"R{rng.randrange(4)}"  # some repeats -> exercises the same-item rule
    return f


def build_pool(policy_id: str, rng: random.Random, size: int = POOL_PER_POLICY) -> list[Activity]:
    kinds = load_policy(policy_id).kinds
    pool = []
    for _ in range(size):
        kind = rng.choice(kinds)
        year = YEAR if rng.random() < 0.97 else YEAR - 1  # a few activities of another year
        pool.append(Activity(kind=kind, year=year, **_fields(kind, policy_id, rng)))
    return pool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="person-years to evaluate")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--chunk", type=int, default=20_000, help="person-years generated at a time")
    parser.add_argument("--pool", type=int, default=POOL_PER_POLICY, help="distinct activities per policy")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    ids = available_policies()
    policies = [load_policy(p) for p in ids]
    pools = [build_pool(p, rng, args.pool) for p in ids]
    for policy, pool in zip(policies, pools, strict=True):  # sanity: every pooled activity is valid
        for a in pool:
            policy.credit(a)
    elapsed = 0.0
    done = 0
    complete = 0
    n_policies = len(ids)
    while done < args.n:
        size = min(args.chunk, args.n - done)
        batch = []
        for i in range(size):
            p = (done + i) % n_policies
            batch.append((policies[p], rng.choices(pools[p], k=ACTIVITIES_PER_YEAR)))
        t0 = time.perf_counter()
        for policy, activities in batch:
            if policy.evaluate(activities, YEAR).complete:
                complete += 1
        elapsed += time.perf_counter() - t0
        done += size
        print(f"{done:>9} person-years, {elapsed:7.2f}s evaluating", file=sys.stderr)
    rate = int(done / elapsed) if elapsed else 0
    print(f"{complete} of {done} person-years complete", file=sys.stderr)
    print(f"rules: {rate} person-years/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
