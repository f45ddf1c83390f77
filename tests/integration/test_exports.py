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
