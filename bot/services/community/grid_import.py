"""Importing places of the grid from the CSV or XLSX files communities keep."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.common.keywords import normalise
from bot.services.community.grid import LEVELS, MAX_NAME, add_path, children, number_in
from models import Place, PlaceKind

REQUIRED = ("street", "community", "estate", "building")
COLUMNS: dict[str, tuple[str, ...]] = {
    "street": ("街道", "街道名称", "街道名稱", "street"),
    "community": ("社区", "社區", "社区名称", "社區名稱", "community"),
    "estate": ("小区", "小區", "小区名称", "小區名稱", "院落", "estate"),
    "building": ("楼栋", "樓棟", "楼号", "樓號", "楼", "樓", "楼栋号", "樓棟號", "building"),
    "unit": ("单元", "單元", "单元号", "單元號", "unit"),
    "room": (
        "房号",
        "房號",
        "房间号",
        "房間號",
        "户号",
        "戶號",
        "门牌号",
        "門牌號",
        "room",
        "household",
    ),
}
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
_PLURALS = {PlaceKind.COMMUNITY: "communities"}


class GridFileError(Exception):
    """The file as a whole cannot be imported (unreadable, unsupported, missing columns)."""


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be imported, and why."""

    line: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}"


class BadRows(Exception):
    """Some rows are bad and skipping them was not asked for; nothing was imported."""

    def __init__(self, rows: list[BadRow]) -> None:
        super().__init__(f"{len(rows)} bad rows")
        self.rows = rows


@dataclass(frozen=True)
class GridRow:
    """A good row: the names from the street down to its building or unit, and its room."""

    line: int
    holder: tuple[str, ...]
    room: str | None


@dataclass(frozen=True)
class GridFile:
    """The rows of a file, good and bad, in file order."""

    rows: list[GridRow]
    bad: list[BadRow]


@dataclass(frozen=True)
class ImportResult:
    """How many rows were imported, the new places by kind, and the rows skipped."""

    rows: int
    new: Counter[PlaceKind]
    skipped: list[BadRow]

    def summary(self) -> str:
        """One line such as `imported 12 rows: 1 street, ..., 0 households new`."""
        counts = ", ".join(_count(self.new[kind], kind) for kind in LEVELS)
        return f"imported {self.rows} row{'' if self.rows == 1 else 's'}: {counts} new"


def _count(number: int, kind: PlaceKind) -> str:
    return f"{number} {kind.value if number == 1 else _PLURALS.get(kind, kind.value + 's')}"


