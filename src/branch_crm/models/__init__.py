"""SQLAlchemy models of the branch database (one module per aggregate)."""

from branch_crm.models.attachment import Attachment, AttachmentFile
from branch_crm.models.audit import AuditEntry
from branch_crm.models.base import HQ_BRANCH, Base, SyncedMixin
from branch_crm.models.care import CareTask, Visit
from branch_crm.models.complaint import (
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    SlaPolicy,
)
from branch_crm.models.customer import (
    Customer,
    CustomerPhone,
    CustomerStats,
    CustomerType,
    MonthlyVolume,
    NeedTag,
    PhoneKind,
    VisitClass,
)
from branch_crm.models.customer_list import CustomerListEntry
from branch_crm.models.customer_merge import CustomerMerge
from branch_crm.models.preference import DropOffPlace, PickupPreference, SpecialHandling
from branch_crm.models.reference import (
    FestivalDate,
    Holiday,
    LocalSetting,
    PolicySetting,
    ReferenceCode,
    ReferenceKind,
)
from branch_crm.models.search import SearchDirty, SearchDoc, SearchTerm
from branch_crm.models.staff import Role, Staff
from branch_crm.models.survey import SurveyForm, SurveyResponse, SurveyTemplate
from branch_crm.models.survey_scan import SurveyScanItem, SurveyScanPage
from branch_crm.models.sync import (
    SyncClock,
    SyncConflict,
    SyncOutbox,
    SyncParked,
    SyncRejectedChange,
    SyncState,
)
from branch_crm.models.training import TrainingAttendee, TrainingSession

__all__ = [
    "HQ_BRANCH",
    "Attachment",
    "AttachmentFile",
    "AuditEntry",
    "Base",
    "CareTask",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "ComplaintStatus",
    "Customer",
    "CustomerListEntry",
    "CustomerMerge",
    "CustomerPhone",
    "CustomerStats",
    "CustomerType",
    "DropOffPlace",
    "FestivalDate",
    "Holiday",
    "LocalSetting",
    "MonthlyVolume",
    "NeedTag",
    "PhoneKind",
    "PickupPreference",
    "PolicySetting",
    "ReferenceCode",
    "ReferenceKind",
    "Role",
    "SearchDirty",
    "SearchDoc",
    "SearchTerm",
    "SlaPolicy",
    "SpecialHandling",
    "Staff",
    "SurveyForm",
    "SurveyResponse",
    "SurveyScanItem",
    "SurveyScanPage",
    "SurveyTemplate",
    "SyncClock",
    "SyncConflict",
    "SyncOutbox",
    "SyncParked",
    "SyncRejectedChange",
    "SyncState",
    "SyncedMixin",
    "TrainingAttendee",
    "TrainingSession",
    "Visit",
    "VisitClass",
    "synced_tables",
]


def synced_tables() -> list[type[SyncedMixin]]:
    """Every model class whose rows sync with head office, in dependency order."""
    classes = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, SyncedMixin)]
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    return sorted(classes, key=lambda cls: order[cls.__tablename__])  # type: ignore[attr-defined]
