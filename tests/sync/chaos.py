"""The sync chaos harness (issue 10): several PCs, a lossy line, processes killed at random,
real branch work -- then healing, and proof that everything converged.

Three PCs -- ``pc1`` and ``pc2`` of branch BR001, ``pc3`` of BR002 -- each with its own
branch database registered at one head office. Head office runs as a child process
(:class:`reliability_support.HqProcess`, SQLite or PostgreSQL) that a timer SIGKILLs at
random moments (sometimes a named server kill point too) and that is restarted on the same
port. Each PC talks to it through its own :class:`tests.support.faultproxy.FaultProxy`, which
resets connections, stalls, cuts requests and answers, answers 502 and goes off line for whole
cycles.

A cycle: local work on every PC in this process, through the real services (customers with
phones, edits, deletes, complaints taken on both BR001 PCs the same day, a staff account
added, survey forms printed, pickup preferences, the same phone on two PCs and across
branches, edits of rows head office parked, conflicts resolved by a supervisor), then one
sync round per PC, all at once, each in a child process (``killpoints client``) that may be
SIGKILLed by a timer or at a named kill point, while head office may be killed and a
head-office reference writer may commit in the middle.

Healing: faults off, head office up, rounds on every PC until a whole pass moves nothing
(bounded), every open conflict resolved by a supervisor. Then :meth:`ChaosRun.verify`
checks: every outbox empty and nothing parked, quarantined or waiting (at the PCs and at
head office); every cursor at the end; every PC equal to head office's partition
(:mod:`oracle`); every row id a PC committed (the ledger, read from its outbox after each
piece of local work) is at head office, live or tombstoned; every
tombstone is a tombstone at head office and at every PC of its branch (delete wins); head
office received each captured change exactly once (batches and change log, per PC); head
office never answered 5xx (recorded at the proxies); no sync round crashed or hung; no local
work failed with anything but a refusal in words; only shared phones raised conflicts
(complaint numbers and serials never clash, preferences merge). Every breach is one line of
:attr:`ChaosReport.problems`.

Decisions come from two ``random.Random`` seeded with the seed: the chaos plan (faults,
outages, kill timers and kill points; head office is always killed in cycle 1) is the same
for a seed whatever happens; the workload replays the same choices as long as the PCs hold
the same rows. The moment a timer fires relative to a process's work still varies from run
to run, so a failure is reproduced by running its seed a few times. Every wait is bounded.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import killpoints
from oracle import differences
from reliability_support import HqProcess, child_env, node_id, read_kill_log
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from branch_crm.db import Database
from branch_crm.errors import CrmError
from branch_crm.hq import tables as t
from branch_crm.models import Role
from branch_crm.services.context import Actor, unit_of_work
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.sync import on_staff

BRANCHES = ("BR001", "BR002")
PCS = (("pc1", "BR001"), ("pc2", "BR001"), ("pc3", "BR002"))
SHARED_IN_BRANCH = "13700000001"
"""Entered on pc1 and pc2 (one branch) before either synced: a clash within BR001."""
SHARED_ACROSS = "13700000002"
"""Entered on pc1 (BR001) and pc3 (BR002): a clash across branches."""
CATEGORIES = ("delay", "damage", "loss", "wrong_delivery", "tracking")
CHOICES = ("keep_mine", "keep_theirs", "merge")
FAULT_WEIGHTS = {
    "reset": 3,
    "reset_after_forward": 3,
    "http_502": 2,
    "timeout": 1,
    "timeout_after_forward": 1,
    "cut_request": 2,
    "cut_response": 3,
}
ROUND_SUFFIX = ".out"
WORKLOAD = {
    "complaints_two_pcs": "complaints on pc2 too (the same day as pc1's)",
    "staff": "a staff account added on pc2",
    "survey": "survey forms printed on pc1",
    "shared_phones": "one phone entered on pc1 and pc2, another on pc1 and pc3",
    "preferences": "pickup preferences (also for one customer on pc1 and pc2)",
    "edit_parked": "edits of rows behind an open conflict",
    "deletes": "customers deleted (also one pc2 edits meanwhile)",
    "resolve": "conflicts resolved during the run (healing always resolves them)",
}
"""Parts of the workload, by the name ``ChaosConfig.skip`` (BRANCH_CRM_CHAOS_SKIP) uses."""


@dataclass(frozen=True)
class ChaosConfig:
    """What one chaos run does; the defaults are the short run of the test suite."""

    seed: int
    hq_database_url: str
    folder: Path
    cycles: int = 10
    client_timeout: float = 2.0
    """HTTP timeout of a PC's sync client, seconds (a stalled line costs this much)."""
    round_timeout: float = 60.0
    """A child sync round still running after this long is a hung round (killed)."""
    kill_client_chance: float = 0.25
    kill_point_chance: float = 0.1
    kill_hq_chance: float = 0.25
    hq_kill_point_chance: float = 0.25
    hq_stays_down_chance: float = 0.2
    fault_chance: float = 0.45
    offline_chance: float = 0.1
    reference_write_chance: float = 0.3
    resolve_chance: float = 0.3
    work_per_cycle: tuple[int, int] = (2, 5)
    kill_window: float = 0.8
    """Kill timers fire within this many seconds of the rounds' start."""
    heal_passes: int = 15
    batch_size: int = 20
    pull_limit: int = 40
    skip: frozenset[str] = frozenset()
    """Parts of the workload left out (see WORKLOAD), to tell one failure from another."""


