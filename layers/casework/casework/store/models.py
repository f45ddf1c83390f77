"""PynamoDB models of the five tables. Keys and index names live here and nowhere else.

Index and key definitions must match `template.yaml` (a test compares them).

PynamoDB types every attribute's value as never None and every number as a float. Here an attribute that may be
absent is declared `nullable(...)` (read as `X | None`), a number that is always whole (counts, case numbers,
levels, versions) `whole(...)` (read as `int`; DynamoDB hands whole numbers back as ints), and a list
`list_of(...)` (PynamoDB types its elements as attributes rather than values). The attributes themselves are
PynamoDB's own: only their static types change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from casework.config import settings

T = TypeVar("T")


def nullable(attribute: Attribute[T]) -> Attribute[T | None]:
    """The attribute with `null=True`: absent from the item when None, and typed so."""
    attribute.null = True
    return cast("Attribute[T | None]", attribute)


def whole(attribute: NumberAttribute) -> Attribute[int]:
    """A number attribute whose values are always whole."""
    return cast("Attribute[int]", attribute)


def list_of(of: type[Attribute[T]], *, attr_name: str | None = None,
            default: Callable[[], list[T]] | None = None) -> Attribute[list[T]]:
    """`ListAttribute(of=...)`, typed as a list of the element attribute's values."""
    return cast("Attribute[list[T]]", ListAttribute(of=of, attr_name=attr_name, default=default))


# ---------------------------------------------------------------- Directory: services, groups, users


