"""Review lists in data packages: they travel and merge like cases.

Each entry travels as one line (`"type": "outreach"`) with its facts, the moment they were
set (`facts_at`), when it was first listed and every status event with its uid. Merging
unites the events by uid and folds them (`services.outreach.lists.fold_status`: the last by
moment then uid), keeps the facts set last (by `facts_at`, ties broken by the facts
themselves) and the earliest listing: every step is a union, a maximum or a minimum, so the
result depends neither on the order of the packages nor on how often one is imported.
Appointments and stops stay where they were made (a stop is a local arrangement); the
"đã hẹn" status they gave travels as an event.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import OutreachStatus
from models.entities import Hamlet, OutreachEntry, OutreachEvent
from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.common.text import ADDRESS_LENGTH, NAME_LENGTH, NOTE_LENGTH, clean_text, fold
from services.outreach.lists import clean_hamlet, hamlet_id, link_cases, refold
from services.person.id_number import normalise_id_number, parse_sex
from services.person.phone import normalise_phone
from services.privacy.erasure_marks import erased_uids

RECORD_TYPE = "outreach"
# The person's facts an entry holds, as a package line and a row name them.
_PERSON = (
    "id_number",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "address",
    "note",
    "source",
    "do_not_contact",
)
_FACTS = ("commune", "hamlet", *_PERSON)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def outreach_records(session: Session, tree: UnitTree) -> Iterator[dict[str, Any]]:
    """Every entry of the review lists as a package line, by id, in pages."""
    last_id = 0
    while True:
        batch = session.execute(
            select(OutreachEntry, Hamlet.name)
            .join(Hamlet, Hamlet.id == OutreachEntry.hamlet_id)
            .where(OutreachEntry.id > last_id)
            .order_by(OutreachEntry.id)
            .limit(1000)
        ).all()
        if not batch:
            return
        last_id = batch[-1][0].id
        events: dict[int, list[dict[str, Any]]] = {}
        for event in session.scalars(
            select(OutreachEvent).where(OutreachEvent.entry_id.in_([e.id for e, _ in batch]))
        ):
            events.setdefault(event.entry_id, []).append(
                {
                    "uid": event.uid,
                    "status": event.status,
                    "at": _iso(event.at),
                    "username": event.username,
                    "note": event.note,
                }
            )
        for entry, hamlet in batch:
            yield {
                "type": RECORD_TYPE,
                "uid": entry.uid,
                "commune": tree.by_id[entry.commune_id].code,
                "hamlet": hamlet,
                "id_number": entry.id_number,
                "full_name": entry.full_name,
                "birth_date": entry.birth_date.isoformat() if entry.birth_date else None,
                "birth_year": entry.birth_year,
                "sex": entry.sex,
                "phone": entry.phone,
                "address": entry.address,
                "note": entry.note,
                "source": entry.source,
                "do_not_contact": entry.do_not_contact,
                "listed_at": _iso(entry.listed_at),
                "facts_at": _iso(entry.facts_at),
                "events": sorted(events.get(entry.id, []), key=lambda e: (e["at"], e["uid"])),
            }
        session.expunge_all()


def _facts_key(facts: dict[str, Any], facts_at: datetime) -> tuple[str, str]:
    """Which facts win: set last, and between facts set at the same moment, the greater."""
    chosen = {name: facts.get(name) for name in _FACTS}
    text = json.dumps(chosen, ensure_ascii=False, sort_keys=True, default=str)
    return _iso(facts_at), text


def _checked(record: dict[str, Any], tree: UnitTree) -> dict[str, Any]:
    """The line's values checked as an import checks a row; raises on anything wrong."""
    optional = record.get
    checked = dict(record)
    checked["uid"] = str(record["uid"])[:32]
    checked["commune_id"] = tree.commune(str(record["commune"])).id
    checked["hamlet"] = clean_hamlet(str(record["hamlet"]))
    checked["full_name"] = clean_text(str(record["full_name"]), "Họ và tên", NAME_LENGTH)
    number = optional("id_number")
    checked["id_number"] = normalise_id_number(str(number)) if number else None
    checked["birth_date"] = (
        date.fromisoformat(record["birth_date"]) if optional("birth_date") else None
    )
    checked["birth_year"] = int(record["birth_year"])
    checked["sex"] = parse_sex(str(record["sex"])) if optional("sex") else None
    checked["phone"] = normalise_phone(str(record["phone"])) if optional("phone") else None
    for name, label, limit in (
        ("address", "Địa chỉ", ADDRESS_LENGTH),
        ("note", "Ghi chú", NOTE_LENGTH),
    ):
        value = optional(name)
        checked[name] = (
            clean_text(str(value), label, limit, multiline=True) or None if value else None
        )
    checked["source"] = clean_text(str(optional("source") or ""), "Nguồn", NAME_LENGTH * 2)
    checked["do_not_contact"] = bool(optional("do_not_contact"))
    checked["listed_at"] = datetime.fromisoformat(record["listed_at"])
    checked["facts_at"] = datetime.fromisoformat(record["facts_at"])
    checked["events"] = [
        {
            "uid": str(event["uid"])[:32],
            "status": OutreachStatus(event["status"]).value,
            "at": datetime.fromisoformat(event["at"]),
            "username": clean_text(str(event.get("username") or "?"), "Cán bộ", 80),
            "note": clean_text(str(event["note"]), "Ghi chú", NOTE_LENGTH, multiline=True)
            if event.get("note")
            else None,
        }
        for event in record.get("events") or []
    ]
    return checked