@dataclass
class Ledger:
    """What one PC committed locally, read from its outbox after each piece of work."""

    seqs: set[int] = field(default_factory=set)
    rows: set[tuple[str, str]] = field(default_factory=set)
    tombstones: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class Pc:
    """One PC: its database, token, line to head office and what it committed."""

    name: str
    branch: str
    index: int
    db: Database
    token: str
    proxy: FaultProxy
    ledger: Ledger = field(default_factory=Ledger)
    offline_until: int = -1
    phones: int = 0
    staff: int = 0

    def actor(self, role: Role = Role.SUPERVISOR) -> Actor:
        """A signed-in staff member of this PC's branch."""
        return Actor(
            f"{self.name}-{role.value}", f"{self.name}{role.value}", role.value, role, self.branch
        )

    def new_phone(self) -> str:
        """A mobile number nobody else uses in this run."""
        self.phones += 1
        return f"139{self.index}{self.phones:07d}"

    def note_outbox(self) -> None:
        """Add every queued change to the ledger (called after each piece of local work)."""
        with closing_sqlite(self.db.path) as raw:
            rows = raw.execute("SELECT seq, table_name, pk, op FROM sync_outbox").fetchall()
        for seq, table, pk, op in rows:
            self.ledger.seqs.add(int(seq))
            self.ledger.rows.add((str(table), str(pk)))
            if op == "delete":
                self.ledger.tombstones.add((str(table), str(pk)))

    def live_customers(self) -> list[str]:
        """Ids of the live customers this PC holds, in a stable order."""
        with closing_sqlite(self.db.path) as raw:
            rows = raw.execute(
                "SELECT id FROM customer WHERE deleted_at IS NULL ORDER BY id"
            ).fetchall()
        return [str(r[0]) for r in rows]


