"""MAPPA discussions and professional notifications (MAP-1..6): record, amend, end, notify, acknowledge.

The brief details are strictly confidential (MAP-2): they are returned only to callers with right 100 and
are never written to the audit trail, a worktray subject, a queue message, an e-mail or a log line.

A current discussion's review date is a deadline (MAP-3, CMP-1), beside the discussion: approaching, it alerts the
lead who recorded the discussion; passed, that lead and the person's workers. It is written, restaged and met in the
transaction of the change that sets, moves or ends the review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from casework import calendar, clock, ids, notifications, views
from casework.access import Caller, Right, require, visible
from casework.compliance import deadlines, rules
from casework.errors import Conflict, Invalid, NotFound, WriteConflict
from casework.observability import count
from casework.schemas.mappa import MappaIn, MappaListOut, MappaOut, MappaPatch, NotificationIn, NotificationOut
from casework.store import audit, records
from casework.store import deadlines as deadline_store
from casework.store import directory as directory_store
from casework.store import mappa as store
from casework.store.models import AuditItem, DeadlineItem, MappaItem, MappaNotificationItem, PersonItem, UserItem
from casework.store.tx import Changes
from casework.versions import check_if_match

ACKNOWLEDGE_WITHIN_WORKING_DAYS = 5
REVIEW = "MAP-3"
T = TypeVar("T", MappaItem, MappaNotificationItem)


# ---------------------------------------------------------------- discussions (MAP-1..4)


def _check_dates(discussed: date, review: date | None, ended: date | None) -> None:
    """MAP-1: a review date (the next meeting) or a date ended, exactly one, in order."""
    if review is not None and ended is not None:
        raise Invalid("reviewDate", "give either a review date or a date ended, not both")
    if review is None and ended is None:
        raise Invalid("reviewDate", "give a review date (the next meeting) or a date ended")
    if discussed > clock.today():
        raise Invalid("dateOfDiscussion", "must not be in the future")
    if review is not None and review <= discussed:
        raise Invalid("reviewDate", "must be after the date of discussion")
    if ended is not None and ended < discussed:
        raise Invalid("dateEnded", "must not be before the date of discussion")


def _snapshot(discussion: MappaItem) -> dict[str, object]:
    """What the audit trail keeps of a discussion: never the details (MAP-2)."""
    return {"discussionId": discussion.discussion_id, "dateOfDiscussion": discussion.date_of_discussion,
            "reviewDate": discussion.review_date, "dateEnded": discussion.date_ended,
            "level": int(discussion.level), "category": int(discussion.category)}


def _entry(caller: Caller, person: PersonItem, action: str, *, before: dict[str, object] | None = None,
           after: dict[str, object] | None = None) -> AuditItem:
    return audit.entry(audit.person_entity(person.service_id, person.urn), service_id=person.service_id,
                       action=action, actor_id=caller.user_id, before=before, after=after)


def _person(caller: Caller, urn: str) -> PersonItem:
    person = records.person(caller.service_id, urn.upper())
    if person is None:
        raise NotFound("No person with that URN.")
    return person


def _commit(changes: Changes, current: Callable[[], object] | None = None) -> None:
    try:
        changes.commit()
    except WriteConflict:
        detail = "The person's MAPPA record changed meanwhile; read it again and retry."
        raise (Conflict(detail) if current is None else Conflict(detail, current=current())) from None


def _hold(changes: Changes, person: PersonItem, flag: store.Flag) -> None:
    """A change of the person's discussions updates the person item (its flag, MAP-3) conditional on the version
    read. The flag and MAP-4's "at most one current discussion" are decided from what was read, so of two changes at
    once only one commits; and a deletion of the person or an import replacing them, both conditional on the
    person's version too, can't miss or lose a discussion written meanwhile."""
    store.set_flag(changes, person, flag)


def _listing(caller: Caller, urn: str) -> object:
    """The person's discussions as a 409 answer carries them (as `GET /people/{urn}/mappa` shows them)."""
    try:
        return discussions(caller, urn).model_dump(mode="json", by_alias=True)
    except NotFound:
        return None