class DirectoryItem(Model):
    class Meta:
        table_name = settings.directory_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class ServiceItem(DirectoryItem, discriminator="service"):
    service_id = UnicodeAttribute(attr_name="serviceId")
    name = UnicodeAttribute()
    nation = UnicodeAttribute()
    service_kind = UnicodeAttribute(attr_name="serviceKind")
    retention_years = whole(NumberAttribute(attr_name="retentionYears"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    # the service's own compliance settings over the documented defaults (compliance.rules.Settings)
    compliance = nullable(JSONAttribute())


class GroupItem(DirectoryItem, discriminator="group"):
    service_id = UnicodeAttribute(attr_name="serviceId")
    group_id = UnicodeAttribute(attr_name="groupId")
    name = UnicodeAttribute()
    rights = list_of(NumberAttribute)
    built_in = BooleanAttribute(attr_name="builtIn", default=False)
    version = nullable(whole(VersionAttribute()))


class UsersByService(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "UsersByService"
        projection = AllProjection()

    users_of = UnicodeAttribute(attr_name="usersOf", hash_key=True)
    user_sort = UnicodeAttribute(attr_name="userSort", range_key=True)


class UserItem(DirectoryItem, discriminator="user"):
    user_id = UnicodeAttribute(attr_name="userId")
    service_id = UnicodeAttribute(attr_name="serviceId")
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    email = UnicodeAttribute()
    group_id = UnicodeAttribute(attr_name="groupId")
    supervisor_id = nullable(UnicodeAttribute(attr_name="supervisorId"))
    locked = BooleanAttribute(default=False)
    version = nullable(whole(VersionAttribute()))
    users_of = UnicodeAttribute(attr_name="usersOf")
    user_sort = UnicodeAttribute(attr_name="userSort")
    by_service = UsersByService()


class CounterItem(DirectoryItem, discriminator="counter"):
    value = whole(NumberAttribute(default=0))


# ---------------------------------------------------------------- Directory: the service's document library


class LibraryShelf(GlobalSecondaryIndex["DocumentItem"]):
    """Sparse: only documents that are available, by title. Pending and deleted ones are never read."""

    class Meta:
        index_name = "LibraryShelf"
        projection = AllProjection()

    shelf = UnicodeAttribute(hash_key=True)
    shelf_sort = UnicodeAttribute(attr_name="shelfSort", range_key=True)


class DocumentItem(DirectoryItem, discriminator="document"):
    """A library document: pending until its first upload is confirmed, then available, or deleted."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    doc_id = UnicodeAttribute(attr_name="docId")
    title = UnicodeAttribute()
    file_name = UnicodeAttribute(attr_name="fileName")
    content_type = UnicodeAttribute(attr_name="contentType")
    size = whole(NumberAttribute())
    status = UnicodeAttribute()  # pending | available | deleted
    upload_id = UnicodeAttribute(attr_name="uploadId")  # the current version (or the awaited first one)
    versions = whole(NumberAttribute(default=0))  # how many versions have been confirmed
    uploaded_by = UnicodeAttribute(attr_name="uploadedBy")
    uploaded_at = UnicodeAttribute(attr_name="uploadedAt")
    pending_until = nullable(UnicodeAttribute(attr_name="pendingUntil"))
    deleted_by = nullable(UnicodeAttribute(attr_name="deletedBy"))
    deleted_at = nullable(UnicodeAttribute(attr_name="deletedAt"))
    last_refusal = nullable(JSONAttribute(attr_name="lastRefusal"))  # the latest upload S3 delivered but we refused
    expiration = nullable(whole(NumberAttribute()))  # TTL clean-up of never-confirmed documents only
    version = nullable(whole(VersionAttribute()))
    shelf = nullable(UnicodeAttribute())
    shelf_sort = nullable(UnicodeAttribute(attr_name="shelfSort"))
    on_shelf = LibraryShelf()


class DocumentVersionItem(DirectoryItem, discriminator="document-version"):
    """One confirmed upload of a document; never changed, so every version stays retrievable (DOC-3)."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    doc_id = UnicodeAttribute(attr_name="docId")
    upload_id = UnicodeAttribute(attr_name="uploadId")
    number = whole(NumberAttribute())
    title = UnicodeAttribute()
    file_name = UnicodeAttribute(attr_name="fileName")
    content_type = UnicodeAttribute(attr_name="contentType")
    size = whole(NumberAttribute())
    object_version = nullable(UnicodeAttribute(attr_name="objectVersion"))
    uploaded_by = UnicodeAttribute(attr_name="uploadedBy")
    uploaded_at = UnicodeAttribute(attr_name="uploadedAt")


class UploadItem(DirectoryItem, discriminator="document-upload"):
    """An upload the client was allowed to make: what it declared, until S3 confirms or it expires."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    doc_id = UnicodeAttribute(attr_name="docId")
    upload_id = UnicodeAttribute(attr_name="uploadId")
    title = UnicodeAttribute()
    file_name = UnicodeAttribute(attr_name="fileName")
    content_type = UnicodeAttribute(attr_name="contentType")
    size = whole(NumberAttribute())
    requested_by = UnicodeAttribute(attr_name="requestedBy")
    requested_at = UnicodeAttribute(attr_name="requestedAt")
    expires_at = UnicodeAttribute(attr_name="expiresAt")
    status = UnicodeAttribute(default="pending")  # pending | rejected
    reason = nullable(UnicodeAttribute())
    expiration = nullable(whole(NumberAttribute()))


# ---------------------------------------------------------------- Records: a person and all their records


class RecordItem(Model):
    class Meta:
        table_name = settings.records_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    service_id = UnicodeAttribute(attr_name="serviceId")


class PersonItem(RecordItem, discriminator="person"):
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    date_of_birth = UnicodeAttribute(attr_name="dateOfBirth")
    chs_number = nullable(UnicodeAttribute(attr_name="chsNumber"))
    case_count = whole(NumberAttribute(attr_name="caseCount", default=0))
    created_at = UnicodeAttribute(attr_name="createdAt")
    # Which generation of the person's records is current, and where it lives (`records_at` null: in this item's
    # partition). An import stages a new generation in a partition of its own and switches both in one
    # conditional write of this item.
    generation = whole(NumberAttribute(default=0))
    records_at = nullable(UnicodeAttribute(attr_name="recordsAt"))
    digest = nullable(UnicodeAttribute())  # the transfer file the current generation came from, if any
    version = nullable(whole(VersionAttribute()))
    # MAP-3: the person's MAPPA flag, kept with the discussions in the same transactions
    mappa_current = nullable(UnicodeAttribute(attr_name="mappaCurrent"))  # the current discussion's id
    mappa_review_date = nullable(UnicodeAttribute(attr_name="mappaReviewDate"))
    mappa_last_ended = nullable(UnicodeAttribute(attr_name="mappaLastEnded"))  # struck through when none current


class CasesBySurname(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "CasesBySurname"
        projection = AllProjection()

    service_status = UnicodeAttribute(attr_name="serviceStatus", hash_key=True)
    surname_key = UnicodeAttribute(attr_name="surnameKey", range_key=True)


class CasesByNumber(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "CasesByNumber"
        projection = AllProjection()

    service_status = UnicodeAttribute(attr_name="serviceStatus", hash_key=True)
    number_key = UnicodeAttribute(attr_name="numberKey", range_key=True)


class HolderBySurname(GlobalSecondaryIndex["CaseItem"]):
    """Cases by who holds them: a worker's caseload, or the service's unassigned cases."""

    class Meta:
        index_name = "HolderBySurname"
        projection = AllProjection()

    holder = UnicodeAttribute(hash_key=True)
    surname_key = UnicodeAttribute(attr_name="surnameKey", range_key=True)


class HolderByNumber(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "HolderByNumber"
        projection = AllProjection()

    holder = UnicodeAttribute(hash_key=True)
    number_key = UnicodeAttribute(attr_name="numberKey", range_key=True)


class CaseItem(RecordItem, discriminator="case"):
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    case_type = UnicodeAttribute(attr_name="caseType")
    status = UnicodeAttribute()
    assigned_to = nullable(UnicodeAttribute(attr_name="assignedTo"))
    assignment_task_id = nullable(UnicodeAttribute(attr_name="assignmentTaskId"))
    risk_need_level = nullable(UnicodeAttribute(attr_name="riskNeedLevel"))
    destruction_date = nullable(UnicodeAttribute(attr_name="destructionDate"))
    multiple_cases = BooleanAttribute(attr_name="multipleCases", default=False)
    opened_at = UnicodeAttribute(attr_name="openedAt")
    closed_at = nullable(UnicodeAttribute(attr_name="closedAt"))
    pending_closure = nullable(UnicodeAttribute(attr_name="pendingClosure"))  # approval id of a closure request
    version = nullable(whole(VersionAttribute()))
    # Index keys, derived by records.refresh_index_keys; absent while an imported generation is only staged.
    service_status = nullable(UnicodeAttribute(attr_name="serviceStatus"))
    holder = nullable(UnicodeAttribute())
    surname_key = nullable(UnicodeAttribute(attr_name="surnameKey"))
    number_key = nullable(UnicodeAttribute(attr_name="numberKey"))
    by_surname = CasesBySurname()
    by_number = CasesByNumber()
    holder_by_surname = HolderBySurname()
    holder_by_number = HolderByNumber()


class CaseRefItem(RecordItem, discriminator="case-ref"):
    """Where a case id lives: read first (strongly consistent) to find the person's partition."""

    urn = UnicodeAttribute()
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    partition = nullable(UnicodeAttribute())  # the case's partition when not the person's first generation


# ---------------------------------------------------------------- Records: MAPPA discussions and notifications


class MappaItem(RecordItem, discriminator="mappa"):
    """A MAPPA discussion (MAP-1), in its person's partition at `MAPPA#<id>`. `details` is confidential (MAP-2)."""

    discussion_id = UnicodeAttribute(attr_name="discussionId")
    urn = UnicodeAttribute()
    date_of_discussion = UnicodeAttribute(attr_name="dateOfDiscussion")
    review_date = nullable(UnicodeAttribute(attr_name="reviewDate"))
    date_ended = nullable(UnicodeAttribute(attr_name="dateEnded"))
    level = whole(NumberAttribute())
    category = whole(NumberAttribute())
    details = UnicodeAttribute()
    recorded_by = UnicodeAttribute(attr_name="recordedBy")
    recorded_at = UnicodeAttribute(attr_name="recordedAt")
    updated_by = nullable(UnicodeAttribute(attr_name="updatedBy"))
    updated_at = nullable(UnicodeAttribute(attr_name="updatedAt"))
    version = nullable(whole(VersionAttribute()))


class MappaNotificationItem(RecordItem, discriminator="mappa-notification"):
    """A professional notification (MAP-5) at `MAPPA#<id>#NOTE#<notificationId>`; `recipients` maps each
    recipient's user id to `{"name": ..., "acknowledgedAt": ...}` (the tick, MAP-6)."""

    notification_id = UnicodeAttribute(attr_name="notificationId")
    discussion_id = UnicodeAttribute(attr_name="discussionId")
    urn = UnicodeAttribute()
    date_notified = UnicodeAttribute(attr_name="dateNotified")
    send_alert = BooleanAttribute(attr_name="sendAlert")
    sent_by = UnicodeAttribute(attr_name="sentBy")
    sent_at = UnicodeAttribute(attr_name="sentAt")
    recipients: MapAttribute[str, Any] = MapAttribute()


class MappaRefItem(RecordItem, discriminator="mappa-ref"):
    """Where a discussion (`MAPPA#<id>`) or a notification (`MAPPA-NOTE#<id>`) lives; derivable from them."""

    urn = UnicodeAttribute()
    discussion_id = UnicodeAttribute(attr_name="discussionId")
    partition = nullable(UnicodeAttribute())  # the record's partition when not the person's first generation


# ---------------------------------------------------------------- Work: worktray tasks


class OpenTasks(GlobalSecondaryIndex["TaskItem"]):
    """Sparse: only tasks not yet completed, by due date."""

    class Meta:
        index_name = "OpenTasks"
        projection = AllProjection()

    open_for = UnicodeAttribute(attr_name="openFor", hash_key=True)
    open_sort = UnicodeAttribute(attr_name="openSort", range_key=True)


class TaskItem(Model):
    class Meta:
        table_name = settings.work_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    task_id = UnicodeAttribute(attr_name="taskId")
    user_id = UnicodeAttribute(attr_name="userId")
    service_id = UnicodeAttribute(attr_name="serviceId")
    task_kind = UnicodeAttribute(attr_name="taskKind")
    subject = UnicodeAttribute()
    case_id = nullable(UnicodeAttribute(attr_name="caseId"))
    due_date = nullable(UnicodeAttribute(attr_name="dueDate"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    completed_at = nullable(UnicodeAttribute(attr_name="completedAt"))
    open_for = nullable(UnicodeAttribute(attr_name="openFor"))
    open_sort = nullable(UnicodeAttribute(attr_name="openSort"))
    open_tasks = OpenTasks()
    link = nullable(UnicodeAttribute())  # the API path of the record the task is about
    emailed_at = nullable(UnicodeAttribute(attr_name="emailedAt"))
    # a deadline (`{"pk", "sk"}`) waiting for this alert to be completed before it raises anything (NTF-1, CSC-2)
    releases = nullable(JSONAttribute())
    rule = nullable(UnicodeAttribute())  # a compliance alert's rule id (CMP-1) and stage
    stage = nullable(UnicodeAttribute())


# ---------------------------------------------------------------- Work: the notifications outbox


class PendingDeliveries(GlobalSecondaryIndex["OutboxItem"]):
    """Sparse: only notifications with alerts not yet handed to the queue, by when to retry them."""

    class Meta:
        index_name = "PendingDeliveries"
        projection = AllProjection()

    retry_queue = UnicodeAttribute(attr_name="retryQueue", hash_key=True)
    retry_at = UnicodeAttribute(attr_name="retryAt", range_key=True)


class OutboxItem(Model):
    """The alerts of one notification still to be sent to the queue (NTF-2); written with the notification."""

    class Meta:
        table_name = settings.work_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    notification_id = UnicodeAttribute(attr_name="notificationId")
    discussion_id = UnicodeAttribute(attr_name="discussionId")
    service_id = UnicodeAttribute(attr_name="serviceId")
    urn = UnicodeAttribute()
    person = UnicodeAttribute()
    due_date = nullable(UnicodeAttribute(attr_name="dueDate"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    pending = nullable(UnicodeSetAttribute())  # recipients whose message is not yet on the queue
    retry_queue = nullable(UnicodeAttribute(attr_name="retryQueue"))
    retry_at = nullable(UnicodeAttribute(attr_name="retryAt"))
    pending_deliveries = PendingDeliveries()


# ---------------------------------------------------------------- Audit: append-only trail


class AuditItem(Model):
    class Meta:
        table_name = settings.audit_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    service_id = UnicodeAttribute(attr_name="serviceId")
    entity = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_id = UnicodeAttribute(attr_name="actorId")
    at = UnicodeAttribute()
    before = nullable(JSONAttribute())
    after = nullable(JSONAttribute())
    reason = nullable(UnicodeAttribute())


# ---------------------------------------------------------------- Directory: transfer partners of a service


class DestinationItem(DirectoryItem, discriminator="destination"):
    """Where the service may export to (TRN-1): a name and a secure e-mail address, kept by administrators."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    destination_id = UnicodeAttribute(attr_name="destinationId")
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")


class SenderItem(DirectoryItem, discriminator="import-sender"):
    """An address whose e-mailed case files the service imports (TRN-6); mail from anyone else is quarantined."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    email = UnicodeAttribute()
    name = nullable(UnicodeAttribute())
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")


# ---------------------------------------------------------------- Jobs: exports and imports


class JobsByService(GlobalSecondaryIndex["JobItem"]):
    """A service's exports (`<service>#export`) and imports by status (`<service>#import#<status>`), newest last."""

    class Meta:
        index_name = "JobsByService"
        projection = AllProjection()

    jobs_of = UnicodeAttribute(attr_name="jobsOf", hash_key=True)
    job_sort = UnicodeAttribute(attr_name="jobSort", range_key=True)


class JobItem(Model):
    class Meta:
        table_name = settings.jobs_table
        region = settings.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    service_id = UnicodeAttribute(attr_name="serviceId")
    jobs_of = UnicodeAttribute(attr_name="jobsOf")
    job_sort = UnicodeAttribute(attr_name="jobSort")
    by_service = JobsByService()


class ExportItem(JobItem, discriminator="export"):
    export_id = UnicodeAttribute(attr_name="exportId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    destination = JSONAttribute()  # the destination as it was when exported
    deliver = UnicodeAttribute()
    object_key = UnicodeAttribute(attr_name="objectKey")
    records = whole(NumberAttribute())
    size = whole(NumberAttribute())
    digest = UnicodeAttribute()
    emailed_to = nullable(UnicodeAttribute(attr_name="emailedTo"))
    holds_mappa = BooleanAttribute(attr_name="holdsMappa", default=False)  # the file carries MAPPA details
    exported_at = UnicodeAttribute(attr_name="exportedAt")
    exported_by = UnicodeAttribute(attr_name="exportedBy")


class ImportItem(JobItem, discriminator="import"):
    """An import from an upload or an e-mail, from awaiting its file to imported (or rejected, quarantined...)."""

    import_id = UnicodeAttribute(attr_name="importId")
    status = UnicodeAttribute()
    source = UnicodeAttribute()  # upload | email
    file_name = nullable(UnicodeAttribute(attr_name="fileName"))
    size = nullable(whole(NumberAttribute()))
    object_key = nullable(UnicodeAttribute(attr_name="objectKey"))
    reopen_latest_case = BooleanAttribute(attr_name="reopenLatestCase", default=False)
    reasons = list_of(UnicodeAttribute, default=list)
    digest = nullable(UnicodeAttribute())
    urn = nullable(UnicodeAttribute())
    forename = nullable(UnicodeAttribute())
    surname = nullable(UnicodeAttribute())
    existing = nullable(JSONAttribute())
    # once importing: the generation replaced (null: a new person) and the one written, the first case number
    # reserved for the file's cases, and how far the all-or-nothing replace has got
    replaces = nullable(whole(NumberAttribute()))
    replaces_at = nullable(UnicodeAttribute(attr_name="replacesAt"))
    generation = nullable(whole(NumberAttribute()))
    first_number = nullable(whole(NumberAttribute(attr_name="firstNumber")))
    phase = nullable(UnicodeAttribute())  # staging | switched | done
    done = whole(NumberAttribute(default=0))
    total = whole(NumberAttribute(default=0))
    case_ids = list_of(UnicodeAttribute, attr_name="caseIds", default=list)
    sender = nullable(UnicodeAttribute())
    subject = nullable(UnicodeAttribute())
    message_key = nullable(UnicodeAttribute(attr_name="messageKey"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    expiration = nullable(whole(NumberAttribute()))
    version = nullable(whole(VersionAttribute()))


# ---------------------------------------------------------------- Records: LS/CMI assessments, plans, approvals


class AssessmentItem(RecordItem, discriminator="assessment"):
    """An initial or full LS/CMI assessment of a case (sk `CASE#<n>#ASMT#<id>`), its sections as a map."""

    assessment_id = UnicodeAttribute(attr_name="assessmentId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    assessment_kind = UnicodeAttribute(attr_name="assessmentKind")  # initial | full
    reassessment_of = nullable(UnicodeAttribute(attr_name="reassessmentOf"))
    status = UnicodeAttribute()  # in-progress | locked
    sections = JSONAttribute(default=dict)  # section id -> {scores?, answers, text, ..., savedAt, savedBy}
    override = nullable(JSONAttribute())  # {kind, originalLevel, requestedLevel, rationale, status, approvalId}
    created_by = UnicodeAttribute(attr_name="createdBy")
    created_at = UnicodeAttribute(attr_name="createdAt")
    locked_by = nullable(UnicodeAttribute(attr_name="lockedBy"))
    locked_at = nullable(UnicodeAttribute(attr_name="lockedAt"))
    version = nullable(whole(VersionAttribute()))


class PlanItem(RecordItem, discriminator="plan"):
    """A management plan (sections 9-11) of a case (sk `CASE#<n>#PLAN#<id>`): case or risk management plan."""

    plan_id = UnicodeAttribute(attr_name="planId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    assessment_id = UnicodeAttribute(attr_name="assessmentId")
    plan_type = UnicodeAttribute(attr_name="planType")  # cmp | rmp
    sections = JSONAttribute(default=dict)
    created_by = UnicodeAttribute(attr_name="createdBy")
    created_at = UnicodeAttribute(attr_name="createdAt")
    version = nullable(whole(VersionAttribute()))


class PendingApprovals(GlobalSecondaryIndex["ApprovalItem"]):
    """Sparse: only requests awaiting a decision, oldest first (APR-4)."""

    class Meta:
        index_name = "PendingApprovals"
        projection = AllProjection()

    pending_in = UnicodeAttribute(attr_name="pendingIn", hash_key=True)
    pending_sort = UnicodeAttribute(attr_name="pendingSort", range_key=True)


class ApprovalItem(RecordItem, discriminator="approval"):
    """A request for a manager's decision (sk `CASE#<n>#APR#<id>`): an override or a closure."""

    approval_id = UnicodeAttribute(attr_name="approvalId")
    approval_type = UnicodeAttribute(attr_name="approvalType")  # override | closure-no-plan | closure-with-plan
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    assessment_id = nullable(UnicodeAttribute(attr_name="assessmentId"))
    original_level = nullable(UnicodeAttribute(attr_name="originalLevel"))
    requested_level = nullable(UnicodeAttribute(attr_name="requestedLevel"))
    override_kind = nullable(UnicodeAttribute(attr_name="overrideKind"))  # clinical (6.2) | administrative (6.3)
    rationale = UnicodeAttribute()
    proposed_destruction_date = nullable(UnicodeAttribute(attr_name="proposedDestructionDate"))
    worker_id = UnicodeAttribute(attr_name="workerId")
    worker_name = UnicodeAttribute(attr_name="workerName")
    requested_by = UnicodeAttribute(attr_name="requestedBy")
    requested_at = UnicodeAttribute(attr_name="requestedAt")
    status = UnicodeAttribute()  # pending | approved | not-approved | withdrawn
    decided_by = nullable(UnicodeAttribute(attr_name="decidedBy"))
    decided_at = nullable(UnicodeAttribute(attr_name="decidedAt"))
    comment = nullable(UnicodeAttribute())
    destruction_date = nullable(UnicodeAttribute(attr_name="destructionDate"))
    version = nullable(whole(VersionAttribute()))
    pending_in = nullable(UnicodeAttribute(attr_name="pendingIn"))
    pending_sort = nullable(UnicodeAttribute(attr_name="pendingSort"))
    pending = PendingApprovals()


class ApprovalRefItem(RecordItem, discriminator="approval-ref"):
    """Where an approval id lives (pk `APPROVAL#<id>`, sk `REF`); derivable from the approval item."""

    urn = UnicodeAttribute()
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    partition = nullable(UnicodeAttribute())  # the request's partition when not the person's first generation


# ---------------------------------------------------------------- Records: deadlines (CMP-1, CMP-2)


class DueDeadlines(GlobalSecondaryIndex["DeadlineItem"]):
    """Sparse: only deadlines with a stage still to raise, by when it is due, spread over a fixed number of shards
    (`DUE#<n>`) so that one busy hour is never one hot partition. The sweep reads only what is due."""

    class Meta:
        index_name = "DueDeadlines"
        projection = AllProjection()

    due_shard = UnicodeAttribute(attr_name="dueShard", hash_key=True)
    due_at = UnicodeAttribute(attr_name="dueAt", range_key=True)


class DeadlinesByOwner(GlobalSecondaryIndex["DeadlineItem"]):
    """Sparse: only open deadlines, by the worker they are for (`<service>#<user>`), soonest due first (CMP-5)."""

    class Meta:
        index_name = "DeadlinesByOwner"
        projection = AllProjection()

    owner_open = UnicodeAttribute(attr_name="ownerOpen", hash_key=True)
    owner_sort = UnicodeAttribute(attr_name="ownerSort", range_key=True)


class DeadlineItem(RecordItem, discriminator="deadline"):
    """Something due by a date under a rule, stored with the record it belongs to (`CASE#<n>#DUE#<id>` or
    `MAPPA#<id>#DUE#<id>`), with its stages: when each is due, to whom it goes and whether it has been raised."""

    deadline_id = UnicodeAttribute(attr_name="deadlineId")
    rule = UnicodeAttribute()  # the DOMAIN.md rule id, e.g. CSC-1
    deadline_kind = UnicodeAttribute(attr_name="deadlineKind")  # what is due, e.g. cf-assessment
    subject = UnicodeAttribute()
    link = nullable(UnicodeAttribute())
    urn = UnicodeAttribute()
    case_id = nullable(UnicodeAttribute(attr_name="caseId"))
    case_number = nullable(whole(NumberAttribute(attr_name="caseNumber")))
    record_id = nullable(UnicodeAttribute(attr_name="recordId"))  # the record it belongs to, when not the case
    owner_id = nullable(UnicodeAttribute(attr_name="ownerId"))  # the worker it is for (the case's worker)
    nation = UnicodeAttribute()
    start_date = UnicodeAttribute(attr_name="startDate")
    due_date = UnicodeAttribute(attr_name="dueDate")
    stages = JSONAttribute(default=list)  # [{name, at, to: [...], action, raisedAt?}]
    next_stage = whole(NumberAttribute(attr_name="nextStage", default=0))
    status = UnicodeAttribute()  # open | waiting | met | cancelled
    waits_for = nullable(JSONAttribute(attr_name="waitsFor"))  # {userId, taskId}: raised only once it is completed
    detail = nullable(JSONAttribute())  # what the rule keeps of its own (a ladder's failures, a priority)
    met_at = nullable(UnicodeAttribute(attr_name="metAt"))
    met_by = nullable(UnicodeAttribute(attr_name="metBy"))
    met_how = nullable(UnicodeAttribute(attr_name="metHow"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    version = nullable(whole(VersionAttribute()))
    due_shard = nullable(UnicodeAttribute(attr_name="dueShard"))
    due_at = nullable(UnicodeAttribute(attr_name="dueAt"))
    owner_open = nullable(UnicodeAttribute(attr_name="ownerOpen"))
    owner_sort = nullable(UnicodeAttribute(attr_name="ownerSort"))
    due_deadlines = DueDeadlines()
    by_owner = DeadlinesByOwner()


# ---------------------------------------------------------------- Records: children's social care (CSC)


class CfAssessmentItem(RecordItem, discriminator="cf-assessment"):
    """A child and family assessment (CSC-1) of a case (sk `CASE#<n>#CF#<id>`)."""

    assessment_id = UnicodeAttribute(attr_name="assessmentId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    started_on = UnicodeAttribute(attr_name="startedOn")
    authorised_by = UnicodeAttribute(attr_name="authorisedBy")
    priority = whole(NumberAttribute())
    due_date = UnicodeAttribute(attr_name="dueDate")
    priority_set_by = nullable(UnicodeAttribute(attr_name="prioritySetBy"))
    completed_on = nullable(UnicodeAttribute(attr_name="completedOn"))
    completed_by = nullable(UnicodeAttribute(attr_name="completedBy"))
    created_at = UnicodeAttribute(attr_name="createdAt")
    version = nullable(whole(VersionAttribute()))


class VisitItem(RecordItem, discriminator="visit"):
    """A visit to a child (sk `CASE#<n>#VISIT#<id>`): statutory (a draft note, then final: CSC-2), failed (CSC-3)
    or other."""

    visit_id = UnicodeAttribute(attr_name="visitId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    visit_type = UnicodeAttribute(attr_name="visitType")  # statutory | failed | other
    visit_date = UnicodeAttribute(attr_name="visitDate")
    note = UnicodeAttribute()
    status = UnicodeAttribute()  # draft | final
    comments = JSONAttribute(default=list)  # [{by, name, at, text}]
    recorded_by = UnicodeAttribute(attr_name="recordedBy")
    recorded_at = UnicodeAttribute(attr_name="recordedAt")
    finalised_by = nullable(UnicodeAttribute(attr_name="finalisedBy"))  # "sweep" when finalised automatically
    finalised_at = nullable(UnicodeAttribute(attr_name="finalisedAt"))
    version = nullable(whole(VersionAttribute()))


# ---------------------------------------------------------------- Records: justice throughcare (THR)


class CaseEventItem(RecordItem, discriminator="case-event"):
    """Something that happened on a case and starts a timescale (sk `CASE#<n>#EVENT#<id>`): a custody sentence
    with post-release supervision (THR-1), a significant event, a progression or a pre-release conference (THR-2)."""

    event_id = UnicodeAttribute(attr_name="eventId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = whole(NumberAttribute(attr_name="caseNumber"))
    urn = UnicodeAttribute()
    event_kind = UnicodeAttribute(attr_name="eventKind")
    event_date = UnicodeAttribute(attr_name="eventDate")
    details = UnicodeAttribute()
    # a custody sentence only: whether it carries statutory post-release supervision (THR-1 applies when it does)
    post_release_supervision = nullable(BooleanAttribute(attr_name="postReleaseSupervision"))
    recorded_by = UnicodeAttribute(attr_name="recordedBy")
    recorded_at = UnicodeAttribute(attr_name="recordedAt")