_ENTRY_COLUMNS = ("commune_id", *_PERSON, "facts_at")


def merge_outreach(
    session: Session,
    records: list[dict[str, Any]],
    tree: UnitTree,
    username: str,
    erased_numbers: Collection[str] = (),
) -> tuple[int, int, list[str], int]:
    """Merge package lines of review-list entries: (new, changed, refusals, erased). A
    person erased here on request (a marked event, or the ID number of a case the same
    package brought and the merge left out as erased) is left out too."""
    new = erased = 0
    refusals: list[str] = []
    hamlets: dict[tuple[int, str], int] = {}
    touched: list[int] = []
    numbers: list[str] = []
    checked: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for record in records:
        try:
            checked.append((record, _checked(record, tree)))
        except (KeyError, ValueError, TypeError, AttributeError, UserError) as error:
            refusals.append(f"Người trong danh sách rà soát {record.get('uid', '?')}: {error}")
    marked = erased_uids(session, (e["uid"] for _, c in checked for e in c["events"]))
    for record, incoming in checked:
        if incoming["id_number"] in erased_numbers or any(
            e["uid"] in marked for e in incoming["events"]
        ):
            erased += 1
            continue
        entry, added, moved = _merge_entry(session, record, incoming, tree, hamlets)
        new += added
        if _merge_events(session, entry, incoming["events"]) or moved:
            touched.append(entry.id)
        if entry.id_number:
            numbers.append(entry.id_number)
    session.flush()
    refold(session, touched)
    link_cases(session, numbers, username)
    return new, len(touched) - new, refusals, erased


def _merge_entry(
    session: Session,
    record: dict[str, Any],
    incoming: dict[str, Any],
    tree: UnitTree,
    hamlets: dict[tuple[int, str], int],
) -> tuple[OutreachEntry, bool, bool]:
    """The entry of a checked line, added or updated: (entry, added, changed). The facts set
    last win; the entry was listed at the earliest moment either side knew."""
    entry = session.scalars(
        select(OutreachEntry).where(OutreachEntry.uid == incoming["uid"])
    ).first()
    values = {name: incoming[name] for name in _ENTRY_COLUMNS}
    values["hamlet_id"] = hamlet_id(session, incoming["commune_id"], incoming["hamlet"], hamlets)
    values["name_folded"] = fold(incoming["full_name"])
    if entry is None:
        entry = OutreachEntry(
            uid=incoming["uid"],
            status=OutreachStatus.NOT_CONTACTED.value,
            listed_at=incoming["listed_at"],
            **values,
        )
        session.add(entry)
        session.flush()
        return entry, True, True
    moved = False
    here = {
        "commune": tree.by_id[entry.commune_id].code,
        "hamlet": session.scalar(select(Hamlet.name).where(Hamlet.id == entry.hamlet_id)),
        **{name: getattr(entry, name) for name in _ENTRY_COLUMNS},
    }
    there = {"commune": record["commune"], **incoming}
    if _facts_key(there, incoming["facts_at"]) > _facts_key(here, entry.facts_at):
        for name, value in values.items():
            setattr(entry, name, value)
        moved = True
    if incoming["listed_at"] < entry.listed_at:
        entry.listed_at = incoming["listed_at"]
        moved = True
    return entry, False, moved


def _merge_events(session: Session, entry: OutreachEntry, events: list[dict[str, Any]]) -> bool:
    """Add the events this database lacks to `entry`; whether any was added."""
    known = set(
        session.scalars(
            select(OutreachEvent.uid).where(OutreachEvent.uid.in_([e["uid"] for e in events]))
        )
    )
    added = False
    for event in events:
        if event["uid"] in known:
            continue
        known.add(event["uid"])
        session.add(OutreachEvent(entry_id=entry.id, **event))
        added = True
    return added