def record(caller: Caller, urn: str, body: MappaIn) -> MappaOut:
    """MAP-1 a new discussion; MAP-4 with `endCurrent` the current one is ended the day before it."""
    require(caller, Right.MAPPA_RECORD)
    person = _person(caller, urn)
    _check_dates(body.date_of_discussion, body.review_date, body.date_ended)
    moment = clock.now()
    now = clock.iso(moment)
    discussion_id = ids.ulid()
    changes = Changes()
    if person.mappa_current:
        previous = store.find_discussion(person.mappa_current)
        if previous is not None:
            if not body.end_current:
                raise Conflict("The person has a current MAPPA discussion: end it, or send endCurrent to end it "
                               "the day before this one (MAP-4).", current=person.mappa_current)
            day_before = body.date_of_discussion - timedelta(days=1)
            if day_before.isoformat() < previous.date_of_discussion:
                raise Invalid("dateOfDiscussion", "must be after the current discussion's date "
                                                  f"({previous.date_of_discussion})")
            before = _snapshot(previous)
            previous.date_ended, previous.review_date = day_before.isoformat(), None
            previous.updated_by, previous.updated_at = caller.user_id, now
            changes.save(previous)
            _review_met(changes, previous, by=caller.user_id, how=f"subsequent discussion {discussion_id}", at=now)
            changes.create(_entry(caller, person, "mappa.ended", before=before, after=_snapshot(previous)))

    discussion = store.new_discussion(
        person, discussion_id, date_of_discussion=body.date_of_discussion.isoformat(),
        review_date=body.review_date.isoformat() if body.review_date else None,
        date_ended=body.date_ended.isoformat() if body.date_ended else None,
        level=body.level, category=body.category, details=body.details, recorded_by=caller.user_id, recorded_at=now,
    )
    changes.create(discussion)
    changes.create(store.discussion_ref(discussion))
    if discussion.date_ended is None:
        flag = store.flag_current(discussion)
        _review_planned(changes, discussion, person, nation=caller.nation, now=moment)
    else:  # a current one ended just now ends before this one; with none current this may be an older one
        flag = store.flag_ended(discussion if person.mappa_current else _last_ended(person, discussion))
    _hold(changes, person, flag)
    changes.create(_entry(caller, person, "mappa.recorded", after=_snapshot(discussion)))
    _commit(changes, lambda: _listing(caller, urn))
    count("MappaRecorded")
    return views.mappa_out(caller, discussion, person, [])


def _seen(caller: Caller, found: T | None, what: str) -> T:
    """Missing and another service's alike are not found (never forbidden)."""
    if found is None:
        raise NotFound(f"No {what} with that id.")
    visible(caller, found.service_id, what)
    return found


def _load(caller: Caller, discussion_id: str) -> MappaItem:
    require(caller, Right.CASE_READ)
    return _seen(caller, store.find_discussion(discussion_id) if ids.is_ulid(discussion_id) else None,
                 "MAPPA discussion")


def discussions(caller: Caller, urn: str) -> MappaListOut:
    """MAP-2/3: everyone with case-read sees that discussions exist and the flag; details need right 100."""
    require(caller, Right.CASE_READ)
    person, found, notes = store.person_with_mappa(caller.service_id, urn.upper())
    if person is None:
        raise NotFound("No person with that URN.")
    by_discussion: dict[str, list[MappaNotificationItem]] = {}
    for note in notes:
        by_discussion.setdefault(note.discussion_id, []).append(note)
    items = [views.mappa_out(caller, d, person, by_discussion.get(d.discussion_id, []))
             for d in sorted(found, key=lambda d: (d.date_of_discussion, d.discussion_id), reverse=True)]
    return MappaListOut(urn=person.urn, mappa=views.mappa_flag(person), items=items)


def discussion(caller: Caller, discussion_id: str) -> MappaOut:
    found = _load(caller, discussion_id)
    person = records.person(found.service_id, found.urn)
    assert person is not None  # a discussion lives in its person's partition
    return views.mappa_out(caller, found, person, store.notifications_of(found))


