"""Private notices of awards, public boards where posted, and exports in the chat and the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from bot.app import App
from bot.cli import main
from tests.support.community import build
from tests.support.driver import Driver


def test_members_are_told_privately_of_an_award_or_deduction(app: App) -> None:
    driver = build(app)
    told = driver.say("sec", "加分 @r2 5 巡逻 夜间", "g1")
    assert [(s.chat, s.private) for s in told] == [("g1", False), ("r2", True)]
    assert told[1].text == "您得到 5 分（巡逻：夜间），现有 5 分。"
    told = driver.say("sec", "加分 @r2 -2 调整", "g1")
    assert [(s.chat, s.private) for s in told] == [("g1", False), ("sec", True), ("r2", True)]
    assert told[2].text == "您被扣 2 分（调整），现有 3 分。"


def _board(driver: Driver) -> None:
    driver.say("sec", "加分 @r2 5", "g1")
    driver.say("sec", "加分 @r3 8", "g1")
    driver.say("sec", "加分 @r4 1", "g1")


def test_the_board_shows_only_where_posted_and_opted_out_members_are_not_named(
    app: App,
) -> None:
    driver = build(app)
    _board(driver)
    assert driver.one("r2", "积分榜", "g1").text == "本社区没有公布积分榜。"
    # Someone who may post it is told how.
    told = driver.one("sec", "积分榜", "g1").text
    assert told == "本社区没有公布积分榜。要公布，发送「积分规则 居民积分 积分榜 开」。"
    driver.say("sec", "积分规则 居民积分 积分榜 开", "g1")
    board = driver.one("r2", "积分榜", "g1")
    assert driver.one("r2", "积分排行", "g1").text == board.text
    assert not board.private and "1. r3 8 分\n2. r2 5 分\n3. r4 1 分" in board.text
    assert driver.one("r3", "积分榜 不显示我", "g1").private
    assert "1. 一位邻居 8 分\n2. r2 5 分" in driver.one("r2", "积分榜", "g1").text
    driver.say("r3", "积分榜 显示我")
    assert "1. r3 8 分" in driver.one("r2", "积分榜 居民积分", "g1").text
    assert driver.one("r2", "积分榜 党员积分", "g1").text == "本社区没有公布积分榜。"


def test_an_english_reader_names_a_board_in_english(app: App) -> None:
    driver = build(app)
    _board(driver)
    driver.one("sec", "/lang en", "g1")
    driver.say("sec", "/pointrules resident points board on", "g1")
    assert "1. r3 8\n2. r2 5" in driver.one("r2", "/rank resident points", "g1").text
    no_board = "This community does not post a points board."
    assert driver.one("r2", "/rank Party Points", "g1").text == no_board
    usage = driver.one("r2", "/rank who is first", "g1").text
    assert '"/rank resident points"' in usage and "积分" not in usage
    unknown = driver.one("r2", "/rank gold", "g1").text
    assert '"party points" or "resident points"' in unknown and "积分" not in unknown


def test_a_secretary_exports_the_ledger_and_balances_privately(app: App) -> None:
    driver = build(app)
    _board(driver)
    driver.say("sec", "加分 @r2 -1 调整 迟到", "g1")
    sent = driver.say("sec", "积分导出", "g1")
    assert [(s.chat, s.private) for s in sent] == [("sec", True)] * 3 + [("g1", False)]
    files = [a.reply.document for a in driver.answers[:3]]
    assert all(f is not None and f.exists() for f in files)
    workbook, ledger, balances = (f for f in files if f is not None)
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["账本 ledger", "余额 balances"]
    rows = list(book["账本 ledger"].iter_rows(values_only=True))
    assert len(rows) == 5 and rows[-1][3:7] == ("r2", None, -1, "调整")
    with ledger.open(encoding="utf-8-sig") as text:
        assert [row[5] for row in csv.reader(text)][1:] == ["5", "8", "1", "-1"]
    with balances.open(encoding="utf-8-sig") as text:
        assert [(r[1], r[3]) for r in csv.reader(text)][1:] == [
            ("r3", "8"),
            ("r2", "4"),
            ("r4", "1"),
        ]
    before = driver.snapshot()
    assert driver.one("r2", "积分导出", "g1").text == "只有社区书记能导出积分。"
    assert driver.snapshot() == before


def test_the_operator_exports_by_the_files_extension(app: App, tmp_path: Path) -> None:
    driver = build(app)
    _board(driver)
    url = app.db.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    out = tmp_path / "红旗里.xlsx"
    done = runner.invoke(
        main, ["points", "export", "--community", "红旗里社区", "--out", str(out), "--db", url]
    )
    assert done.exit_code == 0, done.output
    assert "3 entries and 3 accounts" in done.output
    assert openpyxl.load_workbook(out).sheetnames == ["账本 ledger", "余额 balances"]
    done = runner.invoke(
        main,
        [
            "points",
            "export",
            "--community",
            "红旗里社区",
            "--out",
            str(tmp_path / "l.csv"),
            "--db",
            url,
        ],
    )
    assert done.exit_code == 0 and (tmp_path / "l.balances.csv").exists()
    wrong = runner.invoke(
        main,
        [
            "points",
            "export",
            "--community",
            "红旗里社区",
            "--out",
            str(tmp_path / "l.txt"),
            "--db",
            url,
        ],
    )
    assert wrong.exit_code == 2 and "must end in .csv or .xlsx" in wrong.output
    estate = runner.invoke(
        main, ["points", "export", "--community", "1号院", "--out", str(out), "--db", url]
    )
    assert estate.exit_code == 2 and "not a community" in estate.output
