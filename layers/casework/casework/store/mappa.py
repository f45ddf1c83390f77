"""MAPPA access patterns: discussions and notifications in the person's partition, found by id through refs."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from casework.store.models import MappaItem, MappaNotificationItem, MappaRefItem, PersonItem, RecordItem


def _discussion_sk(discussion_id: str) -> str:
    return f"MAPPA#{discussion_id}"


def _notification_sk(discussion_id: str, notification_id: str) -> str:
    return f"MAPPA#{discussion_id}#NOTE#{notification_id}"


def new_discussion(person: PersonItem, discussion_id: str, *, date_of_discussion: str, review_date: str | None,
                   date_ended: str | None, level: int, category: int, details: str, recorded_by: str,
                   recorded_at: str) -> MappaItem:
    return MappaItem(
        person.pk, _discussion_sk(discussion_id), service_id=person.service_id, discussion_id=discussion_id,
        urn=person.urn, date_of_discussion=date_of_discussion, review_date=review_date, date_ended=date_ended,
        level=level, category=category, details=details, recorded_by=recorded_by, recorded_at=recorded_at,
    )


def discussion_ref(discussion: MappaItem) -> MappaRefItem:
    return MappaRefItem(f"MAPPA#{discussion.discussion_id}", "REF", service_id=discussion.service_id,
                        urn=discussion.urn, discussion_id=discussion.discussion_id)


def new_notification(discussion: MappaItem, notification_id: str, *, date_notified: str, send_alert: bool,
                     recipients: dict[str, str], sent_by: str, sent_at: str) -> MappaNotificationItem:
    """`recipients`: user id -> display name, as the sender saw them."""
    return MappaNotificationItem(
        discussion.pk, _notification_sk(discussion.discussion_id, notification_id), service_id=discussion.service_id,
        notification_id=notification_id, discussion_id=discussion.discussion_id, urn=discussion.urn,
        date_notified=date_notified, send_alert=send_alert, sent_by=sent_by, sent_at=sent_at,
        recipients={user_id: {"name": name} for user_id, name in recipients.items()},
    )


def notification_ref(note: MappaNotificationItem) -> MappaRefItem:
    return MappaRefItem(f"MAPPA-NOTE#{note.notification_id}", "REF", service_id=note.service_id, urn=note.urn,
                        discussion_id=note.discussion_id)


def _ref(pk: str) -> MappaRefItem | None:
    try:
        return MappaRefItem.get(pk, "REF", consistent_read=True)
    except DoesNotExist:
        return None


def _person_pk(service_id: str, urn: str) -> str:
    return f"{service_id}#PERSON#{urn}"


def find_discussion(discussion_id: str) -> MappaItem | None:
    ref = _ref(f"MAPPA#{discussion_id}")
    if ref is None:
        return None
    try:
        return MappaItem.get(_person_pk(ref.service_id, ref.urn), _discussion_sk(discussion_id), consistent_read=True)
    except DoesNotExist:
        return None


def find_notification(notification_id: str) -> MappaNotificationItem | None:
    ref = _ref(f"MAPPA-NOTE#{notification_id}")
    if ref is None:
        return None
    try:
        return MappaNotificationItem.get(_person_pk(ref.service_id, ref.urn),
                                         _notification_sk(ref.discussion_id, notification_id), consistent_read=True)
    except DoesNotExist:
        return None


def person_with_mappa(service_id: str, urn: str) -> tuple[PersonItem | None, list[MappaItem],
                                                         list[MappaNotificationItem]]:
    """The person, their discussions and notifications: one Query (`MAPPA#...` sorts just before `PERSON`)."""
    person: PersonItem | None = None
    discussions: list[MappaItem] = []
    notes: list[MappaNotificationItem] = []
    for item in RecordItem.query(_person_pk(service_id, urn), RecordItem.sk.between("MAPPA#", "PERSON"),
                                 consistent_read=True):
        if isinstance(item, PersonItem):
            person = item
        elif isinstance(item, MappaItem):
            discussions.append(item)
        elif isinstance(item, MappaNotificationItem):
            notes.append(item)
    return person, discussions, notes


def notifications_of(discussion: MappaItem) -> list[MappaNotificationItem]:
    return list(MappaNotificationItem.query(
        discussion.pk, MappaNotificationItem.sk.startswith(f"MAPPA#{discussion.discussion_id}#NOTE#"),
        consistent_read=True))


def person_key(discussion: MappaItem) -> PersonItem:
    return PersonItem(discussion.pk, "PERSON")


# ---------------------------------------------------------------- the person's flag (MAP-3, MAP-4)


def flag_current(discussion: MappaItem) -> list[Action]:
    return [PersonItem.mappa_current.set(discussion.discussion_id),
            PersonItem.mappa_review_date.set(discussion.review_date)]


def flag_ended(discussion: MappaItem) -> list[Action]:
    return [PersonItem.mappa_current.remove(), PersonItem.mappa_review_date.remove(),
            PersonItem.mappa_last_ended.set(discussion.discussion_id)]


def no_current_discussion() -> Condition:
    return PersonItem.mappa_current.does_not_exist()


def current_is(discussion_id: str) -> Condition:
    return PersonItem.mappa_current == discussion_id


def flag_unchanged(person: PersonItem) -> Condition:
    """The person's flag is still what was read (so MAP-4's 'at most one current' holds under races)."""
    if person.mappa_current:
        return current_is(person.mappa_current)
    return no_current_discussion()


# ---------------------------------------------------------------- acknowledgement (MAP-6)


def acknowledgement(user_id: str, at: str) -> tuple[list[Action], Condition]:
    """The recipient's tick; the first acknowledgement time is kept. Only a recipient can be acknowledged."""
    path = MappaNotificationItem.recipients[user_id]
    at_path: Any = path["acknowledgedAt"]
    return [at_path.set(at_path | at)], path.exists()
