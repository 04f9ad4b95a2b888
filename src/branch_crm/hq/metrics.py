"""Head office's ``/metrics``: Prometheus' text format (version 0.0.4), written by hand (a
dozen series do not need ``prometheus-client`` as a dependency).

Counters and latency histograms live in each worker process's memory. With several workers
(``serve --workers N``) a scrape reaches one of them, so each worker also writes its figures
to a file of its own in a folder they share (``BRANCH_CRM_HQ_METRICS_DIR``, which ``serve``
makes itself) within a second of a change (a background thread), and the worker answering a
scrape adds them all up. A
worker that died leaves its file, so the sums never go back. What the database knows (each
branch's last contact, the PCs, the quarantine) is read from it at the scrape, so every
worker answers the same."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds (seconds) of the latency histograms' buckets (``+Inf`` is added)."""
FLUSH_SECONDS = 1.0
PREFIX = "branch_crm_hq_"

COUNTERS = {
    "pushes_total": "Pushed batches answered, by result (applied, duplicate: sent again).",
    "pulls_total": "Pull pages answered.",
    "changes_applied_total": "Pushed changes head office accepted.",
    "changes_rejected_total": "Pushed changes head office did not apply (lost, quarantined).",
    "conflicts_total": "Conflicts pushes raised (for a supervisor to resolve).",
    "changes_pulled_total": "Changes sent to branches in pull pages.",
    "http_responses_total": "HTTP answers, by status code.",
}
HISTOGRAMS = {
    "push_duration_seconds": "Time to apply one pushed batch (parsing to commit).",
    "pull_duration_seconds": "Time to read one pull page.",
}


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    """The counters and histograms of one worker process (thread-safe)."""

    def __init__(self, folder: str = "", *, name: str | None = None) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[str, float]] = {name: {} for name in COUNTERS}
        self._histograms: dict[str, dict[str, Any]] = {
            name: {"buckets": [0] * len(LATENCY_BUCKETS), "sum": 0.0, "count": 0}
            for name in HISTOGRAMS
        }
        self._folder = Path(folder) if folder else None
        self._name = name or str(os.getpid())
        self._dirty = threading.Event()
        self._flush_lock = threading.Lock()
        if self._folder is not None:
            self._folder.mkdir(parents=True, exist_ok=True)
            threading.Thread(target=self._flush_loop, name="hq-metrics", daemon=True).start()

    def count(self, name: str, amount: float = 1, **labels: str) -> None:
        """Add ``amount`` to counter ``name`` (one of :data:`COUNTERS`)."""
        key = _labels(labels)
        with self._lock:
            series = self._counters[name]
            series[key] = series.get(key, 0) + amount
        self._dirty.set()

    def observe(self, name: str, seconds: float) -> None:
        """Record one duration in histogram ``name`` (one of :data:`HISTOGRAMS`)."""
        with self._lock:
            hist = self._histograms[name]
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    hist["buckets"][index] += 1
            hist["sum"] += seconds
            hist["count"] += 1
        self._dirty.set()

    def snapshot(self) -> dict[str, Any]:
        """This process's figures, as JSON-ready data."""
        with self._lock:
            return json.loads(json.dumps({"counters": self._counters, "hist": self._histograms}))  # type: ignore[no-any-return]

    def _flush_loop(self) -> None:
        while True:
            self._dirty.wait()
            time.sleep(FLUSH_SECONDS)  # gathers a second's changes into one write
            self.flush()

    def flush(self) -> None:
        """Write this process's figures to its file in the shared folder (if there is one)."""
        if self._folder is None:
            return
        path = self._folder / f"{self._name}.json"
        temporary = self._folder / f"{self._name}.tmp"
        with self._flush_lock:
            self._dirty.clear()
            temporary.write_text(json.dumps(self.snapshot()), encoding="utf-8")
            os.replace(temporary, path)

    def combined(self) -> dict[str, Any]:
        """The figures of every worker of the service (this one's as they are now)."""
        mine = self.snapshot()
        if self._folder is None:
            return mine
        self.flush()
        total: dict[str, Any] = {
            "counters": {name: {} for name in COUNTERS},
            "hist": {
                name: {"buckets": [0] * len(LATENCY_BUCKETS), "sum": 0.0, "count": 0}
                for name in HISTOGRAMS
            },
        }
        for path in sorted(self._folder.glob("*.json")):
            try:
                other = mine if path.stem == self._name else json.loads(path.read_text())
            except (OSError, ValueError):  # a file being replaced right now: next scrape
                continue
            _add(total, other)
        return total


