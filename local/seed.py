"""Demo data for `make run`: a community justice team (Scotland), a prison-based team (England) and a children's
services department (Wales), users in every built-in group who sign in through the local Cognito pool, and a few
people and cases; the children's have deadlines in different states, so the worktrays show approaching and passed
alerts at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from local.cloud import Cloud

if TYPE_CHECKING:
    from casework.access import Caller

PASSWORD = "Casework-demo-2026"

SERVICES = {
    "community": ("Lothian Community Justice", "scotland", "justice-community"),
    "prison": ("HMP Northfield Social Work", "england", "justice-prison"),
    "children": ("Cardiff Children's Services", "wales", "children"),
}
# role -> (built-in group, forename, surname, supervisor's role); a supervisor comes before those they supervise
ROLES = {
    "leader": ("team-leader", "Morag", "Leader", None),
    "assessor": ("assessor", "Callum", "Assessor", "leader"),
    "assessor2": ("assessor", "Priya", "Assessor", "leader"),
    "practice": ("practice-manager", "Grace", "Practice", "leader"),
    "social": ("social-worker", "Tom", "Social", "leader"),
    "reader": ("read-only", "Rhona", "Reader", "leader"),
    "admin": ("business-administrator", "Ben", "Admin", "leader"),
}
# the children's chain of CSC-3's escalations: social worker -> practice manager -> team manager -> senior manager
CHILDREN_ROLES = {
    "senior": ("team-leader", "Sian", "Senior", None),
    "manager": ("team-leader", "Huw", "Manager", "senior"),
    "practice": ("practice-manager", "Bethan", "Practice", "manager"),
    "social": ("social-worker", "Dylan", "Social", "practice"),
    "social2": ("social-worker", "Ffion", "Social", "practice"),
    "reader": ("read-only", "Rhona", "Reader", "manager"),
    "admin": ("business-administrator", "Ben", "Admin", "manager"),
}
PEOPLE: dict[str, list[tuple[str, str, str, date, str | None, int]]] = {
    "community": [
        ("URN-100001", "Jamie", "Anderson", date(1988, 3, 14), "CHS-4411", 2),
        ("URN-100002", "Kirsty", "Baird", date(1995, 7, 2), "CHS-5120", 1),
        ("URN-100003", "Liam", "Campbell", date(1979, 11, 23), "CHS-6021", 1),
        ("URN-100004", "Sophie", "Douglas", date(2001, 1, 30), None, 1),
    ],
    "prison": [
        ("URN-100001", "Jamie", "Anderson", date(1988, 3, 14), "CHS-4411", 1),
        ("URN-200002", "Connor", "Evans", date(1990, 5, 9), "CHS-7333", 1),
        ("URN-200003", "Megan", "Foster", date(1984, 9, 17), "CHS-8402", 1),
    ],
}


@dataclass(frozen=True)
class DemoUser:
    service_id: str
    role: str
    group: str
    email: str
    user_id: str

    @property
    def variable(self) -> str:
        return f"{self.service_id}_{self.role}".upper()


def seed(cloud: Cloud) -> list[DemoUser]:
    from casework import admin, assignment, cases, directory
    from casework.schemas.cases import AssignmentIn, CaseIn, CaseType, PersonIn

    idp = cloud.client("cognito-idp")
    users: list[DemoUser] = []
    for service_id, (name, nation, kind) in SERVICES.items():
        admin.create_service(service_id, name=name, nation=nation, service_kind=kind, retention_years=6,
                             actor_id="seed")
        ids: dict[str, str] = {}
        for role, (group, forename, surname, supervisor) in (CHILDREN_ROLES if kind == "children" else ROLES).items():
            email = f"{role}.{service_id}@casework.example.org"
            created = idp.admin_create_user(
                UserPoolId=cloud.user_pool_id, Username=email, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            )
            idp.admin_set_user_password(UserPoolId=cloud.user_pool_id, Username=email, Password=PASSWORD,
                                        Permanent=True)
            sub = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
            admin.add_user(sub, service_id=service_id, forename=forename, surname=surname, email=email,
                           group_id=group, supervisor_id=ids[supervisor] if supervisor else None, actor_id="seed")
            ids[role] = sub
            users.append(DemoUser(service_id, role, group, email, sub))
        if kind == "children":
            seed_children(users)
            continue

        leader = directory.caller_for(ids["leader"])
        assessor = next(u for u in users if u.service_id == service_id and u.role == "assessor")
        opened = []
        for urn, forename, surname, born, chs, count in PEOPLE[service_id]:
            cases.record_person(leader, PersonIn(urn=urn, forename=forename, surname=surname, date_of_birth=born,
                                                 chs_number=chs))
            for _ in range(count):
                opened.append(cases.open_case(leader, CaseIn(urn=urn, case_type=CaseType.LS_CMI)))
        for case in opened[:2]:  # two assigned, the rest wait in the unassigned table
            assignment.assign(leader, case.case_id, AssignmentIn(user_id=assessor.user_id), None)
        if service_id == "community":
            seed_assessments(directory.caller_for(assessor.user_id), [c.case_id for c in opened[:2]])
        _transfer_partners(service_id, next(u for u in users if u.service_id == service_id and u.role == "admin"))
    seed_mappa(users)
    return users


# where each service exports to, and whose e-mailed case files it imports (TRN-1, TRN-6)
PARTNERS = {
    "community": ("HMP Northfield Social Work", "imports+prison@inbound.casework.example.org",
                  "transfers@hmp-northfield.example.org"),
    "prison": ("Lothian Community Justice", "imports+community@inbound.casework.example.org",
               "transfers@lothian-cj.example.org"),
}


def _transfer_partners(service_id: str, admin_user: DemoUser) -> None:
    from casework import directory
    from casework.schemas.transfer import DestinationIn, SenderIn
    from casework.transfer import addresses

    name, address, sender = PARTNERS[service_id]
    admin = directory.caller_for(admin_user.user_id)
    addresses.add_destination(admin, DestinationIn(name=name, email=address))
    addresses.add_sender(admin, SenderIn(email=sender, name=name))


def seed_mappa(users: list[DemoUser]) -> None:
    """A current MAPPA discussion for Jamie Anderson in the community service, for the notification walkthrough."""
    from datetime import timedelta

    from casework import clock, directory, mappa
    from casework.schemas.mappa import MappaIn

    leader = next(u for u in users if u.service_id == "community" and u.role == "leader")
    today = clock.today()
    mappa.record(directory.caller_for(leader.user_id), "URN-100001", MappaIn(
        date_of_discussion=today - timedelta(days=14), review_date=today + timedelta(days=76), level=2, category=1,
        details="Demo action plan: weekly home visits; police to share intelligence; review at the next MAPP meeting.",
    ))


def seed_assessments(assessor: Caller, case_ids: list[str]) -> None:
    """LS/CMI demo: the first assigned case has a full 1-8 (medium) with an override to high awaiting the team
    leader; the second a locked full 1-8 (high) with its case management plan."""
    from casework.lscmi import assessments, scoring
    from casework.schemas.assessments import AssessmentIn, AssessmentKind, Level, OverrideIn, PlanIn, SectionIn

    for case_id, total in zip(case_ids, (15, 22), strict=True):
        full = assessments.start(assessor, case_id, AssessmentIn(kind=AssessmentKind.FULL))
        bodies: dict[str, dict[str, Any]] = {"1": {"scores": scoring.filled_to(total)},
                                             "7": {"fullAssessmentMerited": False}}
        for name in scoring.SECTIONS["full"]:
            if name == "7.4":
                continue
            section = SectionIn.model_validate({"text": f"Section {name} (demo)", **bodies.get(name, {})})
            assessments.save_section(assessor, case_id, full.assessment_id, name, section, None)
        if total == 15:
            assessments.request_override(assessor, case_id, full.assessment_id, OverrideIn(
                kind="clinical", requested_level=Level.HIGH, rationale="Escalating use of violence not captured by the "
                                                                   "score (demo)"))
        else:
            assessments.lock(assessor, case_id, full.assessment_id, None)
            assessments.start_plan(assessor, case_id, PlanIn(assessment_id=full.assessment_id))


# the children's demo: (urn, forename, surname, born, case type, worker's role or None, what has happened)
CHILDREN = [
    ("C-500001", "Alex", "Morgan", date(2016, 4, 9), "child-in-need", "social", "cf-passed"),
    ("C-500002", "Bea", "Price", date(2019, 1, 23), "child-protection", "social", "cf-approaching"),
    ("C-500003", "Cai", "Jenkins", date(2012, 8, 30), "looked-after", "social", "visit-approaching"),
    ("C-500004", "Dewi", "Evans", date(2014, 11, 5), "child-in-need", "social2", "failed-visits"),
    ("C-500005", "Elin", "Hughes", date(2020, 6, 17), "child-in-need", None, "referred"),
]


def seed_children(users: list[DemoUser]) -> None:
    """Cardiff Children's Services: children whose timescales are in different states, written as they happened
    (the clock held at each day), then one sweep now, so the worktrays show approaching and passed alerts, the
    practice manager's "C&F, please set priority" and a failed-visit escalation at once."""
    from datetime import UTC, datetime, time, timedelta

    from casework import assignment, calendar, cases, clock, directory
    from casework.children import cf, visits
    from casework.compliance import sweep
    from casework.schemas.cases import AssignmentIn, CaseIn, CaseType, PersonIn
    from casework.schemas.children import CfIn, VisitIn

    role = {u.role: u.user_id for u in users if u.service_id == "children"}
    practice = directory.caller_for(role["practice"])
    today = clock.today()

    def working_days_ago(days: int) -> datetime:
        return at(calendar.add_working_days(today, -days, "wales"))

    def at(day: date) -> datetime:
        return datetime.combine(day, time(10), tzinfo=UTC)

    for urn, forename, surname, born, case_type, worker, story in CHILDREN:
        opened_at = at(today - timedelta(days=45))
        with clock.frozen(opened_at):
            cases.record_person(practice, PersonIn(urn=urn, forename=forename, surname=surname, date_of_birth=born))
            case = cases.open_case(practice, CaseIn(urn=urn, case_type=CaseType(case_type)))
            if worker:
                assignment.assign(practice, case.case_id, AssignmentIn(user_id=role[worker]), None)
        social = directory.caller_for(role[worker]) if worker else practice
        if story in ("cf-passed", "cf-approaching"):  # authorised 12 (passed) or 8 (due in 2) working days ago
            with clock.frozen(working_days_ago(12 if story == "cf-passed" else 8)):
                cf.start(practice, case.case_id, CfIn())
        elif story == "visit-approaching":  # last statutory visit 40 days ago: the next is due in 2 days
            visited = today - timedelta(days=40)
            with clock.frozen(at(visited)):
                visits.record(social, case.case_id, VisitIn(
                    visit_type="statutory", visit_date=visited,
                    note="Cai was settled in placement; talked about school and contact with his sister (demo)."))
        elif story == "failed-visits":  # no answer twice: 12 and 8 days ago
            for ago in (12, 8):
                visited = today - timedelta(days=ago)
                with clock.frozen(at(visited)):
                    visits.record(social, case.case_id, VisitIn(
                        visit_type="failed", visit_date=visited, note="No answer at the door; card left (demo)."))
    sweep.sweep()
