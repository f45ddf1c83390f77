"""The append-only audit trail: entries are created with the change they record, never edited."""

from __future__ import annotations

from typing import Any

from casework import clock, ids
from casework.store.models import AuditItem
from casework.store.paging import Page, query_page


def case_entity(case_id: str) -> str:
    return f"CASE#{case_id}"


def person_entity(service_id: str, urn: str) -> str:
    return f"PERSON#{service_id}#{urn}"


def user_entity(user_id: str) -> str:
    return f"USER#{user_id}"


def service_entity(service_id: str) -> str:
    return f"SERVICE#{service_id}"


def document_entity(doc_id: str) -> str:
    return f"DOC#{doc_id}"


def import_entity(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def entry(
    entity: str,
    *,
    service_id: str,
    action: str,
    actor_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditItem:
    at = clock.stamp()
    return AuditItem(
        pk=entity,
        sk=f"{at}#{ids.ulid()}",
        service_id=service_id,
        entity=entity,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=after,
        reason=reason,
    )


def trail(entity: str, limit: int, token: str | None) -> Page[AuditItem]:
    """Oldest first, as a trail is read."""
    return query_page(AuditItem, entity, "pk", limit, token)