@contextmanager
def closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to a branch database, closed on exit."""
    raw = sqlite3.connect(str(path), timeout=30)
    try:
        yield raw
    finally:
        raw.close()


@dataclass
class Stats:
    """Figures of a run (the bench prints them)."""

    cycles: int = 0
    rounds: int = 0
    rounds_ok: int = 0
    rounds_failed: int = 0
    rounds_crashed: int = 0
    rounds_hung: int = 0
    client_kills_timer: int = 0
    client_kills_point: int = 0
    hq_kills_timer: int = 0
    hq_kills_point: int = 0
    hq_restarts: int = 0
    offline_cycles: int = 0
    reference_writes: int = 0
    round_errors: Counter[str] = field(default_factory=Counter)
    """The errors in words failed rounds reported (head office's address left out)."""
    work: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    conflicts_resolved: int = 0
    heal_passes: int = 0
    heal_seconds: float = 0.0
    idle_pass_seconds: float = 0.0
    """The last healing pass, which moved nothing: one round on every PC at rest."""
    settled: bool = False
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        """Plain numbers for a report."""
        return {k: (dict(v) if isinstance(v, Counter) else v) for k, v in self.__dict__.items()}


@dataclass
class ChaosReport:
    """The outcome of a run: every breach found, and the figures."""

    seed: int
    problems: list[str]
    stats: Stats
    faults: Counter[str]
    changes: int
    hq_answers: Counter[int]
    skipped: frozenset[str] = frozenset()

    @property
    def converged(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """A failure message: what diverged, then how to replay the seed."""
        head = [
            f"chaos run with seed {self.seed}: {len(self.problems)} problems "
            f"(settled after healing: {self.stats.settled})",
            *[f"  - {p}" for p in self.problems[:60]],
        ]
        if len(self.problems) > 60:
            head.append(f"  ... and {len(self.problems) - 60} more")
        head.append(f"figures: {json.dumps(self.stats.figures(), default=str)}")
        head.append(f"faults injected: {dict(self.faults)}; changes captured: {self.changes}")
        env = f"BRANCH_CRM_CHAOS_SEED={self.seed} BRANCH_CRM_CHAOS_CYCLES={self.stats.cycles}"
        if self.skipped:
            env += f" BRANCH_CRM_CHAOS_SKIP={','.join(sorted(self.skipped))}"
        head.append(f"replay: {env} python -m pytest tests/sync/test_chaos.py")
        return "\n".join(head)


@dataclass
class Round:
    """One child sync round of one PC."""

    pc: Pc
    process: BaseProcess
    output: Path
    kill_log: Path
    kill_at: str | None
    timer: threading.Timer | None


class ChaosRun:
    """One run; ``run()`` sets up, works, heals, verifies and always tears down."""

    def __init__(self, config: ChaosConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        """The workload's choices (some depend on what a PC holds, so on timing)."""
        self.plan = random.Random(f"{config.seed}/chaos")
        """Faults, kills and outages: the same for a seed whatever the workload does."""
        self.stats = Stats()
        self.problems: list[str] = []
        self.pcs: list[Pc] = []
        self.hq: HqProcess | None = None
        self.hq_kill_log = config.folder / "hq-kills.log"
        self.engine: Engine | None = None
        self.reference_tag = 0
        self.done: set[str] = set()
        self.round_number = 0
        self.crashes: Counter[str] = Counter()
        """pc: exception -> how many sync rounds crashed with it (instead of an error)."""

    # --- set-up ----------------------------------------------------------------------

    def run(self) -> ChaosReport:
        """The whole run; never raises for what it finds (those are problems)."""
        start = time.monotonic()
        with ExitStack() as stack:
            stack.callback(self._teardown)
            self._setup()
            for cycle in range(self.config.cycles):
                self._cycle(cycle)
            heal_start = time.monotonic()
            self._heal()
            self.stats.heal_seconds = round(time.monotonic() - heal_start, 2)
            self.verify()
        self.stats.seconds = round(time.monotonic() - start, 2)
        faults: Counter[str] = Counter()
        answers: Counter[int] = Counter()
        for pc in self.pcs:
            faults.update(pc.proxy.stats.faults)
            answers.update(pc.proxy.stats.answers)
        changes = sum(len(pc.ledger.seqs) for pc in self.pcs)
        return ChaosReport(
            self.config.seed, self.problems, self.stats, faults, changes, answers, self.config.skip
        )

    def _setup(self) -> None:
        from branch_crm.hq.admin import add_branch
        from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine
        from branch_crm.hq.schema import migrate
        from branch_crm.hq.testing import free_port, registered_branch

        folder = self.config.folder
        (folder / "rounds").mkdir(parents=True, exist_ok=True)
        self.engine = make_null_pool_engine(self.config.hq_database_url)
        migrate(self.engine)
        options = {WRITE_OPTION: True}
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            codes = [add_branch(conn, branch, branch) for _name, branch in PCS]
        self.hq = HqProcess(
            self.config.hq_database_url,
            free_port(),
            folder / "hq.out",
            pull_limit=self.config.pull_limit,
        )
        self.hq.start()
        for index, ((name, branch), code) in enumerate(zip(PCS, codes, strict=True), start=1):
            db, _client = registered_branch(self.hq.base_url, folder / f"{name}.db", branch, code)
            from branch_crm.services.syncing.service import stored_token

            token = stored_token(db)
            assert token is not None
            proxy = FaultProxy(self.hq.base_url).start()
            self.pcs.append(Pc(name, branch, index, db, token, proxy))

    def _teardown(self) -> None:
        for pc in self.pcs:
            pc.proxy.stop()
            pc.db.dispose()
        if self.hq is not None:
            self.hq.stop()
        if self.engine is not None:
            self.engine.dispose()

    # --- one cycle -------------------------------------------------------------------

    def _cycle(self, cycle: int) -> None:
        self.stats.cycles += 1
        self._hq_up_maybe(cycle)
        self._plan_faults(cycle)
        for pc in self.pcs:
            self._work(pc, cycle)
            pc.note_outbox()
        self._rounds(cycle)
        for pc in self.pcs:
            if self.rng.random() < self.config.resolve_chance and self._on("resolve"):
                self._resolve_one(pc, choice=None)
                pc.note_outbox()

    def _on(self, part: str) -> bool:
        """True unless this part of the workload is left out."""
        assert part in WORKLOAD, part
        return part not in self.config.skip

    def _hq_up_maybe(self, cycle: int) -> None:
        """Restart head office if it is down (it may stay down for a cycle)."""
        assert self.hq is not None
        if self.hq.process is not None and self.hq.process.exitcode is None:
            return
        if cycle > 0 and self.plan.random() < self.config.hq_stays_down_chance:
            return
        kill_at = None
        if self.plan.random() < self.config.hq_kill_point_chance:
            step = self.plan.choice(killpoints.SERVER_STEPS)
            kill_at = f"{step}@{self.plan.randint(1, 4)}"
        self.hq.start(kill_at=kill_at, kill_log=self.hq_kill_log)
        self.stats.hq_restarts += 1

    def _plan_faults(self, cycle: int) -> None:
        """This cycle's faults on every line, and which PCs are off line."""
        offline_day = self.config.cycles // 2
        for pc in self.pcs:
            pc.proxy.clear()
            if cycle in (offline_day, offline_day + 1) and pc.branch == "BR001":
                pc.offline_until = max(pc.offline_until, offline_day + 1)  # both BR001 PCs
            elif cycle > pc.offline_until and self.plan.random() < self.config.offline_chance:
                pc.offline_until = cycle + self.plan.randint(0, 2)
            offline = cycle <= pc.offline_until
            pc.proxy.set_network(not offline)
            self.stats.offline_cycles += offline
            if self.plan.random() < self.config.fault_chance:
                for _ in range(self.plan.randint(1, 2)):
                    pc.proxy.add_rule(
                        self._random_fault(),
                        every=self.plan.randint(1, 4),
                        times=self.plan.randint(1, 3),
                    )

    def _random_fault(self) -> Fault:
        kinds = list(FAULT_WEIGHTS)
        kind = self.plan.choices(kinds, weights=[FAULT_WEIGHTS[k] for k in kinds])[0]
        return Fault(
            kind,  # type: ignore[arg-type]
            at=round(self.plan.uniform(0.05, 0.95), 2),
            delay=self.config.client_timeout * 1.5,
        )

    # --- sync rounds in child processes ----------------------------------------------

    def _rounds(self, cycle: int) -> None:
        """One round per PC, all at once, with kill timers on them and on head office."""
        assert self.hq is not None
        rounds = [self._start_round(pc) for pc in self.pcs]
        timers = [r.timer for r in rounds if r.timer is not None]
        hq_timer = None
        if self.plan.random() < self.config.kill_hq_chance or cycle == 1:
            hq_timer = threading.Timer(self._kill_delay(), self._kill_hq)
            hq_timer.start()
        writer = None
        if self.plan.random() < self.config.reference_write_chance:
            writer = threading.Thread(target=self._write_reference, daemon=True)
            writer.start()
        for timer in timers:
            timer.start()
        deadline = time.monotonic() + self.config.round_timeout
        for r in rounds:
            self._finish_round(r, deadline)
        for timer in timers:
            timer.cancel()
        if writer is not None:
            writer.join(30)
        if hq_timer is not None:  # it fires even after the rounds: head office dies anyway
            hq_timer.join(self.config.kill_window + 5)
        self._note_hq_death()

    def _kill_delay(self) -> float:
        return self.plan.uniform(0.02, self.config.kill_window)

    def _start_round(self, pc: Pc, *, forced_kill: str | None = None) -> Round:
        self.round_number += 1
        stem = self.config.folder / "rounds" / f"{self.round_number:04d}-{pc.name}"
        kill_at = forced_kill
        if forced_kill is None and self.plan.random() < self.config.kill_point_chance:
            step = self.plan.choice(killpoints.CLIENT_STEPS)
            kill_at = f"{step}@{self.plan.randint(1, 2)}"
        argv = ["client", str(pc.db.path), pc.proxy.url, pc.token]
        argv += ["--batch-size", str(self.config.batch_size)]
        argv += ["--pull-limit", str(self.config.pull_limit)]
        argv += ["--timeout", str(self.config.client_timeout)]
        kill_log = stem.with_suffix(".kills")
        output = stem.with_suffix(ROUND_SUFFIX)
        process = killpoints.spawn(argv, child_env(kill_at, kill_log), str(output))
        timer = None
        if forced_kill is None and self.plan.random() < self.config.kill_client_chance:
            timer = threading.Timer(self._kill_delay(), _kill, args=(process,))
        self.stats.rounds += 1
        return Round(pc, process, output, kill_log, kill_at, timer)

    def _finish_round(self, r: Round, deadline: float) -> None:
        r.process.join(max(0.1, deadline - time.monotonic()))
        if r.process.exitcode is None:
            _kill(r.process)
            r.process.join(10)
            self.stats.rounds_hung += 1
            self.problems.append(
                f"{r.pc.name}: a sync round was still running after "
                f"{self.config.round_timeout:.0f} s (hung; see {r.output.name})"
            )
            return
        code = r.process.exitcode
        out = r.output.read_text(encoding="utf-8", errors="replace") if r.output.exists() else ""
        if code < 0:
            if read_kill_log(r.kill_log):
                self.stats.client_kills_point += 1
            else:
                self.stats.client_kills_timer += 1
            return
        result = _last_json(out)
        if result is None:
            self.stats.rounds_crashed += 1
            self.crashes[f"{r.pc.name}: {_last_exception(out)}"] += 1
        elif result.get("error"):
            self.stats.rounds_failed += 1
            self.stats.round_errors[_without_address(str(result["error"]))] += 1
        else:
            self.stats.rounds_ok += 1

    def _kill_hq(self) -> None:
        assert self.hq is not None
        process = self.hq.process
        if process is not None and process.exitcode is None:
            _kill(process)
            self.stats.hq_kills_timer += 1

    def _note_hq_death(self) -> None:
        """Notice head office died (timer or kill point); it restarts in a later cycle."""
        assert self.hq is not None
        process = self.hq.process
        if process is None or process.exitcode is None:
            return
        process.join(5)
        if process.exitcode is not None and process.exitcode >= 0:
            self.problems.append(f"head office exited by itself with code {process.exitcode}")
        self.hq.process = None
        fired = read_kill_log(self.hq_kill_log)
        self.stats.hq_kills_point = len(fired)

    def _write_reference(self) -> None:
        """Head office edits reference data while branches push and pull (pull gaps)."""
        from branch_crm.hq.admin import write_reference
        from branch_crm.hq.db import WRITE_OPTION

        assert self.engine is not None
        self.reference_tag += 1
        tag = self.reference_tag
        try:
            options = {WRITE_OPTION: True}
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                write_reference(
                    conn,
                    "reference_code",
                    {
                        "list_kind": "complaint_category",
                        "code": f"chaos{tag:03d}",
                        "name_zh": f"混沌{tag}",
                        "name_en": f"Chaos {tag}",
                        "sort_order": 100 + tag,
                        "active": True,
                    },
                )
            self.stats.reference_writes += 1
        except Exception as exc:  # head office's own edit failed: worth knowing
            self.problems.append(f"a head-office reference edit failed: {_one_line(exc)}")

    # --- local work ------------------------------------------------------------------

    def _work(self, pc: Pc, cycle: int) -> None:
        """Scripted events of this cycle, then random work."""
        self._scripted(pc, cycle)
        low, high = self.config.work_per_cycle
        complaints = pc.name != "pc2" or self._on("complaints_two_pcs")
        actions: list[tuple[str, Callable[[Pc], None], float]] = [
            ("new_customer", self._new_customer, 4),
            ("edit_customer", self._edit_customer, 4),
            ("delete_customer", self._delete_customer, self._on("deletes")),
            ("complaint", self._complaint, 3 * complaints),
            ("preferences", self._preferences, 2 * self._on("preferences")),
            ("survey_print", self._survey_print, (pc.name == "pc1") * self._on("survey")),
            ("edit_parked", self._edit_parked, 2 * self._on("edit_parked")),
        ]
        weights = [a[2] for a in actions]
        for _ in range(self.rng.randint(low, high)):
            name, action, _weight = self.rng.choices(actions, weights=weights)[0]
            self._do(pc, name, action)

    def _scripted(self, pc: Pc, cycle: int) -> None:
        """The workload the issue names, at fixed cycles (retried until it could happen)."""
        if cycle == 0:
            for _ in range(4):
                self._do(pc, "new_customer", self._new_customer)
        complaints = pc.name != "pc2" or self._on("complaints_two_pcs")
        shared = self._on("shared_phones")
        if cycle == 1:
            if pc.name in ("pc1", "pc2") and shared:
                self._do(pc, "same_phone_in_branch", self._shared_phone(SHARED_IN_BRANCH))
            if pc.name in ("pc1", "pc2") and complaints:
                self._do(pc, "complaint_same_day", self._complaint)
            if pc.name in ("pc1", "pc3") and shared:
                self._do(pc, "same_phone_across_branches", self._shared_phone(SHARED_ACROSS))
        if cycle == 2 and pc.name == "pc2" and self._on("staff"):
            self._do(pc, "staff_added", self._add_staff)
        if cycle == 2 and pc.name == "pc1" and self._on("survey"):
            self._do(pc, "survey_print", self._survey_print)
        if cycle >= 3 and pc.name == "pc1" and "pair" not in self.done:
            self._pair_work()
        offline_day = self.config.cycles // 2
        if offline_day <= cycle <= offline_day + 1 and pc.branch == "BR001" and complaints:
            self._do(pc, "complaint_offline_day", self._complaint)

    def _pair_work(self) -> None:
        """On one customer both BR001 PCs hold: preferences recorded on both; another one
        deleted on pc1 while pc2 edits it."""
        pc1, pc2 = self.pcs[0], self.pcs[1]
        both = sorted(set(pc1.live_customers()) & set(pc2.live_customers()))
        if len(both) < 2:
            return
        first, second = self.rng.sample(both, 2)
        if self._on("preferences"):
            for pc in (pc1, pc2):
                self._do(pc, "preferences_same_customer", lambda p, c=first: self._prefs_of(p, c))
        if self._on("deletes"):
            self._do(pc1, "delete_while_edited", lambda p: self._delete_of(p, second))
            self._do(pc2, "edit_while_deleted", lambda p: self._edit_of(p, second))
        pc2.note_outbox()
        self.done.add("pair")

    def _do(self, pc: Pc, name: str, action: Callable[[Pc], None]) -> None:
        """Run one piece of work; a refusal in words is normal, anything else a problem."""
        try:
            action(pc)
            self.stats.work[name] += 1
        except CrmError:
            self.stats.refused[name] += 1
        except Exception as exc:
            self.problems.append(f"{pc.name}: {name} failed: {_one_line(exc)}")

    def _new_customer(self, pc: Pc) -> None:
        self._create(pc, pc.new_phone())

    def _shared_phone(self, phone: str) -> Callable[[Pc], None]:
        """A new customer with ``phone``, with pickup preferences (a merge of two such
        customers moves preferences onto a customer that has some)."""

        def create(pc: Pc) -> None:
            customer_id = self._create(pc, phone)
            if self._on("preferences"):
                self._prefs_of(pc, customer_id)

        return create

    def _create(self, pc: Pc, phone: str) -> str:
        from branch_crm.services.customers.profile import create_customer
        from branch_crm.services.customers.validation import CustomerInput

        data = CustomerInput(
            name=f"{pc.name}客户{pc.phones}",
            phones=[phone],
            address=f"{self.rng.randint(1, 99)}号",
        )
        with unit_of_work(pc.db, pc.actor(Role.COUNTER)) as session:
            return create_customer(session=session, actor=pc.actor(Role.COUNTER), data=data).id

    def _pick(self, pc: Pc) -> str | None:
        customers = pc.live_customers()
        return self.rng.choice(customers) if customers else None

    def _edit_customer(self, pc: Pc) -> None:
        customer = self._pick(pc)
        if customer is not None:
            self._edit_of(pc, customer)

    def _edit_of(self, pc: Pc, customer_id: str, *, new_phone: bool | None = None) -> None:
        """Edit a customer through the profile form's service (notes, address, or a new
        first phone, which moves the others down a position)."""
        from branch_crm.services.customers.profile import get_customer, update_customer
        from branch_crm.services.customers.validation import CustomerInput

        actor = pc.actor(Role.COUNTER)
        with unit_of_work(pc.db, actor) as session:
            view = get_customer(session=session, customer_id=customer_id)
            phones = [p.phone for p in view.phones]
            add = self.rng.random() < 0.3 if new_phone is None else new_phone
            if add and len(phones) < 3:
                phones.insert(0, pc.new_phone())
            data = CustomerInput(
                name=view.name,
                phones=phones,
                customer_type=view.customer_type,
                company=view.company,
                address=f"{self.rng.randint(1, 99)}号{pc.name}",
                birthday=view.birthday,
                first_shipment_date=view.first_shipment_date,
                account_manager_id=view.account_manager_id,
                need_tags=list(view.need_tags),
                visit_class=view.visit_class,
                notes=f"{pc.name} 备注 {self.rng.randint(1, 10**6)}",
                marketing_consent=view.marketing_consent,
            )
            update_customer(session=session, actor=actor, customer_id=customer_id, data=data)

    def _delete_customer(self, pc: Pc) -> None:
        customer = self._pick(pc)
        if customer is not None:
            self._delete_of(pc, customer)

    def _delete_of(self, pc: Pc, customer_id: str) -> None:
        from branch_crm.services.customers.profile import delete_customer

        with unit_of_work(pc.db, pc.actor(Role.COUNTER)) as session:
            delete_customer(session=session, actor=pc.actor(Role.COUNTER), customer_id=customer_id)

    def _complaint(self, pc: Pc) -> None:
        from branch_crm.services.complaints.intake import ComplaintInput, take_complaint

        customer = self._pick(pc)
        if customer is None:
            return
        data = ComplaintInput(
            customer_id=customer,
            channel="counter",
            category=self.rng.choice(CATEGORIES),
            description=f"{pc.name} 投诉 {self.rng.randint(1, 10**6)}",
        )
        with unit_of_work(pc.db, pc.actor(Role.COUNTER)) as session:
            take_complaint(session=session, actor=pc.actor(Role.COUNTER), data=data)

    def _preferences(self, pc: Pc) -> None:
        customer = self._pick(pc)
        if customer is not None:
            self._prefs_of(pc, customer)

    def _prefs_of(self, pc: Pc, customer_id: str) -> None:
        from branch_crm.services.customers.preferences import PreferenceInput, save_preferences

        start = self.rng.choice(["08:00", "09:00", "10:00"])
        data = PreferenceInput(
            availability={self.rng.choice(["mon", "tue", "wed"]): [(start, "12:00")]},
            call_before_minutes=self.rng.choice([0, 15, 30]),
            notes=f"{pc.name} 偏好 {self.rng.randint(1, 10**6)}",
        )
        with unit_of_work(pc.db, pc.actor(Role.COURIER)) as session:
            save_preferences(
                session=session, actor=pc.actor(Role.COURIER), customer_id=customer_id, data=data
            )

    def _survey_print(self, pc: Pc) -> None:
        from branch_crm.services.surveys.forms import print_survey_form

        customer = self._pick(pc)
        if customer is None:
            return
        output = self.config.folder / "prints" / f"{pc.name}-{self.round_number}.pdf"
        with unit_of_work(pc.db, pc.actor()) as session:
            print_survey_form(
                session=session, actor=pc.actor(), customer_id=customer, output=output
            )

    def _add_staff(self, pc: Pc) -> None:
        from branch_crm.services.staff.accounts import create_staff

        pc.staff += 1
        with unit_of_work(pc.db, pc.actor(Role.ADMIN)) as session:
            create_staff(
                session=session,
                actor=pc.actor(Role.ADMIN),
                username=f"{pc.name}.user{pc.staff}",
                display_name=f"{pc.name} 员工 {pc.staff}",
                role="counter",
                password="chaos-password-1",
            )

    def _edit_parked(self, pc: Pc) -> None:
        """Edit the row behind an open conflict (its copy is parked at head office): the
        customer of a clashing phone, or the clashing pickup preferences."""
        conflicts = self._open_conflicts(pc)
        if not conflicts:
            return
        conflict = self.rng.choice(conflicts)
        if conflict.customer_id is None:
            return
        if conflict.table == "pickup_preference":
            self._prefs_of(pc, conflict.customer_id)
        else:
            self._edit_of(pc, conflict.customer_id, new_phone=True)

    # --- conflicts -------------------------------------------------------------------

    def _open_conflicts(self, pc: Pc) -> list[Any]:
        from branch_crm.services.syncing.conflicts import list_conflicts

        with unit_of_work(pc.db, pc.actor()) as session:
            return sorted(list_conflicts(session=session), key=lambda c: c.id)

    def _resolve_one(self, pc: Pc, choice: str | None) -> bool:
        """A supervisor resolves one open conflict on this PC; True if one was resolved."""
        from branch_crm.services.syncing.conflicts import resolve_conflict

        conflicts = self._open_conflicts(pc)
        if not conflicts:
            return False
        conflict = self.rng.choice(conflicts)
        phone = conflict.table == "customer_phone"
        chosen = choice or self.rng.choices(CHOICES, weights=(1, 1, 2 if phone else 0))[0]
        try:
            actor = on_staff(pc.db, pc.actor())  # head office wants a real supervisor
            with unit_of_work(pc.db, actor) as session:
                resolve_conflict(
                    session=session, actor=actor, conflict_id=conflict.id, choice=chosen
                )
        except CrmError:
            self.stats.refused[f"resolve_{chosen}"] += 1
            return False
        except Exception as exc:
            self.problems.append(
                f"{pc.name}: resolving conflict {conflict.id} ({conflict.table}, {chosen}) "
                f"failed: {_one_line(exc)}"
            )
            return False
        self.stats.conflicts_resolved += 1
        return True

    # --- healing ---------------------------------------------------------------------

    def _heal(self) -> None:
        """Faults off, head office up; rounds until a whole pass moves nothing."""
        from branch_crm.sync.client import SyncClient

        assert self.hq is not None
        for pc in self.pcs:
            pc.proxy.clear()
            pc.proxy.set_network(True)
        self._note_hq_death()
        self.hq.stop()  # restarted without a kill point armed
        self.hq.start()
        self.stats.hq_restarts += 1
        self._sure_client_kill()
        last: dict[str, str] = {}
        for _pass in range(self.config.heal_passes):
            self.stats.heal_passes += 1
            moved = False
            started = time.monotonic()
            for pc in self.pcs:
                client = SyncClient(pc.db, base_url=pc.proxy.url, token=pc.token, timeout=30)
                try:
                    result = client.run_once()
                except Exception as exc:
                    last[pc.name] = f"the round raised {_one_line(exc)}"
                    moved = True
                    continue
                if result.error is not None:
                    last[pc.name] = result.error
                    moved = True
                else:
                    last.pop(pc.name, None)
                    moved = moved or bool(result.pushed or result.pulled)
            idle = time.monotonic() - started
            resolved = self._resolve_everything()
            if not moved and not resolved and not any(self._open_conflicts(p) for p in self.pcs):
                self.stats.settled = True
                self.stats.idle_pass_seconds = round(idle, 3)
                return
        for name, error in sorted(last.items()):
            self.problems.append(f"{name}: sync still fails after healing: {error}")
        self.problems.append(
            f"sync did not settle in {self.config.heal_passes} healing passes "
            "(something still moves every round, or a conflict cannot be resolved)"
        )

    def _sure_client_kill(self) -> None:
        """A sync process killed at least once per run: when the random timers and points
        all missed (rounds on a faulty line end early), one round on a clear line is killed
        right after it marked a batch (new work queued first, so the step is reached)."""
        if self.stats.client_kills_timer + self.stats.client_kills_point:
            return
        pc = self.pcs[0]
        self._do(pc, "new_customer", self._new_customer)
        pc.note_outbox()
        forced = self._start_round(pc, forced_kill="push_after_batch_marked@1")
        self._finish_round(forced, time.monotonic() + self.config.round_timeout)
        if not self.stats.client_kills_point:
            self.problems.append(f"{pc.name}: the forced kill point was never reached")

    def _resolve_everything(self) -> bool:
        """A supervisor of each branch resolves the open conflicts (on one PC of it)."""
        resolved = False
        for branch in BRANCHES:
            for pc in [p for p in self.pcs if p.branch == branch]:
                for _ in range(len(self._open_conflicts(pc))):
                    done = self._resolve_one(pc, choice=None)
                    done = done or self._resolve_one(pc, choice="keep_theirs")
                    resolved = resolved or done
                pc.note_outbox()
                if resolved:
                    break
        return resolved

    # --- verification ----------------------------------------------------------------

    def verify(self) -> None:
        """Check every promise after healing; each breach becomes a problem line."""
        assert self.engine is not None
        self._check_server_errors()
        for what, count in sorted(self.crashes.items()):
            self.problems.append(
                f"sync rounds crashed instead of reporting an error in words ({count}x): {what}"
            )
        builtin = builtin_reference_ids()
        for pc in self.pcs:
            self._check_queues(pc)
            self._check_cursor(pc)
            diverged = differences(self.engine, pc.db, pc.branch)
            self.problems += [d for d in diverged if not _builtin_only_here(d, builtin)][:20]
            self._check_ledger(pc)
            self._check_exactly_once(pc)
        self._check_hq_parked()
        self._check_needless_conflicts()

    def _check_queues(self, pc: Pc) -> None:
        with closing_sqlite(pc.db.path) as raw:
            queued = raw.execute(
                "SELECT table_name, pk, op FROM sync_outbox ORDER BY seq LIMIT 3"
            ).fetchall()
            count = raw.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0]
            parked = raw.execute("SELECT table_name, pk FROM sync_parked LIMIT 5").fetchall()
            open_conflicts = raw.execute(
                "SELECT COUNT(*) FROM sync_conflict WHERE status = 'open'"
            ).fetchone()[0]
            error = raw.execute("SELECT last_error FROM sync_state WHERE id = 1").fetchone()[0]
        if count:
            first = ", ".join(f"{t}/{k} {o}" for t, k, o in queued)
            self.problems.append(f"{pc.name}: {count} changes still queued (first: {first})")
        for table, pk in parked:
            self.problems.append(f"{pc.name}: {table}/{pk} still parked on the PC")
        if open_conflicts:
            self.problems.append(f"{pc.name}: {open_conflicts} conflicts still open")
        if error:
            self.problems.append(f"{pc.name}: last sync error still shown: {error}")
        for table, count in _held_rows(pc.db.path).items():
            self.problems.append(f"{pc.name}: {count} rows still held in {table}")

    def _check_cursor(self, pc: Pc) -> None:
        assert self.engine is not None
        with self.engine.connect() as conn:
            last = conn.execute(
                text(
                    "SELECT COALESCE(MAX(seq), 0) FROM hq_change_log WHERE partition IN (:b, 'HQ')"
                ),
                {"b": pc.branch},
            ).scalar_one()
        with closing_sqlite(pc.db.path) as raw:
            cursor = raw.execute("SELECT cursor FROM sync_state WHERE id = 1").fetchone()[0]
        if int(cursor) != int(last):
            self.problems.append(
                f"{pc.name}: pull cursor {cursor}, head office's last change for it {last}"
            )

    def _hq_rows(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """(table, pk) -> tombstoned? for the rows head office holds among ``keys``."""
        assert self.engine is not None
        found: dict[tuple[str, str], bool] = {}
        by_table: dict[str, list[str]] = {}
        for table, pk in keys:
            by_table.setdefault(table, []).append(pk)
        with self.engine.connect() as conn:
            for name, pks in sorted(by_table.items()):
                table = t.ENTITIES[name][0]
                for start in range(0, len(pks), 500):
                    part = sorted(pks)[start : start + 500]
                    query = select(table.c.id, table.c.deleted_at).where(table.c.id.in_(part))
                    for row in conn.execute(query):
                        found[(name, row.id)] = row.deleted_at is not None
        return found

    def _hq_parked(self) -> set[tuple[str, str]]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.parked.c.table_name, t.parked.c.pk))
            return {(r.table_name, r.pk) for r in rows}

    def _check_ledger(self, pc: Pc) -> None:
        """Nothing committed on this PC is lost; its tombstones are tombstones everywhere."""
        at_hq = self._hq_rows(pc.ledger.rows)
        parked = self._hq_parked()
        with closing_sqlite(pc.db.path) as raw:
            queued = set(raw.execute("SELECT table_name, pk FROM sync_outbox").fetchall())
        missing = sorted(pc.ledger.rows - set(at_hq))
        waiting = [key for key in missing if key in queued]
        if waiting:
            self.problems.append(
                f"{pc.name}: {len(waiting)} committed rows not at head office yet (still queued)"
            )
        for table, pk in [key for key in missing if key not in queued][:15]:
            where = "still parked there" if (table, pk) in parked else "lost"
            self.problems.append(
                f"{pc.name} committed {table}/{pk}; head office has no such row ({where})"
            )
        for key in sorted(pc.ledger.tombstones - queued):
            if at_hq.get(key) is False:
                self.problems.append(
                    f"{pc.name} deleted {key[0]}/{key[1]}; head office has it live (delete lost)"
                )
        for other in [p for p in self.pcs if p.branch == pc.branch]:
            live = self._live_at(other, pc.ledger.tombstones)
            for table, pk in live[:10]:
                self.problems.append(
                    f"{pc.name} deleted {table}/{pk}; {other.name} still has it live"
                )

    @staticmethod
    def _live_at(pc: Pc, keys: set[tuple[str, str]]) -> list[tuple[str, str]]:
        live = []
        with closing_sqlite(pc.db.path) as raw:
            for table, pk in sorted(keys):
                row = raw.execute(f'SELECT deleted_at FROM "{table}" WHERE id = ?', (pk,))
                found = row.fetchone()
                if found is not None and found[0] is None:
                    live.append((table, pk))
        return live

    def _check_exactly_once(self, pc: Pc) -> None:
        """Head office holds each change this PC captured once: its batches count exactly
        the captured changes (a batch resent under a new id, or a pulled change queued
        again, would add to them), and its change log has no change of this PC (its own
        stamp) twice -- except rows of a conflict, which head office broadcasts again, with
        their stamps, when it applies the parked copy."""
        assert self.engine is not None
        node = node_id(pc.db)
        with self.engine.connect() as conn:
            in_batches = conn.execute(
                text("SELECT COALESCE(SUM(changes), 0) FROM hq_batch WHERE node_id = :n"),
                {"n": node},
            ).scalar_one()
            duplicates = conn.execute(
                text(
                    "SELECT table_name, pk, hlc, COUNT(*) FROM hq_change_log WHERE origin = :n "
                    "GROUP BY table_name, pk, hlc HAVING COUNT(*) > 1"
                ),
                {"n": node},
            ).fetchall()
            conflict_rows = {
                key
                for row in conn.execute(
                    text("SELECT table_name, row_id, other_row_id FROM sync_conflict")
                )
                for key in ((row[0], row[1]), (row[0], row[2]))
            }
        captured = len(pc.ledger.seqs)
        with closing_sqlite(pc.db.path) as raw:
            waiting = raw.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0]
        if int(in_batches) > captured:
            self.problems.append(
                f"{pc.name}: head office's batches hold {in_batches} of its changes, more than "
                f"the {captured} it captured (some arrived twice)"
            )
        elif int(in_batches) + waiting < captured:
            self.problems.append(
                f"{pc.name}: it captured {captured} changes; head office's batches hold "
                f"{in_batches} and {waiting} are queued: the others were lost"
            )
        own = f".{node}"  # the PC's own stamps (head office re-broadcasts with its own too)
        twice = [d for d in duplicates if (d[0], d[1]) not in conflict_rows and d[2].endswith(own)]
        for table, pk, hlc, count in twice[:10]:
            with self.engine.connect() as conn:
                entries = conn.execute(
                    text(
                        "SELECT seq, op, tx_id, data FROM hq_change_log WHERE origin = :n "
                        "AND table_name = :t AND pk = :p AND hlc = :h ORDER BY seq"
                    ),
                    {"n": node, "t": table, "p": pk, "h": hlc},
                ).fetchall()
            how = "; ".join(f"seq {e[0]} {e[1]} tx {e[2][:8]} {e[3][:80]}" for e in entries)
            self.problems.append(f"{pc.name}: {table}/{pk}@{hlc} logged {count} times ({how})")

    def _check_hq_parked(self) -> None:
        assert self.engine is not None
        for table, pk in sorted(self._hq_parked())[:10]:
            self.problems.append(f"head office still holds {table}/{pk} parked")
        names = [n for n in inspect(self.engine).get_table_names() if HOLDING.search(n)]
        with self.engine.connect() as conn:
            for name in names:
                count = conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                if count:
                    self.problems.append(f"head office still holds {count} rows in {name}")

    def _check_needless_conflicts(self) -> None:
        """Only a phone on two customers needs a supervisor: complaint numbers and survey
        serials are unique on every PC without a network, and two PCs recording one
        customer's preferences merge them per column."""
        assert self.engine is not None
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT table_name, COUNT(*) FROM sync_conflict "
                    "WHERE table_name <> 'customer_phone' GROUP BY table_name ORDER BY table_name"
                )
            ).fetchall()
        for table, count in rows:
            self.problems.append(
                f"head office raised {count} conflicts on {table} (only a shared phone should "
                "need a supervisor)"
            )

    def _check_server_errors(self) -> None:
        errors: Counter[str] = Counter()
        for pc in self.pcs:
            for _n, method, path, status, body in pc.proxy.stats.server_errors:
                what = body.decode("utf-8", "replace")[:80]
                errors[
                    f"HTTP {status} to {method} {path.split('?')[0]} from {pc.name} ({what})"
                ] += 1
        for what, count in sorted(errors.items()):
            self.problems.append(f"head office answered {what}: {count} times")
        if errors:
            logged = _exceptions_in(self.config.folder / "hq.out")
            self.problems += [f"head office logged: {line}" for line in logged[:8]]


