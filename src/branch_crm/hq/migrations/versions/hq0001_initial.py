"""initial head-office schema: branch entity tables, branches, tokens, batches, change log

Revision ID: hq0001
Revises:
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from branch_crm.models.base import UtcDateTime

revision: str = "hq0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index("ix_audit_entry_entity", ["entity", "entity_id"], unique=False)
    op.create_table(
        "care_task",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_task")),
    )
    with op.batch_alter_table("care_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_task_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_task_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_task_due_on"), ["due_on"], unique=False)
    op.create_table(
        "complaint",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("waybill_no", sa.String(length=30), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("compensation_requested_cents", sa.Integer(), nullable=False),
        sa.Column("compensation_granted_cents", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("suggested_grade", sa.Integer(), nullable=False),
        sa.Column("grade_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("root_cause", sa.String(length=40), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("responded_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("response_due_at", UtcDateTime(), nullable=True),
        sa.Column("resolution_due_at", UtcDateTime(), nullable=True),
        sa.Column("paused_since", UtcDateTime(), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("sla_policy_id", sa.String(length=36), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("branch_id", "number", name=op.f("uq_complaint_branch_id_number")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_complaint_open_due", ["status", "resolution_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaint_waybill_no"), ["waybill_no"], unique=False)
    op.create_table(
        "complaint_event",
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
    )
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_event_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_event_complaint_id"), ["complaint_id"], unique=False
        )
    op.create_table(
        "customer",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_pinyin", sa.String(length=200), nullable=False),
        sa.Column("name_initials", sa.String(length=50), nullable=False),
        sa.Column("customer_type", sa.String(length=16), nullable=False),
        sa.Column("company", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("first_shipment_date", sa.Date(), nullable=True),
        sa.Column("account_manager_id", sa.String(length=36), nullable=True),
        sa.Column("need_tags", sa.String(length=200), nullable=False),
        sa.Column("visit_class", sa.String(length=1), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_branch_id"), ["branch_id"], unique=False)
    op.create_table(
        "customer_phone",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_phone")),
    )
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_phone_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_phone_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "uq_customer_phone_live",
            ["phone"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday")),
    )
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_holiday_day"), ["day"], unique=False)
    op.create_table(
        "hq_batch",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("ack", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_hq_batch")),
    )
    op.create_table(
        "hq_branch",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_push_at", UtcDateTime(), nullable=True),
        sa.Column("last_pull_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_hq_branch")),
    )
    op.create_table(
        "hq_change_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tx_id", sa.String(length=36), nullable=False),
        sa.Column("partition", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_hq_change_log")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hq_change_log", schema=None) as batch_op:
        batch_op.create_index("ix_hq_change_log_partition_seq", ["partition", "seq"], unique=False)
    op.create_table(
        "hq_node",
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("last_seen_at", UtcDateTime(), nullable=True),
        sa.Column("app_version", sa.String(length=32), nullable=True),
        sa.Column("schema_version", sa.String(length=32), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_hq_node")),
    )
    with op.batch_alter_table("hq_node", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hq_node_branch_code"), ["branch_code"], unique=False)
    op.create_table(
        "hq_parked",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.Column("conflict_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "pk", name=op.f("pk_hq_parked")),
    )
    op.create_table(
        "hq_registration",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("branch_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_hq_registration")),
    )
    op.create_table(
        "hq_row_clock",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("pk", sa.String(length=36), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "pk", name=op.f("pk_hq_row_clock")),
    )
    op.create_table(
        "monthly_volume",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_volume")),
    )
    with op.batch_alter_table("monthly_volume", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monthly_volume_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            "uq_monthly_volume_customer_month",
            ["branch_id", "customer_id", "month"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    op.create_table(
        "pickup_preference",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("away_weekends", sa.Boolean(), nullable=False),
        sa.Column("drop_off", sa.String(length=20), nullable=False),
        sa.Column("drop_off_other", sa.String(length=100), nullable=True),
        sa.Column("call_before_minutes", sa.Integer(), nullable=False),
        sa.Column("packaging", sa.String(length=100), nullable=True),
        sa.Column("special_handling", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_preference")),
    )
    with op.batch_alter_table("pickup_preference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pickup_preference_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            "uq_pickup_preference_customer_live",
            ["branch_id", "customer_id"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    op.create_table(
        "policy_setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_setting")),
    )
    with op.batch_alter_table("policy_setting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_setting_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_policy_setting_key"), ["key"], unique=False)
    op.create_table(
        "reference_code",
        sa.Column("list_kind", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_code")),
    )
    with op.batch_alter_table("reference_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reference_code_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reference_code_list_kind"), ["list_kind"], unique=False
        )
    op.create_table(
        "sla_policy",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("calendar", sa.String(length=20), nullable=False),
        sa.Column("working_hours", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("warn_ratio", sa.Float(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("escalation", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
    )
    with op.batch_alter_table("sla_policy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_policy_branch_id"), ["branch_id"], unique=False)
    op.create_table(
        "staff",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=50), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(
            "uq_staff_username_live",
            ["branch_id", "username"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    op.create_table(
        "survey_form",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("printed_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_form")),
        sa.UniqueConstraint("branch_id", "serial", name=op.f("uq_survey_form_branch_id_serial")),
    )
    with op.batch_alter_table("survey_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_form_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_form_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_form_customer_id"), ["customer_id"], unique=False
        )
    op.create_table(
        "survey_response",
        sa.Column("form_id", sa.String(length=36), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("answered_on", UtcDateTime(), nullable=False),
        sa.Column("supersedes_id", sa.String(length=36), nullable=True),
        sa.Column("entered_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_response_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_response_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_response_form_id"), ["form_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_response_supersedes_id"), ["supersedes_id"], unique=False
        )
    op.create_table(
        "survey_template",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_template")),
    )
    with op.batch_alter_table("survey_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_template_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_template_code"), ["code"], unique=False)
    op.create_table(
        "sync_conflict",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("other_row_id", sa.String(length=36), nullable=False),
        sa.Column("other_branch_id", sa.String(length=16), nullable=False),
        sa.Column("columns", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("other_customer_id", sa.String(length=36), nullable=True),
        sa.Column("other_customer_name", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflict_branch_id"), ["branch_id"], unique=False)
    op.create_table(
        "sync_rejected_change",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejected_change")),
    )
    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_rejected_change_branch_id"), ["branch_id"], unique=False
        )
    op.create_table(
        "training_attendee",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("contact", sa.String(length=50), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendee")),
    )
    with op.batch_alter_table("training_attendee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_attendee_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendee_session_id"), ["session_id"], unique=False
        )
    op.create_table(
        "training_session",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=True),
        sa.Column("trainer", sa.String(length=50), nullable=True),
        sa.Column("audience", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("content_points", sa.JSON(), nullable=False),
        sa.Column("incident_notice", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_session_branch_id"), ["branch_id"], unique=False
        )
    op.create_table(
        "visit",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("branch_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_customer_id"))
        batch_op.drop_index(batch_op.f("ix_visit_branch_id"))
    op.drop_table("visit")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_branch_id"))
    op.drop_table("training_session")
    with op.batch_alter_table("training_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_attendee_session_id"))
        batch_op.drop_index(batch_op.f("ix_training_attendee_branch_id"))
    op.drop_table("training_attendee")
    with op.batch_alter_table("sync_rejected_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_rejected_change_branch_id"))
    op.drop_table("sync_rejected_change")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_branch_id"))
    op.drop_table("sync_conflict")
    with op.batch_alter_table("survey_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_template_code"))
        batch_op.drop_index(batch_op.f("ix_survey_template_branch_id"))
    op.drop_table("survey_template")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_response_supersedes_id"))
        batch_op.drop_index(batch_op.f("ix_survey_response_form_id"))
        batch_op.drop_index(batch_op.f("ix_survey_response_customer_id"))
        batch_op.drop_index(batch_op.f("ix_survey_response_branch_id"))
    op.drop_table("survey_response")
    with op.batch_alter_table("survey_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_form_customer_id"))
        batch_op.drop_index(batch_op.f("ix_survey_form_branch_id"))
        batch_op.drop_index(batch_op.f("ix_survey_form_batch_id"))
    op.drop_table("survey_form")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_staff_username_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_staff_branch_id"))
    op.drop_table("staff")
    with op.batch_alter_table("sla_policy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_policy_branch_id"))
    op.drop_table("sla_policy")
    with op.batch_alter_table("reference_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_code_list_kind"))
        batch_op.drop_index(batch_op.f("ix_reference_code_branch_id"))
    op.drop_table("reference_code")
    with op.batch_alter_table("policy_setting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_setting_key"))
        batch_op.drop_index(batch_op.f("ix_policy_setting_branch_id"))
    op.drop_table("policy_setting")
    with op.batch_alter_table("pickup_preference", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pickup_preference_customer_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_pickup_preference_branch_id"))
    op.drop_table("pickup_preference")
    with op.batch_alter_table("monthly_volume", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_monthly_volume_customer_month",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_monthly_volume_branch_id"))
    op.drop_table("monthly_volume")
    op.drop_table("hq_row_clock")
    op.drop_table("hq_registration")
    op.drop_table("hq_parked")
    with op.batch_alter_table("hq_node", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hq_node_branch_code"))
    op.drop_table("hq_node")
    with op.batch_alter_table("hq_change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_hq_change_log_partition_seq")
    op.drop_table("hq_change_log")
    op.drop_table("hq_branch")
    op.drop_table("hq_batch")
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_day"))
        batch_op.drop_index(batch_op.f("ix_holiday_branch_id"))
    op.drop_table("holiday")
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customer_phone_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_customer_phone_customer_id"))
        batch_op.drop_index(batch_op.f("ix_customer_phone_branch_id"))
    op.drop_table("customer_phone")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_branch_id"))
    op.drop_table("customer")
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_event_complaint_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_event_branch_id"))
    op.drop_table("complaint_event")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_waybill_no"))
        batch_op.drop_index("ix_complaint_open_due")
        batch_op.drop_index(batch_op.f("ix_complaint_customer_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_branch_id"))
    op.drop_table("complaint")
    with op.batch_alter_table("care_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_task_due_on"))
        batch_op.drop_index(batch_op.f("ix_care_task_customer_id"))
        batch_op.drop_index(batch_op.f("ix_care_task_branch_id"))
    op.drop_table("care_task")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_entity")
        batch_op.drop_index(batch_op.f("ix_audit_entry_branch_id"))
    op.drop_table("audit_entry")
