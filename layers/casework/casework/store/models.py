"""PynamoDB models of the five tables. Keys and index names live here and nowhere else.

Index and key definitions must match `template.yaml` (a test compares them).
"""

from __future__ import annotations

from pynamodb.attributes import (
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


def _meta(table: str) -> type:
    return type("Meta", (), {"table_name": table, "region": settings.region})


# ---------------------------------------------------------------- Directory: services, groups, users


class DirectoryItem(Model):
    Meta = _meta(settings.directory_table)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class ServiceItem(DirectoryItem, discriminator="service"):
    service_id = UnicodeAttribute(attr_name="serviceId")
    name = UnicodeAttribute()
    nation = UnicodeAttribute()
    service_kind = UnicodeAttribute(attr_name="serviceKind")
    retention_years = NumberAttribute(attr_name="retentionYears")
    created_at = UnicodeAttribute(attr_name="createdAt")


class GroupItem(DirectoryItem, discriminator="group"):
    service_id = UnicodeAttribute(attr_name="serviceId")
    group_id = UnicodeAttribute(attr_name="groupId")
    name = UnicodeAttribute()
    rights = ListAttribute(of=NumberAttribute)
    built_in = BooleanAttribute(attr_name="builtIn", default=False)
    version = VersionAttribute()


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
    supervisor_id = UnicodeAttribute(attr_name="supervisorId", null=True)
    locked = BooleanAttribute(default=False)
    version = VersionAttribute()
    users_of = UnicodeAttribute(attr_name="usersOf")
    user_sort = UnicodeAttribute(attr_name="userSort")
    by_service = UsersByService()


class CounterItem(DirectoryItem, discriminator="counter"):
    value = NumberAttribute(default=0)


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
    size = NumberAttribute()
    status = UnicodeAttribute()  # pending | available | deleted
    upload_id = UnicodeAttribute(attr_name="uploadId")  # the current version (or the awaited first one)
    versions = NumberAttribute(default=0)  # how many versions have been confirmed
    uploaded_by = UnicodeAttribute(attr_name="uploadedBy")
    uploaded_at = UnicodeAttribute(attr_name="uploadedAt")
    pending_until = UnicodeAttribute(attr_name="pendingUntil", null=True)
    deleted_by = UnicodeAttribute(attr_name="deletedBy", null=True)
    deleted_at = UnicodeAttribute(attr_name="deletedAt", null=True)
    last_refusal = JSONAttribute(attr_name="lastRefusal", null=True)  # the latest upload S3 delivered but we refused
    expiration = NumberAttribute(null=True)  # TTL clean-up of never-confirmed documents only
    version = VersionAttribute()
    shelf = UnicodeAttribute(null=True)
    shelf_sort = UnicodeAttribute(attr_name="shelfSort", null=True)
    on_shelf = LibraryShelf()


class DocumentVersionItem(DirectoryItem, discriminator="document-version"):
    """One confirmed upload of a document; never changed, so every version stays retrievable (DOC-3)."""

    service_id = UnicodeAttribute(attr_name="serviceId")
    doc_id = UnicodeAttribute(attr_name="docId")
    upload_id = UnicodeAttribute(attr_name="uploadId")
    number = NumberAttribute()
    title = UnicodeAttribute()
    file_name = UnicodeAttribute(attr_name="fileName")
    content_type = UnicodeAttribute(attr_name="contentType")
    size = NumberAttribute()
    object_version = UnicodeAttribute(attr_name="objectVersion", null=True)
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
    size = NumberAttribute()
    requested_by = UnicodeAttribute(attr_name="requestedBy")
    requested_at = UnicodeAttribute(attr_name="requestedAt")
    expires_at = UnicodeAttribute(attr_name="expiresAt")
    status = UnicodeAttribute(default="pending")  # pending | rejected
    reason = UnicodeAttribute(null=True)
    expiration = NumberAttribute(null=True)


# ---------------------------------------------------------------- Records: a person and all their records


class RecordItem(Model):
    Meta = _meta(settings.records_table)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    service_id = UnicodeAttribute(attr_name="serviceId")


class PersonItem(RecordItem, discriminator="person"):
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    date_of_birth = UnicodeAttribute(attr_name="dateOfBirth")
    chs_number = UnicodeAttribute(attr_name="chsNumber", null=True)
    case_count = NumberAttribute(attr_name="caseCount", default=0)
    created_at = UnicodeAttribute(attr_name="createdAt")
    # Which generation of the person's records is current, and where it lives (`records_at` null: in this item's
    # partition). An import stages a new generation in a partition of its own and switches both in one
    # conditional write of this item.
    generation = NumberAttribute(default=0)
    records_at = UnicodeAttribute(attr_name="recordsAt", null=True)
    digest = UnicodeAttribute(null=True)  # the transfer file the current generation came from, if any
    version = VersionAttribute()
    # MAP-3: the person's MAPPA flag, kept with the discussions in the same transactions
    mappa_current = UnicodeAttribute(attr_name="mappaCurrent", null=True)  # the current discussion's id
    mappa_review_date = UnicodeAttribute(attr_name="mappaReviewDate", null=True)
    mappa_last_ended = UnicodeAttribute(attr_name="mappaLastEnded", null=True)  # struck through when none current


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
    case_number = NumberAttribute(attr_name="caseNumber")
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    case_type = UnicodeAttribute(attr_name="caseType")
    status = UnicodeAttribute()
    assigned_to = UnicodeAttribute(attr_name="assignedTo", null=True)
    assignment_task_id = UnicodeAttribute(attr_name="assignmentTaskId", null=True)
    risk_need_level = UnicodeAttribute(attr_name="riskNeedLevel", null=True)
    destruction_date = UnicodeAttribute(attr_name="destructionDate", null=True)
    multiple_cases = BooleanAttribute(attr_name="multipleCases", default=False)
    opened_at = UnicodeAttribute(attr_name="openedAt")
    closed_at = UnicodeAttribute(attr_name="closedAt", null=True)
    pending_closure = UnicodeAttribute(attr_name="pendingClosure", null=True)  # approval id of a closure request
    version = VersionAttribute()
    # Index keys, derived by records.refresh_index_keys; absent while an imported generation is only staged.
    service_status = UnicodeAttribute(attr_name="serviceStatus", null=True)
    holder = UnicodeAttribute(null=True)
    surname_key = UnicodeAttribute(attr_name="surnameKey", null=True)
    number_key = UnicodeAttribute(attr_name="numberKey", null=True)
    by_surname = CasesBySurname()
    by_number = CasesByNumber()
    holder_by_surname = HolderBySurname()
    holder_by_number = HolderByNumber()


class CaseRefItem(RecordItem, discriminator="case-ref"):
    """Where a case id lives: read first (strongly consistent) to find the person's partition."""

    urn = UnicodeAttribute()
    case_number = NumberAttribute(attr_name="caseNumber")
    partition = UnicodeAttribute(null=True)  # the case's partition when not the person's first generation


# ---------------------------------------------------------------- Records: MAPPA discussions and notifications


class MappaItem(RecordItem, discriminator="mappa"):
    """A MAPPA discussion (MAP-1), in its person's partition at `MAPPA#<id>`. `details` is confidential (MAP-2)."""

    discussion_id = UnicodeAttribute(attr_name="discussionId")
    urn = UnicodeAttribute()
    date_of_discussion = UnicodeAttribute(attr_name="dateOfDiscussion")
    review_date = UnicodeAttribute(attr_name="reviewDate", null=True)
    date_ended = UnicodeAttribute(attr_name="dateEnded", null=True)
    level = NumberAttribute()
    category = NumberAttribute()
    details = UnicodeAttribute()
    recorded_by = UnicodeAttribute(attr_name="recordedBy")
    recorded_at = UnicodeAttribute(attr_name="recordedAt")
    updated_by = UnicodeAttribute(attr_name="updatedBy", null=True)
    updated_at = UnicodeAttribute(attr_name="updatedAt", null=True)
    version = VersionAttribute()


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
    recipients = MapAttribute()  # type: ignore[var-annotated]


class MappaRefItem(RecordItem, discriminator="mappa-ref"):
    """Where a discussion (`MAPPA#<id>`) or a notification (`MAPPA-NOTE#<id>`) lives; derivable from them."""

    urn = UnicodeAttribute()
    discussion_id = UnicodeAttribute(attr_name="discussionId")
    partition = UnicodeAttribute(null=True)  # the record's partition when not the person's first generation


# ---------------------------------------------------------------- Work: worktray tasks


class OpenTasks(GlobalSecondaryIndex["TaskItem"]):
    """Sparse: only tasks not yet completed, by due date."""

    class Meta:
        index_name = "OpenTasks"
        projection = AllProjection()

    open_for = UnicodeAttribute(attr_name="openFor", hash_key=True)
    open_sort = UnicodeAttribute(attr_name="openSort", range_key=True)


class TaskItem(Model):
    Meta = _meta(settings.work_table)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    task_id = UnicodeAttribute(attr_name="taskId")
    user_id = UnicodeAttribute(attr_name="userId")
    service_id = UnicodeAttribute(attr_name="serviceId")
    task_kind = UnicodeAttribute(attr_name="taskKind")
    subject = UnicodeAttribute()
    case_id = UnicodeAttribute(attr_name="caseId", null=True)
    due_date = UnicodeAttribute(attr_name="dueDate", null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    completed_at = UnicodeAttribute(attr_name="completedAt", null=True)
    open_for = UnicodeAttribute(attr_name="openFor", null=True)
    open_sort = UnicodeAttribute(attr_name="openSort", null=True)
    open_tasks = OpenTasks()
    link = UnicodeAttribute(null=True)  # the API path of the record the task is about
    emailed_at = UnicodeAttribute(attr_name="emailedAt", null=True)


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

    Meta = _meta(settings.work_table)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    notification_id = UnicodeAttribute(attr_name="notificationId")
    discussion_id = UnicodeAttribute(attr_name="discussionId")
    service_id = UnicodeAttribute(attr_name="serviceId")
    urn = UnicodeAttribute()
    person = UnicodeAttribute()
    due_date = UnicodeAttribute(attr_name="dueDate", null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    pending = UnicodeSetAttribute(null=True)  # recipients whose message is not yet on the queue
    retry_queue = UnicodeAttribute(attr_name="retryQueue", null=True)
    retry_at = UnicodeAttribute(attr_name="retryAt", null=True)
    pending_deliveries = PendingDeliveries()


# ---------------------------------------------------------------- Audit: append-only trail


class AuditItem(Model):
    Meta = _meta(settings.audit_table)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    service_id = UnicodeAttribute(attr_name="serviceId")
    entity = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_id = UnicodeAttribute(attr_name="actorId")
    at = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    reason = UnicodeAttribute(null=True)


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
    name = UnicodeAttribute(null=True)
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
    Meta = _meta(settings.jobs_table)
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
    case_number = NumberAttribute(attr_name="caseNumber")
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    destination = JSONAttribute()  # the destination as it was when exported
    deliver = UnicodeAttribute()
    object_key = UnicodeAttribute(attr_name="objectKey")
    records = NumberAttribute()
    size = NumberAttribute()
    digest = UnicodeAttribute()
    emailed_to = UnicodeAttribute(attr_name="emailedTo", null=True)
    holds_mappa = BooleanAttribute(attr_name="holdsMappa", default=False)  # the file carries MAPPA details
    exported_at = UnicodeAttribute(attr_name="exportedAt")
    exported_by = UnicodeAttribute(attr_name="exportedBy")


class ImportItem(JobItem, discriminator="import"):
    """An import from an upload or an e-mail, from awaiting its file to imported (or rejected, quarantined...)."""

    import_id = UnicodeAttribute(attr_name="importId")
    status = UnicodeAttribute()
    source = UnicodeAttribute()  # upload | email
    file_name = UnicodeAttribute(attr_name="fileName", null=True)
    size = NumberAttribute(null=True)
    object_key = UnicodeAttribute(attr_name="objectKey", null=True)
    reopen_latest_case = BooleanAttribute(attr_name="reopenLatestCase", default=False)
    reasons = ListAttribute(of=UnicodeAttribute, default=list)
    digest = UnicodeAttribute(null=True)
    urn = UnicodeAttribute(null=True)
    forename = UnicodeAttribute(null=True)
    surname = UnicodeAttribute(null=True)
    existing = JSONAttribute(null=True)
    # once importing: the generation replaced (null: a new person) and the one written, the first case number
    # reserved for the file's cases, and how far the all-or-nothing replace has got
    replaces = NumberAttribute(null=True)
    replaces_at = UnicodeAttribute(attr_name="replacesAt", null=True)
    generation = NumberAttribute(null=True)
    first_number = NumberAttribute(attr_name="firstNumber", null=True)
    phase = UnicodeAttribute(null=True)  # staging | switched | done
    done = NumberAttribute(default=0)
    total = NumberAttribute(default=0)
    case_ids = ListAttribute(attr_name="caseIds", of=UnicodeAttribute, default=list)
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    message_key = UnicodeAttribute(attr_name="messageKey", null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    expiration = NumberAttribute(null=True)
    version = VersionAttribute()


# ---------------------------------------------------------------- Records: LS/CMI assessments, plans, approvals


class AssessmentItem(RecordItem, discriminator="assessment"):
    """An initial or full LS/CMI assessment of a case (sk `CASE#<n>#ASMT#<id>`), its sections as a map."""

    assessment_id = UnicodeAttribute(attr_name="assessmentId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = NumberAttribute(attr_name="caseNumber")
    assessment_kind = UnicodeAttribute(attr_name="assessmentKind")  # initial | full
    reassessment_of = UnicodeAttribute(attr_name="reassessmentOf", null=True)
    status = UnicodeAttribute()  # in-progress | locked
    sections = JSONAttribute(default=dict)  # section id -> {scores?, answers, text, ..., savedAt, savedBy}
    override = JSONAttribute(null=True)  # {kind, originalLevel, requestedLevel, rationale, status, approvalId}
    created_by = UnicodeAttribute(attr_name="createdBy")
    created_at = UnicodeAttribute(attr_name="createdAt")
    locked_by = UnicodeAttribute(attr_name="lockedBy", null=True)
    locked_at = UnicodeAttribute(attr_name="lockedAt", null=True)
    version = VersionAttribute()


class PlanItem(RecordItem, discriminator="plan"):
    """A management plan (sections 9-11) of a case (sk `CASE#<n>#PLAN#<id>`): case or risk management plan."""

    plan_id = UnicodeAttribute(attr_name="planId")
    case_id = UnicodeAttribute(attr_name="caseId")
    case_number = NumberAttribute(attr_name="caseNumber")
    assessment_id = UnicodeAttribute(attr_name="assessmentId")
    plan_type = UnicodeAttribute(attr_name="planType")  # cmp | rmp
    sections = JSONAttribute(default=dict)
    created_by = UnicodeAttribute(attr_name="createdBy")
    created_at = UnicodeAttribute(attr_name="createdAt")
    version = VersionAttribute()


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
    case_number = NumberAttribute(attr_name="caseNumber")
    urn = UnicodeAttribute()
    forename = UnicodeAttribute()
    surname = UnicodeAttribute()
    assessment_id = UnicodeAttribute(attr_name="assessmentId", null=True)
    original_level = UnicodeAttribute(attr_name="originalLevel", null=True)
    requested_level = UnicodeAttribute(attr_name="requestedLevel", null=True)
    override_kind = UnicodeAttribute(attr_name="overrideKind", null=True)  # clinical (6.2) | administrative (6.3)
    rationale = UnicodeAttribute()
    proposed_destruction_date = UnicodeAttribute(attr_name="proposedDestructionDate", null=True)
    worker_id = UnicodeAttribute(attr_name="workerId")
    worker_name = UnicodeAttribute(attr_name="workerName")
    requested_by = UnicodeAttribute(attr_name="requestedBy")
    requested_at = UnicodeAttribute(attr_name="requestedAt")
    status = UnicodeAttribute()  # pending | approved | not-approved | withdrawn
    decided_by = UnicodeAttribute(attr_name="decidedBy", null=True)
    decided_at = UnicodeAttribute(attr_name="decidedAt", null=True)
    comment = UnicodeAttribute(null=True)
    destruction_date = UnicodeAttribute(attr_name="destructionDate", null=True)
    version = VersionAttribute()
    pending_in = UnicodeAttribute(attr_name="pendingIn", null=True)
    pending_sort = UnicodeAttribute(attr_name="pendingSort", null=True)
    pending = PendingApprovals()


class ApprovalRefItem(RecordItem, discriminator="approval-ref"):
    """Where an approval id lives (pk `APPROVAL#<id>`, sk `REF`); derivable from the approval item."""

    urn = UnicodeAttribute()
    case_number = NumberAttribute(attr_name="caseNumber")
    partition = UnicodeAttribute(null=True)  # the request's partition when not the person's first generation