def builtin_reference_ids() -> set[str]:
    """Ids of the reference rows every PC seeds itself, the same everywhere (the default
    SLA policy, complaint categories, root causes and survey template): head office does
    not seed them, so a PC holding one that head office never published is no divergence."""
    from branch_crm.models import ReferenceKind
    from branch_crm.reference import ids as reference_ids
    from branch_crm.reference.defaults import (
        CATEGORIES,
        DEFAULT_CODE,
        DEFAULT_POLICY_ID,
        DEFAULT_VERSION,
        ROOT_CAUSES,
    )

    ids = {DEFAULT_POLICY_ID}
    ids.add(reference_ids.reference_id("survey_template", DEFAULT_CODE, str(DEFAULT_VERSION)))
    for kind, codes in (
        (ReferenceKind.COMPLAINT_CATEGORY, CATEGORIES),
        (ReferenceKind.ROOT_CAUSE, ROOT_CAUSES),
    ):
        ids.update(reference_ids.reference_id(kind.value, code) for code, _zh, _en in codes)
    return ids


def _builtin_only_here(difference: str, builtin: set[str]) -> bool:
    """True for the oracle's "<table>/<id> not at head office" about a built-in row."""
    if not difference.endswith(" not at head office"):
        return False
    row = difference.split(": ", 1)[-1].removesuffix(" not at head office")
    return row.rsplit("/", 1)[-1] in builtin


