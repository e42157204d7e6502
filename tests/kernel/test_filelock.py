"""Exclusive file locks: one holder at a time, free again once closed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.filelock import exclusive


def test_a_held_lock_is_refused_until_its_holder_closes_it(tmp_path: Path) -> None:
    path = tmp_path / "worker.lock"
    first = exclusive(path)
    assert first is not None
    assert exclusive(path) is None
    os.close(first)
    again = exclusive(path)
    assert again is not None
    os.close(again)


def test_a_lock_in_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        exclusive(tmp_path / "missing" / "worker.lock")
