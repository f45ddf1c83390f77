"""MAPPA access patterns: discussions and notifications in the person's partition, found by id through refs."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from casework.store import records
from casework.store.models import MappaItem, MappaNotificationItem, MappaRefItem, PersonItem, RecordItem
from casework.store.tx import Changes


def _discussion_sk(discussion_id: str) -> str:
    return f"MAPPA#{discussion_id}"


def _notification_sk(discussion_id: str, notification_id: str) -> str:
    return f"MAPPA#{discussion_id}#NOTE#{notification_id}"


def new_discussion(person: PersonItem, discussion_id: str, *, date_of_discussion: str, review_date: str | None,
                   date_ended: str | None, level: int, category: int, details: str, recorded_by: str,
                   recorded_at: str) -> MappaItem:
    return MappaItem(
        records.partition(person), _discussion_sk(discussion_id), service_id=person.service_id,
        discussion_id=discussion_id, urn=person.urn, date_of_discussion=date_of_discussion, review_date=review_date,
        date_ended=date_ended, level=level, category=category, details=details, recorded_by=recorded_by,
        recorded_at=recorded_at,
    )


def discussion_ref(discussion: MappaItem) -> MappaRefItem:
    return MappaRefItem(f"MAPPA#{discussion.discussion_id}", "REF", service_id=discussion.service_id,
                        urn=discussion.urn, discussion_id=discussion.discussion_id,
                        partition=records.located_at(discussion))


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
                        discussion_id=note.discussion_id, partition=records.located_at(note))


def _ref(pk: str) -> MappaRefItem | None:
    try:
        return MappaRefItem.get(pk, "REF", consistent_read=True)
    except DoesNotExist:
        return None


def find_discussion(discussion_id: str) -> MappaItem | None:
    """A discussion of the person's current generation, through its reference."""
    ref = _ref(f"MAPPA#{discussion_id}")
    if ref is None:
        return None
    found = records.current(ref.service_id, ref.urn, ref.partition, _discussion_sk(discussion_id))
    return found if isinstance(found, MappaItem) else None


def find_notification(notification_id: str) -> MappaNotificationItem | None:
    ref = _ref(f"MAPPA-NOTE#{notification_id}")
    if ref is None:
        return None
    found = records.current(ref.service_id, ref.urn, ref.partition,
                            _notification_sk(ref.discussion_id, notification_id))
    return found if isinstance(found, MappaNotificationItem) else None


def person_with_mappa(service_id: str, urn: str) -> tuple[PersonItem | None, list[MappaItem],
                                                         list[MappaNotificationItem]]:
    """The person, their discussions and notifications: one Query (`MAPPA#...` sorts just before `PERSON`), two
    once an import has put the person's records in a partition of their own."""
    person: PersonItem | None = None
    found: list[RecordItem] = []
    for item in RecordItem.query(records.base_pk(service_id, urn), RecordItem.sk.between("MAPPA#", "PERSON"),
                                 consistent_read=True):
        if isinstance(item, PersonItem):
            person = item
        else:
            found.append(item)
    if person is not None and person.records_at:
        found = list(RecordItem.query(records.partition(person), RecordItem.sk.startswith("MAPPA#"),
                                      consistent_read=True))
    discussions = [i for i in found if isinstance(i, MappaItem)]
    notes = [i for i in found if isinstance(i, MappaNotificationItem)]
    return person, discussions, notes


def notifications_of(discussion: MappaItem) -> list[MappaNotificationItem]:
    return list(MappaNotificationItem.query(
        discussion.pk, MappaNotificationItem.sk.startswith(f"MAPPA#{discussion.discussion_id}#NOTE#"),
        consistent_read=True))


# ---------------------------------------------------------------- the person's flag (MAP-3, MAP-4)


Flag = list[Action]  # the update of a person's MAPPA flag: made here, written by `set_flag`


def flag_current(discussion: MappaItem) -> Flag:
    return [PersonItem.mappa_current.set(discussion.discussion_id),
            PersonItem.mappa_review_date.set(discussion.review_date)]


def flag_ended(discussion: MappaItem) -> Flag:
    return [PersonItem.mappa_current.remove(), PersonItem.mappa_review_date.remove(),
            PersonItem.mappa_last_ended.set(discussion.discussion_id)]


def flag_kept() -> Flag:
    """The flag as it is (the person's version still moves on)."""
    return []


def set_flag(changes: Changes, person: PersonItem, flag: Flag) -> None:
    """Update the person item with their flag, conditional on the version read."""
    changes.update(person, flag)


# ---------------------------------------------------------------- acknowledgement (MAP-6)


def acknowledge(changes: Changes, note: MappaNotificationItem, user_id: str, at: str) -> None:
    """The recipient's tick; the first acknowledgement time is kept. Only a recipient can be acknowledged. Not a
    change of the notification as a whole, so no version condition."""
    path = MappaNotificationItem.recipients[user_id]
    at_path: Any = path["acknowledgedAt"]
    changes.update(note, [at_path.set(at_path | at)], path.exists(), versioned=False)