def amend(caller: Caller, discussion_id: str, body: MappaPatch, if_match: int | None) -> MappaOut:
    """Update a discussion; setting a date ended strikes the flag through (MAP-3), clearing it needs no other
    current discussion (MAP-4)."""
    require(caller, Right.MAPPA_RECORD)
    found = _load(caller, discussion_id)
    check_if_match(if_match, found, "discussion", lambda: _state(caller, found))
    sent = body.model_fields_set
    discussed = body.date_of_discussion if "date_of_discussion" in sent else date.fromisoformat(
        found.date_of_discussion)
    review = body.review_date if "review_date" in sent else _day(found.review_date)
    ended = body.date_ended if "date_ended" in sent else _day(found.date_ended)
    if "review_date" in sent and body.review_date is not None and "date_ended" not in sent:
        ended = None  # a new review date re-plans the discussion
    if "date_ended" in sent and body.date_ended is not None and "review_date" not in sent:
        review = None  # ending it replaces the planned review
    if discussed is None:
        raise Invalid("dateOfDiscussion", "is required")
    _check_dates(discussed, review, ended)
    for name in ("level", "category", "details"):
        if name in sent and getattr(body, name) is None:
            raise Invalid(name, "cannot be cleared")

    person = _person(caller, found.urn)
    was_current = found.date_ended is None
    before = _snapshot(found)
    details_changed = body.details is not None and body.details != found.details
    found.date_of_discussion = discussed.isoformat()
    found.review_date = review.isoformat() if review else None
    found.date_ended = ended.isoformat() if ended else None
    found.level = body.level if body.level is not None else found.level
    found.category = body.category if body.category is not None else found.category
    found.details = body.details if body.details is not None else found.details
    if _snapshot(found) == before and not details_changed:
        return views.mappa_out(caller, found, person, store.notifications_of(found))
    now_current = found.date_ended is None
    if now_current and not was_current and person.mappa_current not in (None, found.discussion_id):
        raise Conflict("Another MAPPA discussion is current for this person (MAP-4).", current=person.mappa_current)
    moment = clock.now()
    found.updated_by, found.updated_at = caller.user_id, clock.iso(moment)

    changes = Changes()
    changes.save(found)
    if now_current and (not was_current or found.review_date != before["reviewDate"]):
        _review_planned(changes, found, person, nation=caller.nation, now=moment)
    elif was_current and not now_current:
        _review_met(changes, found, by=caller.user_id, how=f"discussion ended {found.date_ended}",
                    at=clock.iso(moment))
    if now_current:
        flag = store.flag_current(found)
    elif was_current:
        flag = store.flag_ended(found)
    elif person.mappa_current is None:
        flag = store.flag_ended(_last_ended(person, found))
    else:  # an older, ended discussion amended while another is current: the flag stays
        flag = store.flag_kept()
    _hold(changes, person, flag)
    action = "mappa.ended" if was_current and not now_current else "mappa.updated"
    changes.create(_entry(caller, person, action, before=before,
                          after={**_snapshot(found), "detailsChanged": details_changed}))
    _commit(changes, lambda: _discussion_now(caller, discussion_id))
    count("MappaUpdated")
    return views.mappa_out(caller, found, person, store.notifications_of(found))


def _state(caller: Caller, found: MappaItem) -> dict[str, object]:
    """A discussion as a 409 answer carries it: as `GET /mappa/{id}` shows it to the caller (details only with
    the confidential right, MAP-2)."""
    person = records.person(found.service_id, found.urn)
    assert person is not None  # a discussion lives in its person's partition
    return views.mappa_out(caller, found, person, store.notifications_of(found)).model_dump(mode="json",
                                                                                         by_alias=True)


def _discussion_now(caller: Caller, discussion_id: str) -> dict[str, object] | None:
    """The discussion as it is now, for the 409 of a race lost at the write: None once deleted."""
    try:
        return _state(caller, _load(caller, discussion_id))
    except NotFound:
        return None


