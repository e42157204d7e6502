"""Exporting a community's ledger and balances as CSV or XLSX (积分导出, `linli points export`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.community.grid import full_name
from bot.services.points.rules import CATEGORY_WORDS
from models import Place, PlaceKind, PointsAccount, PointsEntry, PointsProgramme, Resident

LEDGER_HEADER = (
    "编号 id",
    "时间 time",
    "积分 programme",
    "成员 member",
    "户 household",
    "分数 amount",
    "类别 category",
    "来源 source",
    "来源编号 source id",
    "理由 reason",
    "记录人 recorded by",
)
BALANCE_HEADER = ("积分 programme", "成员 member", "户 household", "余额 balance", "兑换中 held")
# The simplified word of each category, as secretaries write it.
CATEGORY_NAMES = {category.value: word for word, category in reversed(CATEGORY_WORDS.items())}
FORMATS = (".csv", ".xlsx")
BATCH = 5000
# A worksheet holds 1,048,576 rows; a longer ledger continues on the next sheet.
SHEET_ROWS = 1_048_575


@dataclass(frozen=True)
class Exported:
    """The files written and what they hold."""

    files: list[Path]
    entries: int
    accounts: int


def _owners(session: Session, community: Place) -> dict[int, tuple[str, str, str]]:
    """Each account of the community: its programme's title, member's name and household."""
    homes: dict[int, str] = {}
    owners = {}
    rows = session.execute(
        select(PointsAccount, PointsProgramme.title, Resident.display_name)
        .join(PointsProgramme, PointsProgramme.id == PointsAccount.programme_id)
        .outerjoin(Resident, Resident.id == PointsAccount.resident_id)
        .where(PointsAccount.community_id == community.id)
    )
    for account, title, name in rows:
        home = ""
        if account.household_id is not None:
            if account.household_id not in homes:
                homes[account.household_id] = full_name(
                    session, session.get_one(Place, account.household_id), PlaceKind.COMMUNITY
                )
            home = homes[account.household_id]
        owners[account.id] = (title, name or "", home)
    return owners


def ledger_rows(session: Session, community: Place, zone: ZoneInfo) -> Iterator[tuple[Any, ...]]:
    """Every entry of the community's ledger, oldest first, streamed in batches."""
    owners = _owners(session, community)
    recorder = aliased(Resident)
    rows = session.execute(
        select(
            PointsEntry.id,
            PointsEntry.recorded_at,
            PointsEntry.account_id,
            PointsEntry.amount,
            PointsEntry.category,
            PointsEntry.source,
            PointsEntry.source_id,
            PointsEntry.reason,
            recorder.display_name,
        )
        .outerjoin(recorder, recorder.id == PointsEntry.recorded_by_id)
        .where(PointsEntry.community_id == community.id)
        .order_by(PointsEntry.id)
        .execution_options(yield_per=BATCH)
    )
    for number, at, account, amount, category, source, source_id, reason, by in rows:
        title, name, home = owners[account]
        local = at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        kind = CATEGORY_NAMES.get(category.value, category.value)
        yield (number, local, title, name, home, amount, kind, source.value, source_id, reason, by)


def balance_rows(session: Session, community: Place) -> Iterator[tuple[Any, ...]]:
    """Every account's balance and what pending redemptions hold."""
    owners = _owners(session, community)
    rows = session.execute(
        select(PointsAccount.id, PointsAccount.balance, PointsAccount.held)
        .where(PointsAccount.community_id == community.id)
        .order_by(PointsAccount.programme_id, PointsAccount.balance.desc(), PointsAccount.id)
    )
    for account, balance, held in rows:
        yield (*owners[account], balance, held)


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    # utf-8-sig, so that spreadsheet programs read the Chinese right.
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_xlsx(
    path: Path, sheets: list[tuple[str, tuple[str, ...], Iterator[tuple[Any, ...]]]]
) -> list[int]:
    # openpyxl takes ~0.2 s to import; only an XLSX export needs it, not a worker's start.
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    counts = []
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        count = 0
        for row in rows:
            if count and count % SHEET_ROWS == 0:
                sheet = book.create_sheet(f"{title} {count // SHEET_ROWS + 1}")
                sheet.append(header)
            sheet.append(row)
            count += 1
        counts.append(count)
    book.save(path)
    return counts


def write(session: Session, community: Place, zone: ZoneInfo, path: Path) -> Exported:
    """Write the ledger and balances to `path`, in the format of its extension: an XLSX has a
    sheet of each; a CSV holds the ledger, with the balances beside it in `<name>.balances.csv`."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot export to {suffix or 'a file without an extension'}")
    if suffix == ".xlsx":
        entries, accounts = _write_xlsx(
            path,
            [
                ("账本 ledger", LEDGER_HEADER, ledger_rows(session, community, zone)),
                ("余额 balances", BALANCE_HEADER, balance_rows(session, community)),
            ],
        )
        return Exported([path], entries, accounts)
    balances = path.with_name(f"{path.stem}.balances.csv")
    entries = _write_csv(path, LEDGER_HEADER, ledger_rows(session, community, zone))
    accounts = _write_csv(balances, BALANCE_HEADER, balance_rows(session, community))
    return Exported([path, balances], entries, accounts)


def export_for(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Resident,
    community: Place,
    folder: Path,
) -> Exported:
    """A secretary's export (积分导出): an XLSX workbook and the same as CSV files."""
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("points.secretary_exports")
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"points-{community.id}-{now.astimezone(zone):%Y%m%d-%H%M%S}"
    workbook = write(session, community, zone, folder / f"{stem}.xlsx")
    tables = write(session, community, zone, folder / f"{stem}.csv")
    audit.record(session, now, "points_export", actor_id=actor.id, place_id=community.id)
    return Exported(workbook.files + tables.files, workbook.entries, workbook.accounts)
