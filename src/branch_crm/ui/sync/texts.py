"""Sync status in words, shared by the status bar, the home card and the sync page."""

from __future__ import annotations

from datetime import UTC, datetime

from branch_crm.i18n import _, ngettext
from branch_crm.services.syncing.service import (
    SyncStatus,
    fetch_error_text,
    file_error_text,
    files_to_fetch_text,
    files_waiting_text,
)
from branch_crm.timeutil import utcnow


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime (sync state stores naive UTC stamps)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when_text(value: datetime | None, *, now: datetime | None = None) -> str:
    """'never', 'just now', '5 minutes ago', 'today 10:32' or '2026-11-20 10:32' (local)."""
    if value is None:
        return _("never")
    moment = as_utc(value)
    now = now or utcnow()
    seconds = (now - moment).total_seconds()
    if -60 < seconds < 60:
        return _("just now")
    if 0 < seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("{n} minute ago", "{n} minutes ago", minutes).format(n=minutes)
    local, today = moment.astimezone(), now.astimezone()
    if local.date() == today.date():
        return _("today {time}").format(time=local.strftime("%H:%M"))
    return local.strftime("%Y-%m-%d %H:%M")


def pending_text(count: int) -> str:
    """'3 changes waiting' / 'nothing waiting'."""
    if count == 0:
        return _("nothing waiting")
    return ngettext("{n} change waiting", "{n} changes waiting", count).format(n=count)


def short_status(status: SyncStatus | None, *, running: bool) -> str:
    """The status bar's one line."""
    if running:
        return _("Syncing…")
    if status is None:
        return _("Sync: …")
    if not status.registered:
        return _("Sync: not set up")
    parts = [pending_text(status.pending_changes)]
    if status.last_error:
        parts.append(_("failed: {error}").format(error=elide(status.last_error, 48)))
    else:
        parts.append(_("last sync {when}").format(when=when_text(status.last_success_at)))
    if status.open_conflicts:
        parts.append(
            ngettext("{n} conflict", "{n} conflicts", status.open_conflicts).format(
                n=status.open_conflicts
            )
        )
    if status.unseen_rejected:
        parts.append(not_applied_text(status.unseen_rejected))
    if status.files_waiting:
        parts.append(files_waiting_text(status.files_waiting))
    if status.clock_warning:
        parts.append(_("PC clock wrong"))
    return _("Sync: {details}").format(details=" · ".join(parts))


def full_status(status: SyncStatus | None) -> str:
    """Every line of the status (tooltips, accessible descriptions)."""
    if status is None:
        return _("Reading the sync status…")
    if not status.registered:
        return _(
            "This branch is not registered with head office yet. Open the Sync page to register."
        )
    lines = [
        _("Head office: {url}").format(url=status.hq_url or "-"),
        _("Waiting to send: {what}").format(what=pending_text(status.pending_changes)),
        _("Last success: {when}").format(when=when_text(status.last_success_at)),
        _("Last attempt: {when}").format(when=when_text(status.last_attempt_at)),
        _("Last error: {error}").format(error=status.last_error or _("none")),
        _("Files: {what}").format(what=files_waiting_text(status.files_waiting)),
    ]
    if status.file_error and status.files_waiting:
        lines.append(file_error_text(status.file_error))
    lines.append(
        _("Files to fetch: {what}").format(what=files_to_fetch_text(status.files_to_fetch))
    )
    if status.fetch_error and status.files_to_fetch:
        lines.append(fetch_error_text(status.fetch_error))
    if status.open_conflicts:
        lines.append(
            ngettext(
                "{n} conflict waits for a supervisor",
                "{n} conflicts wait for a supervisor",
                status.open_conflicts,
            ).format(n=status.open_conflicts)
        )
    if status.unseen_rejected:
        lines.append(not_applied_line(status.unseen_rejected))
    if status.clock_warning:
        lines.append(status.clock_warning)
    return "\n".join(lines)


def not_applied_text(count: int) -> str:
    """'2 changes not applied' (the status bar's short form)."""
    return ngettext("{n} change not applied", "{n} changes not applied", count).format(n=count)


def not_applied_line(count: int) -> str:
    """The unseen changes head office did not apply, in a sentence (tooltip, home card)."""
    return ngettext(
        "{n} change head office did not apply (see Changes not applied).",
        "{n} changes head office did not apply (see Changes not applied).",
        count,
    ).format(n=count)


def elide(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