def _kill(process: BaseProcess) -> None:
    """SIGKILL a child process if it still runs."""
    with suppress(ProcessLookupError, AttributeError, ValueError):
        if process.exitcode is None:
            process.kill()


def _last_json(output: str) -> dict[str, Any] | None:
    """The JSON result line a finished child round prints last."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            with suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    return value
    return None


HOLDING = re.compile(r"^(sync|hq)_.*(quarantin|waiting)")
"""Tables where changes wait or are set aside (a clean workload leaves them empty)."""


def _held_rows(path: Path) -> dict[str, int]:
    """Rows in a branch database's holding tables (see HOLDING), per table."""
    with closing_sqlite(path) as raw:
        names = [
            str(r[0])
            for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if HOLDING.search(str(r[0]))
        ]
        counts = {
            name: raw.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names
        }
    return {name: int(count) for name, count in counts.items() if count}


def _is_exception_line(line: str) -> bool:
    """``SomeError: message`` (the last line of a traceback)."""
    head = line.split(":", 1)[0]
    return bool(head) and " " not in head and head.endswith(("Error", "Exception", "Violation"))


def _last_exception(output: str) -> str:
    """The exception line at the end of a traceback in a child's output."""
    lines = [line for line in output.splitlines() if _is_exception_line(line)]
    return lines[-1][:300] if lines else f"(no exception in the output: {output[-200:]!r})"


def _exceptions_in(path: Path) -> list[str]:
    """Distinct exception lines of head office's output (``SomethingError: ...``)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return list(dict.fromkeys(line[:240] for line in lines if _is_exception_line(line)))


def _without_address(message: str) -> str:
    """An error message without the proxy's address (which differs per PC)."""
    return re.sub(r"https?://[0-9.:]+", "<head office>", message)[:120]


def _one_line(exc: BaseException) -> str:
    """An exception as one line: type, message, and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    message = str(exc).splitlines()[0][:240] if str(exc) else ""
    return f"{type(exc).__name__}: {message}{where}"