def read_grid_file(path: Path) -> GridFile:
    """Parse a .csv (UTF-8 or GB18030) or .xlsx (first sheet) file of the grid."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _parse(_csv_lines(path), pad=False)
        if suffix == ".xlsx":
            with closing(_xlsx_lines(path)) as lines:
                return _parse(lines, pad=True)
        raise GridFileError(
            f"unsupported file type {suffix or '(none)'!r}; give a .csv or "
            ".xlsx file (save .xls files as .xlsx)"
        )
    except GridFileError as exc:
        raise GridFileError(f"{path.name}: {exc}") from exc


def _csv_lines(path: Path) -> Iterator[tuple[int, Sequence[object]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise GridFileError("not UTF-8 or GB18030 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise GridFileError(f"line {reader.line_num}: {exc}") from exc


def _xlsx_lines(path: Path) -> Generator[tuple[int, Sequence[object]]]:
    # openpyxl takes ~0.2 s to import; only reading an XLSX file needs it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise GridFileError(f"not a readable XLSX file ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read every cell
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise(str(value))


def _is_blank(cells: Sequence[object]) -> bool:
    return all(not _text(cell) for cell in cells)


def _header_key(cell: object) -> str:
    return "".join(_text(cell).lower().split())


def _parse(lines: Iterator[tuple[int, Sequence[object]]], *, pad: bool) -> GridFile:
    """Rows after the header; `pad` fills short rows (XLSX leaves out trailing empty cells)."""
    header_line, header = _find_header(lines)
    columns = _columns(header_line, header)
    width = max(i for i, cell in enumerate(header) if _text(cell)) + 1
    rows: list[GridRow] = []
    bad: list[BadRow] = []
    for line, cells in lines:
        if _is_blank(cells):
            continue
        if pad:
            cells = (*cells, *(None,) * (width - len(cells)))
        problem = _row_problem(cells, width, columns, header)
        if problem:
            bad.append(BadRow(line, problem))
            continue
        names = {column: _text(cells[i]) for column, i in columns.items()}
        holder = tuple(names[c] for c in (*REQUIRED, "unit") if names.get(c))
        rows.append(GridRow(line, holder, names.get("room") or None))
    return _mixed_units(rows, bad)


def _find_header(lines: Iterator[tuple[int, Sequence[object]]]) -> tuple[int, Sequence[object]]:
    """The first row that is neither blank nor a title (one cell that names no column)."""
    for line, cells in lines:
        filled = [cell for cell in cells if _text(cell)]
        if len(filled) > 1 or (filled and _header_key(filled[0]) in _ALIASES):
            return line, cells
    raise GridFileError("the file has no header row")


def _columns(line: int, header: Sequence[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _ALIASES.get(_header_key(cell))
        if column is None:
            continue
        if column in columns:
            raise GridFileError(
                f"line {line}: columns {_text(header[columns[column]])} and "
                f"{_text(cell)} both mean {column}"
            )
        columns[column] = index
    missing = [f"{c} ({COLUMNS[c][0]})" for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(_text(cell) for cell in header if _text(cell))
        raise GridFileError(
            f"missing column{'s' if len(missing) > 1 else ''}: "
            f"{', '.join(missing)}; the header (line {line}) has: {found}"
        )
    return columns


def _row_problem(
    cells: Sequence[object], width: int, columns: dict[str, int], header: Sequence[object]
) -> str | None:
    if len(cells) < width:
        return f"has {len(cells)} cells, the header has {width}"
    problems = []
    for column, index in columns.items():
        label, value = _text(header[index]), cells[index]
        text = _text(value)
        if isinstance(value, date | time):
            problems.append(f"{label} is a date or time ({text}); format the column as text")
        elif not text and column in REQUIRED:
            problems.append(f"{label} is empty")
        elif len(text) > MAX_NAME:
            problems.append(f"{label} is longer than {MAX_NAME} characters")
        elif "/" in text:
            problems.append(f"{label} contains '/' ({text})")
    return "; ".join(problems) or None


def _mixed_units(rows: list[GridRow], bad: list[BadRow]) -> GridFile:
    """Rooms without a unit are bad in a building to which other rows give units."""
    with_units = {row.holder[:-1] for row in rows if len(row.holder) > len(REQUIRED)}
    good = []
    for row in rows:
        if row.room and row.holder in with_units:
            bad.append(
                BadRow(row.line, f"the unit is empty, but other rows give {row.holder[-1]} units")
            )
        else:
            good.append(row)
    return GridFile(good, sorted(bad, key=lambda b: b.line))


def import_grid(session: Session, grid_file: GridFile, *, skip_bad: bool = False) -> ImportResult:
    """Create the places of `grid_file` (reusing existing ones); raise BadRows unless skipping."""
    before = _kinds(session)
    importer = _Importer(session)
    refused = []
    for row in grid_file.rows:
        problem = importer.add(row)
        if problem:
            refused.append(BadRow(row.line, problem))
    importer.finish()
    bad = sorted(grid_file.bad + refused, key=lambda b: b.line)
    if bad and not skip_bad:
        raise BadRows(bad)
    new = _kinds(session)
    new.subtract(before)
    return ImportResult(len(grid_file.rows) - len(refused), new, bad)


def _kinds(session: Session) -> Counter[PlaceKind]:
    counts = session.execute(select(Place.kind, func.count()).group_by(Place.kind))
    return Counter({kind: count for kind, count in counts})


class _Importer:
    """Adds rows to a session, loading what each building or unit holds once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.holders: dict[tuple[str, ...], Place] = {}
        self.contents: dict[int, dict[str, Place]] = {}
        self.new: list[tuple[Place, Place]] = []

    def add(self, row: GridRow) -> str | None:
        """Create the row's places; a problem when they clash with places already there."""
        holder = self.holders.get(row.holder)
        if holder is None:
            holder = add_path(self.session, list(row.holder))
            kind = LEVELS[len(row.holder) - 1]
            if holder.kind != kind:
                return f"{holder.name} is already a {holder.kind.value} there, not a {kind.value}"
            self.holders[row.holder] = holder
        if row.room is None:
            return None
        contents = self.contents.get(holder.id)
        if contents is None:
            contents = {c.name: c for c in children(self.session, holder)}
            self.contents[holder.id] = contents
        if holder.kind == PlaceKind.BUILDING and any(
            c.kind == PlaceKind.UNIT for c in contents.values()
        ):
            return f"the unit is empty, but {holder.name} has units"
        found = contents.get(row.room)
        if found is None:
            contents[row.room] = place = Place(
                parent_id=holder.id,
                kind=PlaceKind.HOUSEHOLD,
                name=row.room,
                number=number_in(row.room),
            )
            self.session.add(place)
            self.new.append((holder, place))
        elif found.kind != PlaceKind.HOUSEHOLD:
            return f"{row.room} is already a {found.kind.value} in {holder.name}, not a household"
        else:
            found.listed = True
        return None

    def finish(self) -> None:
        """Give the new households their paths, which need their ids."""
        self.session.flush()
        for holder, place in self.new:
            place.path = f"{holder.path}{place.id}/"
