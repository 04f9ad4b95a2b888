"""The deployment files under deploy/ (issue 18): no image registry is reachable here, so
the tests read the systemd unit, the Containerfile and the compose file, check what they
promise (non-root, restart policy, environment file, health checks, PostgreSQL waited for),
and run the very start command each of them gives -- only the program's path and the port
swapped -- against a fresh PostgreSQL database: /healthz answers, a branch registers and
syncs, the service stops cleanly."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from branch_crm.hq.testing import free_port, registered_branch
from branch_crm.models import Customer
from branch_crm.services.syncing.service import run_sync
from tests.support.postgres import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROGRAM = "branch-crm-hq"


def unit_entries(path: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of a systemd unit, each key with all its values, by section."""
    entries: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault(f"{section}.{key}", []).append(value)
    return entries


def env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an environment file."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def containerfile() -> dict[str, list[str]]:
    """Instructions of the Containerfile (continuation lines joined), by name."""
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.setdefault(word.upper(), []).append(rest.strip())
    return found


def local(command: list[str], port: int) -> list[str]:
    """The command as it runs here: this Python's head office instead of the installed
    program, and a free port instead of 8000."""
    assert Path(command[0]).name == PROGRAM, command
    args = list(command[1:])
    if "--port" in args:
        at = args.index("--port") + 1
        assert args[at] == "8000"
        args[at] = str(port)
    return [sys.executable, "-m", "branch_crm.hq.cli", *args]


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """Run ``command`` until /healthz answers; stop it with SIGTERM (as systemd and
    ``docker stop`` do) and check it stopped cleanly."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.communicate()[1].decode()[-2000:]
            subprocess.run(["sleep", "0.1"], check=True)
        else:
            pytest.fail("head office did not start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, err.decode()[-2000:]


def _env(*layers: dict[str, str]) -> dict[str, str]:
    """This machine's environment without head-office settings, then ``layers`` in turn."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCH_CRM_HQ_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    for layer in layers:
        env.update(layer)
    return env