def _last_ended(person: PersonItem, changed: MappaItem) -> MappaItem:
    """MAP-3 with no current discussion: the flag is struck through on the one that ended last (as an import sets
    it), so recording or amending an older ended discussion leaves it where it is."""
    _, found, _ = store.person_with_mappa(person.service_id, person.urn)
    ended = [d for d in found if d.date_ended and d.discussion_id != changed.discussion_id] + [changed]
    return max(ended, key=lambda d: (d.date_ended or "", d.discussion_id))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# ---------------------------------------------------------------- the review date as a deadline (MAP-3, CMP-1)


def _review_id(discussion: MappaItem) -> str:
    return f"map3-{discussion.discussion_id}"


def _review_of(discussion: MappaItem) -> DeadlineItem | None:
    if discussion.version is None:  # a discussion recorded just now has none yet
        return None
    return next((d for d in deadline_store.of_discussion(discussion) if d.deadline_id == _review_id(discussion)),
                None)


def _workers(person: PersonItem) -> list[str]:
    """The assigned workers of the person's open cases, as they are when the deadline is written."""
    _, held = records.person_with_cases(person.service_id, person.urn)
    return sorted({c.assigned_to for c in held if c.status == "open" and c.assigned_to})


def _review_stages(discussion: MappaItem, person: PersonItem, *, nation: str, now: datetime) -> list[rules.Stage]:
    """Approaching: the lead who recorded the discussion (the deadline's owner). Passed, at the end of the review
    day: that lead and the person's workers. The passed stage is named by its date, so a review put off to a new
    date that passes in turn is told again (the approaching alert is told once; its open task takes the new date)."""
    assert discussion.review_date is not None
    settings = deadlines.service_settings(discussion.service_id)
    due = date.fromisoformat(discussion.review_date)
    steps = rules.Ladder(approaching=settings.approaching.get(REVIEW), escalate_after=settings.escalate_after,
                         levels=1, passed_to=(rules.user(discussion.recorded_by),
                                              *(rules.user(w) for w in _workers(person))))
    return [replace(s, name=f"passed-{due}") if s.name == "passed" else s
            for s in rules.ladder(due, nation=nation, steps=steps, now=now)]


def _review_planned(changes: Changes, discussion: MappaItem, person: PersonItem, *, nation: str,
                    now: datetime) -> None:
    """MAP-3: start the review's deadline, or restage it for a new review date (reopening one met when the
    discussion ended, if it is current again). Its subject names the person, never the details (MAP-2)."""
    assert discussion.review_date is not None
    stages = _review_stages(discussion, person, nation=nation, now=now)
    found = _review_of(discussion)
    if found is None:
        deadlines.start(changes, deadline_store.for_discussion(
            discussion, _review_id(discussion), rule=REVIEW, deadline_kind="mappa-review",
            subject=f"MAPPA review of {person.forename} {person.surname} ({person.urn})",
            link=f"/mappa/{discussion.discussion_id}", owner_id=discussion.recorded_by, nation=nation,
            start_date=discussion.date_of_discussion, due_date=discussion.review_date), stages, now=now)
        return
    if found.status not in deadline_store.OPEN:
        found.status, found.met_at, found.met_by, found.met_how = "open", None, None, None
    found.start_date = discussion.date_of_discussion
    deadlines.restage(changes, found, stages, now=now, due_date=discussion.review_date)


def _review_met(changes: Changes, discussion: MappaItem, *, by: str, how: str, at: str) -> None:
    """MAP-3/MAP-4: the discussion ended (or a subsequent one ended it): its review is no longer awaited."""
    found = _review_of(discussion)
    if found is not None and found.status in deadline_store.OPEN:
        deadlines.meet(changes, found, by=by, how=how, at=at)


# ---------------------------------------------------------------- professional notifications (MAP-5, MAP-6)


def _check_recipients(caller: Caller, wanted: list[str]) -> dict[str, UserItem]:
    """From the service's address book: never another service's user, a locked one, or one who cannot read."""
    people = directory_store.users(set(wanted))
    groups: dict[str, bool] = {}
    for user_id in wanted:
        user = people.get(user_id)
        if user is None or user.service_id != caller.service_id:
            raise Invalid("recipients", f"no user {user_id} in your service")
        if user.locked:
            raise Invalid("recipients", f"user {user_id} is locked")
        if user.group_id not in groups:
            group = directory_store.group(user.service_id, user.group_id)
            groups[user.group_id] = group is not None and int(Right.CASE_READ) in {int(r) for r in group.rights}
        if not groups[user.group_id]:
            raise Invalid("recipients", f"user {user_id} lacks right {int(Right.CASE_READ)} (Case – Read)")
    return people