def _add(total: dict[str, Any], other: dict[str, Any]) -> None:
    for name, series in other.get("counters", {}).items():
        target = total["counters"].setdefault(name, {})
        for key, value in series.items():
            target[key] = target.get(key, 0) + value
    for name, hist in other.get("hist", {}).items():
        target = total["hist"].get(name)
        if target is None or len(hist["buckets"]) != len(target["buckets"]):
            continue
        target["buckets"] = [a + b for a, b in zip(target["buckets"], hist["buckets"], strict=True)]
        target["sum"] += hist["sum"]
        target["count"] += hist["count"]


def database_gauges(conn: Connection) -> list[tuple[str, str, str, list[tuple[str, float]]]]:
    """What the database says at this moment: (name, type, help, [(labels, value)])."""
    contacts = conn.execute(
        select(t.node.c.branch_code, func.max(t.node.c.last_seen_at))
        .group_by(t.node.c.branch_code)
        .order_by(t.node.c.branch_code)
    ).all()
    last_contact = [
        (_labels({"branch": branch}), _timestamp(seen)) for branch, seen in contacts if seen
    ]
    pcs = conn.execute(
        select(t.node.c.revoked_at.is_(None), func.count()).group_by(t.node.c.revoked_at.is_(None))
    ).all()
    pc_counts = {"active": 0.0, "revoked": 0.0}
    for active, number in pcs:
        pc_counts["active" if active else "revoked"] += number
    branches = conn.scalar(select(func.count()).select_from(t.branch)) or 0
    quarantined = conn.scalar(select(func.count()).select_from(t.quarantine)) or 0
    newest = conn.scalar(select(func.max(t.change_log.c.seq))) or 0
    return [
        (
            "branch_last_contact_timestamp_seconds",
            "gauge",
            "When a PC of the branch last pushed or pulled (Unix time).",
            last_contact,
        ),
        ("branches", "gauge", "Branches head office knows.", [("", float(branches))]),
        (
            "pcs",
            "gauge",
            "Registered PCs, by state.",
            [(_labels({"state": k}), v) for k, v in pc_counts.items()],
        ),
        (
            "quarantined_changes",
            "gauge",
            "Changes set aside (hq_quarantine).",
            [("", float(quarantined))],
        ),
        ("change_log_seq", "gauge", "Newest sequence number of the change log.", [("", newest)]),
    ]


def _timestamp(value: datetime) -> float:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return round(aware.timestamp(), 3)


def render(
    figures: dict[str, Any], gauges: Iterable[tuple[str, str, str, list[tuple[str, float]]]]
) -> str:
    """The exposition text of ``figures`` (see :meth:`Metrics.combined`) and ``gauges``."""
    lines: list[str] = []
    for name, text in COUNTERS.items():
        full = PREFIX + name
        lines += [f"# HELP {full} {text}", f"# TYPE {full} counter"]
        series = figures["counters"].get(name, {})
        if not series and name not in {"http_responses_total", "pushes_total"}:
            series = {"": 0}
        lines += [f"{full}{key} {_number(value)}" for key, value in sorted(series.items())]
    for name, text in HISTOGRAMS.items():
        full = PREFIX + name
        hist = figures["hist"][name]
        lines += [f"# HELP {full} {text}", f"# TYPE {full} histogram"]
        for bound, number in zip(LATENCY_BUCKETS, hist["buckets"], strict=True):
            lines.append(f'{full}_bucket{{le="{_number(bound)}"}} {number}')
        lines.append(f'{full}_bucket{{le="+Inf"}} {hist["count"]}')
        lines += [f"{full}_sum {_number(hist['sum'])}", f"{full}_count {hist['count']}"]
    for name, kind, text, values in gauges:
        full = PREFIX + name
        lines += [f"# HELP {full} {text}", f"# TYPE {full} {kind}"]
        lines += [f"{full}{labels} {_number(value)}" for labels, value in values]
    return "\n".join(lines) + "\n"