def _branch_syncs(base: str, tmp_path: Path, env: dict[str, str]) -> None:
    """IT adds a branch with the service's own settings; its PC registers and syncs."""
    add = subprocess.run(
        [sys.executable, "-m", "branch_crm.hq.cli", "--lang", "en", "branch", "add", "BR1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code = add.stdout.split("registration code ")[1].split()[0]
    db, _client = registered_branch(base, tmp_path / "branch.db", "BR1", code)
    with db.session(actor_id="tester", branch_id="BR1") as session:
        session.add(Customer(name="王五"))
    result = run_sync(db)
    db.dispose()
    assert result.error is None and result.pushed > 0


def test_the_unit_runs_as_a_user_restarts_and_reads_its_environment_file() -> None:
    unit = unit_entries(DEPLOY / "branch-crm-hq.service")
    assert unit["Service.User"] == ["branch-crm"] and unit["Service.Group"] == ["branch-crm"]
    assert unit["Service.Restart"] == ["on-failure"]
    assert unit["Service.EnvironmentFile"] == ["/etc/branch-crm/hq.env"]
    assert unit["Service.NoNewPrivileges"] == ["yes"]
    assert unit["Install.WantedBy"] == ["multi-user.target"]
    (start,) = unit["Service.ExecStart"]
    assert shlex.split(start)[1:3] == ["serve", "--host"]
    assert "127.0.0.1" in start  # behind the TLS proxy only
    settings = env_file(DEPLOY / "hq.env.example")
    assert settings["BRANCH_CRM_HQ_ENVIRONMENT"] == "production"
    assert settings["BRANCH_CRM_HQ_DATABASE_URL"].startswith("postgresql+psycopg://")
    if shutil.which("systemd-analyze"):  # its syntax, as systemd reads it
        checked = subprocess.run(
            ["systemd-analyze", "verify", str(DEPLOY / "branch-crm-hq.service")],
            capture_output=True,
            text=True,
            check=False,
        )
        complaints = [
            line
            for line in (checked.stdout + checked.stderr).splitlines()
            if line.strip() and "is not executable" not in line  # not installed here
        ]
        assert complaints == []


@pytest.mark.postgres
def test_the_units_own_commands_serve_head_office_and_a_branch_syncs(tmp_path: Path) -> None:
    unit = unit_entries(DEPLOY / "branch-crm-hq.service")
    settings = env_file(DEPLOY / "hq.env.example")
    environment = dict(v.split("=", 1) for v in unit["Service.Environment"])
    port = free_port()
    with fresh_postgres_database() as url:
        env = _env(
            settings,
            environment,
            {
                "BRANCH_CRM_HQ_DATABASE_URL": url,
                "BRANCH_CRM_HQ_METRICS_DIR": str(tmp_path / "run"),  # systemd's RuntimeDirectory
                "BRANCH_CRM_DATA_DIR": str(tmp_path / "state"),
            },
        )
        for pre in unit["Service.ExecStartPre"]:
            subprocess.run(local(shlex.split(pre), port), env=env, check=True, capture_output=True)
        (start,) = unit["Service.ExecStart"]
        command = local(shlex.split(start), port)
        assert command[command.index("--workers") + 1] == "4"
        with serving(command, env, port) as base:
            assert httpx.get(f"{base}/healthz").json()["database"] == "postgresql"
            assert httpx.get(f"{base}/docs").status_code == 404  # production: no API pages
            _branch_syncs(base, tmp_path, env)
            scrapes = [httpx.get(f"{base}/metrics").text for _ in range(8)]
            subprocess.run(["sleep", "1.5"], check=True)  # every worker's file written
            totals = {
                line
                for text in [httpx.get(f"{base}/metrics").text for _ in range(8)]
                for line in text.splitlines()
                if line.startswith('branch_crm_hq_pushes_total{result="applied"}')
            }
            assert len(totals) == 1 and not totals.pop().endswith(" 0")  # any worker: the sum
            assert all('branch="BR1"' in text for text in scrapes)
        workers = list((tmp_path / "run").glob("*.json"))
        assert len(workers) >= 2, workers  # several workers answered: the sums above mattered


def test_the_image_is_slim_runs_as_a_user_and_checks_its_health() -> None:
    found = containerfile()
    (base,) = found["FROM"]
    assert base.split(":")[-1].endswith("-slim") and "python" in base
    (user,) = found["USER"]
    assert user not in {"root", "0"}
    (health,) = found["HEALTHCHECK"]
    assert "/healthz" in health and "127.0.0.1:8000" in health
    (cmd,) = found["CMD"]
    assert json.loads(cmd)[0] == PROGRAM


def test_compose_waits_for_a_healthy_postgres_with_a_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    db, hq = compose["services"]["db"], compose["services"]["hq"]
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert set(compose["volumes"]) >= {v.split(":")[0] for v in db["volumes"]}
    assert hq["depends_on"]["db"]["condition"] == "service_healthy"
    assert hq["build"]["dockerfile"] == "deploy/Containerfile"
    assert "@db:5432/" in hq["environment"]["BRANCH_CRM_HQ_DATABASE_URL"]
    assert hq["ports"] == ["127.0.0.1:8000:8000"]  # the proxy on the host only
    assert "command" not in hq  # the image's CMD: the command the next test runs


@pytest.mark.postgres
def test_the_images_command_and_health_check_work(tmp_path: Path) -> None:
    found = containerfile()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    environment = {
        k: str(v) for k, v in compose["services"]["hq"]["environment"].items() if "$" not in str(v)
    }
    port = free_port()
    with fresh_postgres_database() as url:
        env = _env(
            environment,
            {
                "BRANCH_CRM_HQ_DATABASE_URL": url,
                "BRANCH_CRM_HQ_METRICS_TOKEN": "scrape-me",
                "BRANCH_CRM_DATA_DIR": str(tmp_path / "data"),
            },
        )
        command = local(json.loads(found["CMD"][0]), port)
        assert "--migrate" in command  # the container migrates before it serves
        with serving(command, env, port) as base:
            health = json.loads(found["HEALTHCHECK"][0].split("CMD", 1)[1])
            assert health[0] == "python"
            probe = [sys.executable, *health[1:]]
            probe[-1] = probe[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            assert subprocess.run(probe, check=False).returncode == 0
            assert httpx.get(f"{base}/metrics").status_code == 401
            secret = {"Authorization": "Bearer scrape-me"}
            assert httpx.get(f"{base}/metrics", headers=secret).status_code == 200
            _branch_syncs(base, tmp_path, env)
        probe_after = subprocess.run(probe, check=False, capture_output=True)
        assert probe_after.returncode != 0  # stopped: the health check fails
