"""MAPPA discussions, professional notifications and the messages that fan them out (MAP, NTF)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from casework.schemas.common import Boolean, Day, Id, In, Out

Level = Annotated[int, Field(ge=1, le=3, description="Level of management: 1, 2 or 3.")]
Category = Annotated[int, Field(ge=1, le=3, description="MAPPA category: 1, 2 or 3.")]
Details = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]
MAX_RECIPIENTS = 500


class MappaIn(In):
    """MAP-1: a discussion has either a review date (the next meeting) or a date ended, never both."""

    date_of_discussion: Day
    review_date: Day | None = Field(default=None, description="The next agreed MAPPA meeting.")
    date_ended: Day | None = Field(default=None, description="Set when no further discussion is planned.")
    level: Level
    category: Category
    details: Details = Field(description="Brief details (the action plan). Strictly confidential (MAP-2).")
    end_current: Boolean = Field(
        default=False,
        description="MAP-4 subsequent discussion: end the person's current discussion the day before this one.",
    )


class MappaPatch(In):
    """Any subset of the fields; the result must still satisfy MAP-1. `null` clears a date."""

    date_of_discussion: Day | None = None
    review_date: Day | None = None
    date_ended: Day | None = None
    level: Level | None = None
    category: Category | None = None
    details: Details | None = None


class MappaFlagOut(Out):
    """MAP-3: what a person's banner shows."""

    discussion_id: str
    current: bool = Field(description="A discussion is current: the MPA flag.")
    struck_through: bool = Field(description="The last discussion has ended: the flag is struck through.")
    review_overdue: bool = Field(description="The current discussion's review date has passed.")
    review_date: str | None


class RecipientOut(Out):
    user_id: str
    name: str
    acknowledged: bool = Field(description="The tick (MAP-6).")
    acknowledged_at: str | None


class NotificationOut(Out):
    notification_id: str
    discussion_id: str
    urn: str
    forename: str
    surname: str
    date_notified: str
    send_alert: bool
    sent_by: str
    sent_at: str
    recipients: list[RecipientOut]
    queued: int = Field(description="Alerts written but not yet handed to the queue (repaired on a schedule).")


class MappaOut(Out):
    discussion_id: str
    urn: str
    date_of_discussion: str
    review_date: str | None
    date_ended: str | None
    level: int
    category: int
    details: str | None = Field(description="Only for the MAPPA-confidential right (100); otherwise null.")
    details_withheld: bool = Field(description="True when details exist but the caller may not see them.")
    current: bool
    review_overdue: bool = Field(description="Current and its review date has passed (MAP-3 warning).")
    recorded_by: str
    recorded_at: str
    updated_at: str | None
    version: int
    notifications: list[NotificationOut]


class MappaListOut(Out):
    urn: str
    mappa: MappaFlagOut | None
    items: list[MappaOut] = Field(description="The person's discussions, newest first.")


class NotificationIn(In):
    recipients: list[Id] = Field(min_length=1, max_length=MAX_RECIPIENTS,
                                 description="User ids from the service's address book.")
    date_notified: Day
    send_alert: Boolean = Field(default=True, description="Put an alert in each recipient's worktray (and e-mail).")


class DeliveryMessage(Out):
    """One recipient's alert on the notifications queue. Never carries the brief details."""

    kind: Literal["mappa-notification"] = "mappa-notification"
    notification_id: Annotated[str, StringConstraints(min_length=1)]
    discussion_id: Annotated[str, StringConstraints(min_length=1)]
    service_id: Annotated[str, StringConstraints(min_length=1)]
    urn: Annotated[str, StringConstraints(min_length=1)]
    person: str
    recipient_id: Annotated[str, StringConstraints(min_length=1)]
    due_date: str | None