def notify(caller: Caller, discussion_id: str, body: NotificationIn) -> NotificationOut:
    """MAP-5: the notification, its outbox and the audit entry in one transaction; then the alerts go to the
    queue. A queue that fails leaves them pending for the repair sweep (NTF-2); the call still succeeds."""
    require(caller, Right.MAPPA_RECORD)
    found = _load(caller, discussion_id)
    if found.date_ended is not None:
        raise Conflict("The discussion has ended: notify from the person's current discussion.",
                       dateEnded=found.date_ended, current=_state(caller, found))
    if body.date_notified.isoformat() < found.date_of_discussion:
        raise Invalid("dateNotified", "must not be before the date of discussion")
    if body.date_notified > clock.today():
        raise Invalid("dateNotified", "must not be in the future")
    wanted = list(dict.fromkeys(body.recipients))
    people = _check_recipients(caller, wanted)
    person = _person(caller, found.urn)

    now = clock.stamp()
    note = store.new_notification(
        found, ids.ulid(), date_notified=body.date_notified.isoformat(), send_alert=body.send_alert,
        recipients={u: f"{people[u].forename} {people[u].surname}" for u in wanted}, sent_by=caller.user_id,
        sent_at=now,
    )
    changes = Changes()
    changes.create(note)
    changes.create(store.notification_ref(note))
    changes.check(found)  # the discussion as read: one ended meanwhile takes no notification
    records.record_added(changes, person)
    pending = None
    if body.send_alert:
        due = calendar.add_working_days(body.date_notified, ACKNOWLEDGE_WITHIN_WORKING_DAYS, caller.nation)
        pending = notifications.outbox_for(note, person, due_date=due.isoformat(), recipients=wanted)
        changes.create(pending)
    changes.create(_entry(caller, person, "mappa.notified", after={
        "discussionId": found.discussion_id, "notificationId": note.notification_id, "recipients": wanted,
        "dateNotified": note.date_notified, "sendAlert": body.send_alert}))
    _commit(changes, lambda: _discussion_now(caller, discussion_id))
    count("MappaNotified")
    queued = notifications.send_now(pending) if pending is not None else 0
    return views.notification_out(note, person, queued=queued)


def _note_for(caller: Caller, notification_id: str) -> tuple[MappaNotificationItem, PersonItem]:
    note = _seen(caller, store.find_notification(notification_id) if ids.is_ulid(notification_id) else None,
                 "notification")
    person = records.person(note.service_id, note.urn)
    assert person is not None
    return note, person


def notification(caller: Caller, notification_id: str) -> NotificationOut:
    """A recipient reads their notification; anyone with case-read may see who was notified."""
    require(caller, Right.CASE_READ)
    note, person = _note_for(caller, notification_id)
    return views.notification_out(note, person)


def acknowledge(caller: Caller, notification_id: str) -> NotificationOut:
    """MAP-6: only a recipient acknowledges, once; the discussion then shows their tick and the time."""
    note, person = _note_for(caller, notification_id)
    recipients = views.recipients_of(note)
    if caller.user_id not in recipients:
        raise NotFound("No notification with that id addressed to you.")
    if recipients[caller.user_id].get("acknowledgedAt"):
        return views.notification_out(note, person)
    now = clock.stamp()
    changes = Changes()
    store.acknowledge(changes, note, caller.user_id, now)
    records.check_still_current(changes, note)
    changes.create(_entry(caller, person, "mappa.acknowledged", after={
        "discussionId": note.discussion_id, "notificationId": note.notification_id}))
    _commit(changes, lambda: views.notification_out(*_note_for(caller, notification_id)).model_dump(
        mode="json", by_alias=True))
    count("MappaAcknowledged")
    acknowledged = store.find_notification(notification_id)
    return views.notification_out(acknowledged or note, person)
