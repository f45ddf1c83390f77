"""Exports holding MAPPA discussions (DOMAIN: TRN-1 with MAP-2): the file carries the brief details, so only a
holder of the confidential right makes it or fetches it, through the real handlers (moto in-process)."""

from __future__ import annotations

from casework import admin
from casework.store import directory as directory_store
from tests.integration.test_transfer import assert_problem, closed_person, partners, s3  # noqa: F401 (fixtures)


def test_trn1_an_export_holding_mappa_details_is_downloaded_only_with_the_confidential_right(
        world, api, s3, partners):  # noqa: F811
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-TX")
    recorded = api.post("/people/URN-TX/mappa", leader, {"dateOfDiscussion": "2026-01-05", "reviewDate": "2099-06-01",
                                                        "level": 2, "category": 1, "details": "Weekly visits"})
    assert recorded.status == 201, recorded.json()
    directory_store.new_group("community", "movers", name="Movers", rights=[10, 40], built_in=False).save()
    admin.add_user("community-mover", service_id="community", forename="Mo", surname="Ver",
                   email="mover@community.example.org", group_id="movers", supervisor_id=None, actor_id="system")

    made = api.post("/exports", leader, {"caseId": closed["caseId"], "destinationId": partners["community"]})
    assert made.status == 201, made.json()
    assert made.json()["holdsMappa"] is True and made.json()["downloadUrl"]
    export_id = made.json()["exportId"]

    # another holder of the transfer right sees the export, never a link to its file
    seen = api.get(f"/exports/{export_id}", "community-mover")
    assert seen.status == 200, seen.json()
    assert seen.json()["holdsMappa"] is True and seen.json()["downloadUrl"] is None
    listed = api.get("/exports", "community-mover").json()["items"]
    assert [e["exportId"] for e in listed] == [export_id] and listed[0]["downloadUrl"] is None
    # the confidential right gets a fresh link; another service gets nothing at all
    assert api.get(f"/exports/{export_id}", leader).json()["downloadUrl"]
    assert_problem(api.get(f"/exports/{export_id}", world.prison.leader), 404)


def test_trn1_an_export_without_mappa_records_is_downloaded_with_the_transfer_right(world, api, s3, partners):  # noqa: F811
    leader = world.community.leader
    _, closed = closed_person(api, leader, "URN-TY")
    directory_store.new_group("community", "movers", name="Movers", rights=[10, 40], built_in=False).save()
    admin.add_user("community-mover", service_id="community", forename="Mo", surname="Ver",
                   email="mover@community.example.org", group_id="movers", supervisor_id=None, actor_id="system")
    made = api.post("/exports", "community-mover", {"caseId": closed["caseId"], "destinationId": partners["community"]})
    assert made.status == 201, made.json()
    assert made.json()["holdsMappa"] is False
    assert api.get(f"/exports/{made.json()['exportId']}", "community-mover").json()["downloadUrl"]


def test_trn1_cmp1_deadlines_stay_with_the_service_that_holds_them(world, api, s3, partners):  # noqa: F811
    """A deadline is the holding service's own timescale, its alerts addressed to its own staff: the file carries
    the events and discussions that started them, never the deadlines; and an import leaves out any deadline a
    sender's file still holds, so the receiving service raises nothing of another's."""
    import json

    from casework import clock
    from casework.compliance import sweep
    from casework.store import records
    from casework.store import transfer as transfer_store
    from casework.store.models import DeadlineItem
    from casework.transfer import file_format
    from tests.integration.test_assignment import tasks_of
    from tests.integration.test_transfer import export_file, upload

    leader = world.community.leader
    still_open, closed = closed_person(api, leader, "URN-TD")
    today = clock.today().isoformat()
    for body in ({"kind": "custody-sentence", "eventDate": today, "details": "4 years", "postReleaseSupervision": True},
                 {"kind": "progression", "eventDate": today, "details": "open estate"}):
        assert api.post(f"/cases/{still_open['caseId']}/events", leader, body).status == 201
    assert api.post("/people/URN-TD/mappa", leader, {"dateOfDiscussion": today, "reviewDate": "2099-06-01",
                                                     "level": 1, "category": 1, "details": "Weekly"}).status == 201
    _, held = records.person_with_records("community", "URN-TD")
    theirs = [r for r in held if isinstance(r, DeadlineItem)]
    assert sorted(d.rule for d in theirs) == ["MAP-3", "THR-1", "THR-2"]

    _, raw = export_file(api, s3, world, partners, closed["caseId"])
    document = json.loads(raw)
    assert sorted(r["kind"] for r in document["body"]["records"]) == ["case-event", "case-event", "mappa"]

    # a sender that still puts its deadlines in the file (with keys a file may hold): they are left out, the rest
    # is imported
    body = document["body"]
    body["records"] += [{"kind": transfer_store.kind_of(d), "key": transfer_store.record_key(d).upper(),
                         "data": transfer_store.plain(d)} for d in theirs]
    signed, _ = file_format.write(body=body, exported_at=document["exportedAt"], exported_by=document["exportedBy"],
                                  source=document["source"])
    job = upload(api, s3, world.prison.leader, signed)
    assert job["status"] == "imported", job
    _, there = records.person_with_records("prison", "URN-TD")
    assert not [r for r in there if isinstance(r, DeadlineItem)]
    assert sorted(transfer_store.kind_of(r) for r in there if transfer_store.kind_of(r) != "case") == [
        "case-event", "case-event", "mappa"]
    events = api.get(f"/cases/{job['cases'][0]}/events", world.prison.leader)
    assert events.status == 200 and {e["kind"] for e in events.json()["items"]} == {"custody-sentence", "progression"}
    assert all(e["deadline"] is None for e in events.json()["items"])
    # nothing of the community's timescales reaches anyone through the prison's records
    with clock.frozen(clock.now().replace(year=2100)):
        raised = sweep.sweep()
    assert not [t for user in world.prison.users.values() for t in tasks_of(user) if t.rule]
    assert raised["read"] == 3  # the community's own three, still its own
