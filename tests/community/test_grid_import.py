"""`linli grid import`: places of the grid from CSV and XLSX files as communities keep them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.db import Database
from bot.services.community.grid import (
    add_path,
    ensure_household,
    full_name,
    locate_household,
    parse_address,
)
from bot.services.community.grid_import import (
    BadRows,
    GridFileError,
    ImportResult,
    import_grid,
    read_grid_file,
)
from models import Place, PlaceKind

HEADER = ["街道", "社区", "小区", "楼栋", "单元", "房号"]
HONGQI = ["文化路街道", "红旗里社区", "1号院"]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as out:
        csv.writer(out).writerows(rows)
    return path


def _xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _import(db: Database, path: Path, skip_bad: bool = False) -> ImportResult:
    with db.transaction() as session:
        return import_grid(session, read_grid_file(path), skip_bad=skip_bad)


def _grid(db: Database) -> dict[str, PlaceKind]:
    """Every place as its full name, with its kind."""
    with db.transaction() as session:
        return {full_name(session, p): p.kind for p in session.scalars(select(Place))}


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Place)) or 0


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_chinese_headers_create_every_level_and_listed_households(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "红旗里.csv",
        [
            HEADER,
            [*HONGQI, "3号楼", "2单元", "301"],
            [*HONGQI, "3号楼", "2单元", "302"],
            [*HONGQI, " ３号楼 ", "1单元", "101室"],
        ],
    )
    result = _import(db, path)
    assert result.rows == 3 and result.skipped == []
    assert result.summary() == (
        "imported 3 rows: 1 street, 1 community, 1 estate, 1 building, 2 units, 3 households new"
    )
    unit = "文化路街道/红旗里社区/1号院/3号楼/2单元"
    grid = _grid(db)
    assert len(grid) == 9
    assert grid["文化路街道"] == PlaceKind.STREET
    assert grid["文化路街道/红旗里社区/1号院/3号楼"] == PlaceKind.BUILDING
    assert grid[unit] == PlaceKind.UNIT
    assert grid[f"{unit}/301"] == grid[f"{unit}/302"] == PlaceKind.HOUSEHOLD
    assert grid["文化路街道/红旗里社区/1号院/3号楼/1单元/101室"] == PlaceKind.HOUSEHOLD
    with db.transaction() as session:
        households = session.scalars(select(Place).where(Place.kind == PlaceKind.HOUSEHOLD)).all()
        assert all(h.listed for h in households)
        assert all(
            h.path.startswith(h.parent.path) and h.path.endswith(f"/{h.id}/")
            for h in households
            if h.parent
        )
        room = locate_household(session, add_path(session, unit), parse_address("3-2-301"))
        assert room.household is not None and room.household.name == "301"


def test_english_headers_in_any_case_and_extra_columns(db: Database, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "grid.csv",
        [
            ["Street", "COMMUNITY", "Estate", "Building", "Unit", "Household", "Head of household"],
            ["Wenhua Rd", "Hongqi", "No. 1 Court", "3", "2", "301", "Zhang San"],
        ],
        encoding="utf-8",
    )
    _import(db, path)
    grid = _grid(db)
    assert grid["Wenhua Rd/Hongqi/No. 1 Court/3/2/301"] == PlaceKind.HOUSEHOLD
    assert len(grid) == 6 and "Zhang San" not in "".join(grid)


def test_a_gb18030_csv_with_traditional_headers(db: Database, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "gbk.csv",
        [
            ["街道", "社區", "小區", "樓棟", "單元", "戶號"],
            ["文化路街道", "紅旗里社區", "1號院", "3號樓", "2單元", "301"],
            ["文化路街道", "紅旗里社區", "1號院", "3號樓", "2單元", "302"],
        ],
        encoding="gb18030",
    )
    assert _import(db, path).rows == 2
    grid = _grid(db)
    assert grid["文化路街道/紅旗里社區/1號院/3號樓/2單元/302"] == PlaceKind.HOUSEHOLD
    assert len(grid) == 7


def test_xlsx_numbers_become_names_as_given_and_a_title_row_is_skipped(
    db: Database, tmp_path: Path
) -> None:
    path = _xlsx(
        tmp_path / "grid.xlsx",
        [
            ["红旗里社区住户信息表"],
            ["街道", "社区", "小区名称", "楼号", "单元号", "门牌号"],
            [*HONGQI, 3, 2.0, 301],
            [*HONGQI, "3", 2, 302.0],
            [*HONGQI, "4号楼", 1],
        ],
    )
    grid_file = read_grid_file(path)
    assert [row.line for row in grid_file.rows] == [3, 4, 5] and grid_file.bad == []
    _import(db, path)
    grid = _grid(db)
    assert grid["文化路街道/红旗里社区/1号院/3/2/301"] == PlaceKind.HOUSEHOLD
    assert grid["文化路街道/红旗里社区/1号院/3/2/302"] == PlaceKind.HOUSEHOLD
    assert grid["文化路街道/红旗里社区/1号院/4号楼/1"] == PlaceKind.UNIT
    assert len(grid) == 9
    with db.transaction() as session:
        assert session.scalar(select(Place.number).where(Place.name == "4号楼")) == 4


def test_households_are_optional_and_a_building_may_have_no_units(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "units.csv",
        [
            ["街道", "社区", "小区", "楼栋", "单元"],
            [*HONGQI, "3号楼", "1单元"],
            [*HONGQI, "3号楼", "2单元"],
            [*HONGQI, "5号楼", ""],
        ],
    )
    result = _import(db, path)
    assert result.new[PlaceKind.UNIT] == 2 and result.new[PlaceKind.HOUSEHOLD] == 0
    assert set(_grid(db).values()) == {
        PlaceKind.STREET,
        PlaceKind.COMMUNITY,
        PlaceKind.ESTATE,
        PlaceKind.BUILDING,
        PlaceKind.UNIT,
    }
    bungalows = _csv(tmp_path / "bungalows.csv", [HEADER, [*HONGQI, "6号楼", "", "101"]])
    _import(db, bungalows)
    assert _grid(db)["文化路街道/红旗里社区/1号院/6号楼/101"] == PlaceKind.HOUSEHOLD
    with db.transaction() as session:
        spot = locate_household(session, add_path(session, HONGQI), parse_address("6-101"))
        assert spot.household is not None and spot.holder.name == "6号楼"


def test_importing_again_creates_nothing_and_lists_registered_households(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "grid.csv",
        [
            HEADER,
            [*HONGQI, "3号楼", "2单元", "301"],
            [*HONGQI, "3号楼", "2单元", "302"],
            [*HONGQI, "3号楼", "2单元", "302"],
        ],
    )
    with db.transaction() as session:
        unit = add_path(session, [*HONGQI, "3号楼", "2单元"])
        registered = ensure_household(
            session, locate_household(session, unit, parse_address("3-2-302"))
        )
        assert not registered.listed
    first = _import(db, path)
    assert first.new[PlaceKind.HOUSEHOLD] == 1 and first.new[PlaceKind.UNIT] == 0
    count = _count(db)
    again = _import(db, path)
    assert again.rows == 3 and sum(again.new.values()) == 0
    assert again.summary().endswith("0 units, 0 households new")
    assert _count(db) == count == 7
    with db.transaction() as session:
        assert all(session.scalars(select(Place.listed).where(Place.kind == PlaceKind.HOUSEHOLD)))


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            [*HONGQI, "3号楼", "2单元", "301"],
            ["文化路街道", "红旗里社区", "", "3号楼", "2单元", "302"],
            [],
            [*HONGQI, "3号楼"],
            [*HONGQI, "x" * 101, "1单元", ""],
            [*HONGQI, "3号楼", "2/3单元", "303"],
            [*HONGQI, "3号楼", "", "304"],
        ],
    )
    with pytest.raises(BadRows) as caught:
        _import(db, path)
    assert [str(row) for row in caught.value.rows] == [
        "line 3: 小区 is empty",
        "line 5: has 4 cells, the header has 6",
        "line 6: 楼栋 is longer than 100 characters",
        "line 7: 单元 contains '/' (2/3单元)",
        "line 8: the unit is empty, but other rows give 3号楼 units",
    ]
    assert _count(db) == 0


def test_rows_clashing_with_the_grid_are_bad(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        add_path(session, [*HONGQI, "3号楼", "2单元"])
        estate = add_path(session, [*HONGQI, "6号楼"]).parent
        assert estate is not None
        ensure_household(session, locate_household(session, estate, parse_address("6-101")))
    path = _csv(
        tmp_path / "clash.csv",
        [
            HEADER,
            [*HONGQI, "3号楼", "", "101"],
            [*HONGQI, "6号楼", "101", "201"],
            [*HONGQI, "7号楼", "1单元", "101"],
        ],
    )
    with pytest.raises(BadRows) as caught:
        _import(db, path)
    assert [str(row) for row in caught.value.rows] == [
        "line 2: the unit is empty, but 3号楼 has units",
        "line 3: 101 is already a household there, not a unit",
    ]
    assert _count(db) == 7
    result = _import(db, path, skip_bad=True)
    assert result.rows == 1 and [row.line for row in result.skipped] == [2, 3]
    assert _grid(db)["文化路街道/红旗里社区/1号院/7号楼/1单元/101"] == PlaceKind.HOUSEHOLD


def test_skip_bad_imports_the_good_rows(db: Database, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "grid.xlsx",
        [
            HEADER,
            [*HONGQI, "3号楼", "2单元", "301"],
            [*HONGQI, None, "2单元", "302"],
            [*HONGQI, "3号楼", "2单元", datetime(2026, 3, 2)],
            [*HONGQI, "4号楼", "1单元", "101"],
        ],
    )
    result = _import(db, path, skip_bad=True)
    assert result.rows == 2
    assert [str(row) for row in result.skipped] == [
        "line 3: 楼栋 is empty",
        "line 4: 房号 is a date or time (2026-03-02 00:00:00); format the column as text",
    ]
    grid = _grid(db)
    assert sorted(name for name, kind in grid.items() if kind == PlaceKind.HOUSEHOLD) == [
        "文化路街道/红旗里社区/1号院/3号楼/2单元/301",
        "文化路街道/红旗里社区/1号院/4号楼/1单元/101",
    ]
    assert len(grid) == 9


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["社区", "小区", "楼栋", "单元"], "missing column: street (街道);"),
        (["街道", "社区", "单元", "房号"], "missing columns: estate (小区), building (楼栋);"),
        (
            ["名称", "地址"],
            "missing columns: street (街道), community (社区), estate (小区), building (楼栋);",
        ),
    ],
)
def test_a_missing_column_is_one_clear_error(
    tmp_path: Path, header: list[str], missing: str
) -> None:
    path = _csv(tmp_path / "grid.csv", [header, ["a"] * len(header)])
    with pytest.raises(GridFileError) as caught:
        read_grid_file(path)
    assert str(caught.value).startswith(f"grid.csv: {missing} the header (line 1) has: ")


def test_cli_imports_and_prints_a_summary(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    path = _csv(tmp_path / "grid.csv", [HEADER, [*HONGQI, "3号楼", "2单元", "301"]])
    code, out, err = _run("grid", "import", str(path), "--db", url)
    assert (code, err) == (0, "")
    assert out == (
        "imported 1 row: 1 street, 1 community, 1 estate, 1 building, 1 unit, 1 household new\n"
    )
    code, out, _ = _run("grid", "show", "3号楼", "--db", url)
    assert out.splitlines() == ["3号楼  [building]", "  2单元  [unit]", "    301  [household]"]


def test_cli_refuses_a_file_with_bad_rows_unless_told_to_skip_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    path = _csv(
        tmp_path / "grid.csv",
        [
            HEADER,
            [*HONGQI, "3号楼", "2单元", "301"],
            [*HONGQI, "", "2单元", "302"],
            [*HONGQI, "4号楼", "1单元", "101"],
        ],
    )
    code, out, err = _run("grid", "import", str(path), "--db", url)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "line 3: 楼栋 is empty",
        "linli: nothing was imported: 1 bad row; fix the file or pass --skip-bad",
    ]
    database = Database(url)
    assert _count(database) == 0
    database.dispose()
    code, out, err = _run("grid", "import", str(path), "--skip-bad", "--db", url)
    assert code == 0 and err.splitlines() == ["skipped line 3: 楼栋 is empty"]
    assert out.startswith(
        "imported 2 rows: 1 street, 1 community, 1 estate, 2 buildings, 2 units, 2 households new"
    )
    code, out, _ = _run("grid", "show", "1号院", "--db", url)
    assert [line.strip() for line in out.splitlines()] == [
        "1号院  [estate]",
        "3号楼  [building]",
        "2单元  [unit]",
        "301  [household]",
        "4号楼  [building]",
        "1单元  [unit]",
        "101  [household]",
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("grid.xls", b"", "grid.xls: unsupported file type '.xls'; give a .csv or .xlsx file"),
        ("grid.xlsx", b"not a zip", "grid.xlsx: not a readable XLSX file"),
        ("grid.csv", "社区,小区\n".encode(), "grid.csv: missing columns: street (街道), building"),
        ("grid.csv", b"", "grid.csv: the file has no header row"),
        ("grid.csv", b"\xff\xfe\x00", "grid.csv: not UTF-8 or GB18030 text"),
    ],
)
def test_cli_rejects_unreadable_files_in_one_line(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(content)
    code, _, err = _run(
        "grid", "import", str(tmp_path / name), "--db", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert code == 2 and err.startswith(f"linli: {expected}") and err.count("\n") == 1
    assert not (tmp_path / "x.db").exists()


def test_cli_names_a_file_that_does_not_exist(tmp_path: Path) -> None:
    code, _, err = _run(
        "grid", "import", str(tmp_path / "nope.csv"), "--db", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert code == 2 and "nope.csv" in err and "does not exist" in err
