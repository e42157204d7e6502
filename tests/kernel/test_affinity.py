"""A worker runs on one CPU, a different one from each other worker on the machine."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

from bot.affinity import one_cpu

# A worker that, once told to go, takes a CPU and says which, and whether it runs on it alone.
_OTHER_WORKER = """
import os, sys
from pathlib import Path
from bot.affinity import one_cpu
sys.stdin.readline()
with one_cpu(Path(sys.argv[1])) as cpu:
    print(cpu, os.sched_getaffinity(0) == {cpu})
"""


def _cpus_of_a_new_thread() -> set[int]:
    found: list[set[int]] = []
    thread = threading.Thread(target=lambda: found.append(os.sched_getaffinity(0)))
    thread.start()
    thread.join()
    return found[0]


def test_every_thread_runs_on_the_cpu_taken_until_the_end(tmp_path: Path) -> None:
    allowed = os.sched_getaffinity(0)
    started = threading.Event()
    finish = threading.Event()
    seen: list[set[int]] = []

    def earlier() -> None:
        started.set()
        finish.wait()
        seen.append(os.sched_getaffinity(0))

    thread = threading.Thread(target=earlier)
    thread.start()
    started.wait()
    with one_cpu(tmp_path) as cpu:
        finish.set()
        thread.join()
        assert cpu is not None and cpu in allowed
        assert os.sched_getaffinity(0) == {cpu}
        assert seen == [{cpu}]
        assert _cpus_of_a_new_thread() == {cpu}
    assert os.sched_getaffinity(0) == allowed
    assert _cpus_of_a_new_thread() == allowed


def test_a_second_worker_takes_another_cpu(tmp_path: Path) -> None:
    # The other worker is started first, as systemd would start it: on every CPU.
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_WORKER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert other.stdin is not None and other.stdout is not None
    with one_cpu(tmp_path) as first:
        other.stdin.write("go\n")
        other.stdin.close()
        second = other.stdout.read().split()
        assert other.wait() == 0
    assert first is not None and second != [str(first)]
    assert second[0].isdigit() and second[1:] == ["True"]
    with one_cpu(tmp_path) as again:
        assert again == first


def test_when_every_cpu_is_taken_nothing_is_pinned(tmp_path: Path) -> None:
    allowed = os.sched_getaffinity(0)
    held = []
    for cpu in allowed:
        descriptor = os.open(tmp_path / f"{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.append(descriptor)
    try:
        with one_cpu(tmp_path) as taken:
            assert taken is None
            assert os.sched_getaffinity(0) == allowed
    finally:
        for descriptor in held:
            os.close(descriptor)
