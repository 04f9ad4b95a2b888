"""The sync chaos soak (issue 10): the chaos test's harness run for many cycles.

Three PCs (two of branch BR001, one of BR002) do real branch work while their sync rounds
run through lossy proxies and are SIGKILLed at random, and head office (its own process,
SQLite and PostgreSQL) is killed and restarted; then the line heals and every promise is
checked (see ``tests/sync/chaos.py``: oracle, ledger of committed rows and tombstones,
exactly-once, no 5xx, no crashed round).

Figures per database: ``chaos_converged_<db>`` (1 when every check passed; the problems
found otherwise), ``chaos_time_to_converge_<db>`` (seconds of healing until a whole pass
moved nothing; baseline: that last, idle pass -- the floor of one round on every PC),
``chaos_rounds_<db>`` (sync rounds, with how they ended), ``chaos_faults_<db>`` (faults the
proxies injected, per kind), ``chaos_kills_<db>`` (sync rounds and head office SIGKILLed),
``chaos_changes_synced_<db>`` (changes the PCs captured, all of which head office must hold
once). ``--size``: cycles (default 80); ``--quick``: 3 cycles, SQLite only. The seed is
``BRANCH_CRM_CHAOS_SEED`` (default 1); ``BRANCH_CRM_CHAOS_SKIP`` leaves parts of the workload
out, as in the test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench._sync_common import hq_database, isolated_env, machine_load

HARNESS = Path(__file__).resolve().parents[1] / "tests" / "sync"
CYCLES = 80
QUICK_CYCLES = 3


def _harness() -> Any:
    """The chaos harness of the test suite (tests/sync on the import path)."""
    if str(HARNESS) not in sys.path:
        sys.path.insert(0, str(HARNESS))
    import chaos

    return chaos


def soak(kind: str, cycles: int, seed: int) -> Iterator[dict[str, Any]]:
    """The figures of one run against one head-office database kind."""
    chaos = _harness()
    with isolated_env() as folder, hq_database(kind, folder) as url:
        if url is None:
            yield {"metric": f"chaos_converged_{kind}", "skipped": "PostgreSQL unreachable"}
            return
        skip = frozenset(filter(None, os.environ.get("BRANCH_CRM_CHAOS_SKIP", "").split(",")))
        config = chaos.ChaosConfig(
            seed=seed, hq_database_url=url, folder=folder, cycles=cycles, skip=skip
        )
        report = chaos.ChaosRun(config).run()
    stats = report.stats
    common = {
        "seed": seed,
        "cycles": cycles,
        "skipped_work": sorted(config.skip),
        "loadavg_1m": machine_load(),
    }
    yield {
        "metric": f"chaos_converged_{kind}",
        "value": int(report.converged),
        "unit": "bool",
        "problems": len(report.problems),
        "first_problems": report.problems[:8],
        "settled": stats.settled,
        "wall_s": stats.seconds,
        **common,
    }
    yield {
        "metric": f"chaos_time_to_converge_{kind}",
        "value": stats.heal_seconds,
        "unit": "s",
        "baseline": stats.idle_pass_seconds or None,
        "heal_passes": stats.heal_passes,
        **common,
    }
    yield {
        "metric": f"chaos_rounds_{kind}",
        "value": stats.rounds,
        "unit": "rounds",
        "ok": stats.rounds_ok,
        "failed_in_words": stats.rounds_failed,
        "errors": dict(stats.round_errors.most_common(6)),
        "crashed": stats.rounds_crashed,
        "hung": stats.rounds_hung,
        "offline_pc_cycles": stats.offline_cycles,
        **common,
    }
    yield {
        "metric": f"chaos_faults_{kind}",
        "value": sum(report.faults.values()),
        "unit": "faults",
        "by_kind": dict(report.faults),
        "hq_answers": {str(k): v for k, v in sorted(report.hq_answers.items())},
        **common,
    }
    yield {
        "metric": f"chaos_kills_{kind}",
        "value": stats.client_kills_timer
        + stats.client_kills_point
        + stats.hq_kills_timer
        + stats.hq_kills_point,
        "unit": "SIGKILLs",
        "sync_rounds_by_timer": stats.client_kills_timer,
        "sync_rounds_at_kill_point": stats.client_kills_point,
        "hq_by_timer": stats.hq_kills_timer,
        "hq_at_kill_point": stats.hq_kills_point,
        "hq_restarts": stats.hq_restarts,
        **common,
    }
    yield {
        "metric": f"chaos_changes_synced_{kind}",
        "value": report.changes,
        "unit": "changes",
        "work": dict(stats.work),
        "conflicts_resolved": stats.conflicts_resolved,
        "reference_writes": stats.reference_writes,
        **common,
    }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """The soak (--size: cycles) on SQLite and PostgreSQL; --quick: a few cycles, SQLite."""
    cycles = size or (QUICK_CYCLES if quick else CYCLES)
    seed = int(os.environ.get("BRANCH_CRM_CHAOS_SEED", "1"))
    for kind in ("sqlite",) if quick else ("sqlite", "postgresql"):
        yield from soak(kind, cycles, seed)
