"""Helpers for tests: an in-process API client over the real handlers, and a small world of users."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from casework import admin
from local.dispatch import Answer, invoke


class Api:
    """Calls the handlers exactly as API Gateway would, as the given user (None: no token)."""

    def call(self, method: str, path: str, user: str | None, *, body: Any = None, query: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        raw = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        hdrs = {"content-type": "application/json", **(headers or {})}
        return invoke(method, path, query=urlencode(query or {}), headers=hdrs, body=raw,
                      claims=None if user is None else {"sub": user, "token_use": "id"})

    def get(self, path: str, user: str | None, **kw: Any) -> Answer:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: str | None, body: Any = None, **kw: Any) -> Answer:
        return self.call("POST", path, user, body=body, **kw)

    def put(self, path: str, user: str | None, body: Any = None, **kw: Any) -> Answer:
        return self.call("PUT", path, user, body=body, **kw)

    def delete(self, path: str, user: str | None, **kw: Any) -> Answer:
        return self.call("DELETE", path, user, **kw)


@dataclass
class Service:
    service_id: str
    users: dict[str, str] = field(default_factory=dict)  # role -> user id

    def __getattr__(self, role: str) -> str:
        try:
            return self.users[role]
        except KeyError:
            raise AttributeError(role) from None


@dataclass
class World:
    community: Service
    prison: Service
    children: Service


def _service(service_id: str, nation: str, kind: str, roles: dict[str, str]) -> Service:
    admin.create_service(service_id, name=service_id.title(), nation=nation, service_kind=kind, retention_years=6,
                         actor_id="system")
    service = Service(service_id)
    leader = None
    for role, group in roles.items():
        user_id = f"{service_id}-{role}"
        admin.add_user(user_id, service_id=service_id, forename=role.title(), surname=service_id.title(),
                       email=f"{role}@{service_id}.example.org", group_id=group, supervisor_id=leader,
                       actor_id="system", locked=role == "locked")
        leader = leader or user_id
        service.users[role] = user_id
    return service


def build_world() -> World:
    justice = {"leader": "team-leader", "assessor": "assessor", "assessor2": "assessor", "reader": "read-only",
               "admin": "business-administrator", "locked": "assessor"}
    children = {"leader": "practice-manager", "worker": "social-worker", "reader": "read-only"}
    return World(
        community=_service("community", "scotland", "justice-community", justice),
        prison=_service("prison", "england", "justice-prison", justice),
        children=_service("children", "wales", "children", children),
    )


def person_body(urn: str = "URN-0001", surname: str = "Smith", forename: str = "Alex") -> dict[str, Any]:
    return {"urn": urn, "forename": forename, "surname": surname, "dateOfBirth": "1990-04-01", "chsNumber": "CHS123"}


def open_case(api: Api, user: str, urn: str = "URN-0001", surname: str = "Smith", forename: str = "Alex",
              case_type: str = "ls-cmi") -> dict[str, Any]:
    """Record the person (if new) and open a case for them; returns the case."""
    api.post("/people", user, person_body(urn, surname, forename))
    answer = api.post("/cases", user, {"urn": urn, "caseType": case_type})
    assert answer.status == 201, answer.json()
    return answer.json()


def race(monkeypatch: Any, *requests: Callable[[], Answer]) -> list[Answer]:
    """Run the requests in threads that start together and reach their first transaction together; the answers
    in the order of the requests. moto's in-process transactions are not atomic across threads (DynamoDB's are),
    so the commits themselves go one at a time, in whichever order the threads arrive; a request that writes
    more than once (an import's confirm) waits for the others only at its first."""
    import threading

    from casework.store.tx import Changes

    at_start, at_commit = threading.Barrier(len(requests), timeout=10), threading.Barrier(len(requests), timeout=10)
    one_at_a_time = threading.Lock()
    commit = Changes.commit
    written = threading.local()

    def rendezvous_once_then_commit(changes: Changes) -> None:
        if not getattr(written, "once", False):
            written.once = True
            at_commit.wait()
        with one_at_a_time:
            commit(changes)

    monkeypatch.setattr(Changes, "commit", rendezvous_once_then_commit)
    answers: dict[int, Answer] = {}

    def run(n: int) -> None:
        at_start.wait()
        answers[n] = requests[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()
    return [answers[n] for n in range(len(requests))]


def ses_stored(raw: bytes, *, virus: str = "PASS", spam: str = "PASS", spf: str = "pass", dkim: str = "pass") -> bytes:
    """The message as SES's receipt rule (ScanEnabled) stores it in the inbound bucket: its verdicts prepended to
    what was sent, passing unless told otherwise."""
    verdicts = (f"X-SES-Spam-Verdict: {spam}\r\n"
                f"X-SES-Virus-Verdict: {virus}\r\n"
                f"Authentication-Results: amazonses.com;\r\n spf={spf} client-ip=192.0.2.25;\r\n"
                f" dkim={dkim} header.i=@hmp-northfield.example.org;\r\n")
    return verdicts.encode() + raw


def bulk_transfer_file(urn: str, surname: str, cases: int) -> bytes:
    """A signed transfer file of one person with `cases` closed LS/CMI cases (imports of a chosen size)."""
    from casework import ids
    from casework.transfer import file_format

    body = {
        "person": {"urn": urn, "forename": "Bulk", "surname": surname, "dateOfBirth": "1980-01-01",
                   "chsNumber": f"CHS-{urn}"},
        "cases": [{"caseId": ids.ulid(), "caseNumber": n + 1, "caseType": "ls-cmi", "status": "closed",
                   "openedAt": "2020-01-01T00:00:00Z", "closedAt": "2021-01-01T00:00:00Z",
                   "riskNeedLevel": "medium", "destructionDate": "2027-01-01", "more": {}} for n in range(cases)],
        "records": [],
    }
    raw, _ = file_format.write(body=body, exported_at="2026-11-01T00:00:00Z", exported_by="tests",
                                 source={"serviceId": "elsewhere", "serviceName": "Elsewhere",
                                         "serviceKind": "justice-prison", "nation": "scotland"})
    return raw
