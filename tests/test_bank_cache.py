"""The bank cache: reused while nothing changed, rebuilt after any edit, never required."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from assistant.bank import load_bank
from assistant.bank.cache import cached_bank
from tests.conftest import REPO


def copy_bank(tmp_path: Path) -> tuple[Path, Path]:
    questions, rubrics = tmp_path / "question_bank", tmp_path / "rubrics"
    shutil.copytree(REPO / "question_bank", questions)
    shutil.copytree(REPO / "rubrics", rubrics)
    return questions, rubrics


class CountingLoader:
    def __init__(self, questions: Path, rubrics: Path) -> None:
        self.dirs, self.calls = (questions, rubrics), 0

    def __call__(self):
        self.calls += 1
        return load_bank(*self.dirs)


def test_a_second_load_comes_from_the_cache_and_equals_the_first(tmp_path: Path) -> None:
    questions, rubrics = copy_bank(tmp_path)
    load = CountingLoader(questions, rubrics)
    first = cached_bank(load, [questions, rubrics], tmp_path / "cache")
    second = cached_bank(load, [questions, rubrics], tmp_path / "cache")
    assert load.calls == 1
    assert second.questions == first.questions and second.titles == first.titles
    assert second.questions == load_bank(questions, rubrics).questions  # the whole bank, not a part


def test_editing_a_bank_file_loads_it_afresh(tmp_path: Path) -> None:
    questions, rubrics = copy_bank(tmp_path)
    load = CountingLoader(questions, rubrics)
    cached_bank(load, [questions, rubrics], tmp_path / "cache")
    path = questions / "deep_learning.yaml"
    path.write_text(path.read_text().replace("topic: deep-learning", "topic: deep-learning\n# edited"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    cached_bank(load, [questions, rubrics], tmp_path / "cache")
    assert load.calls == 2
    assert len(list((tmp_path / "cache" / "bank").glob("*.pickle"))) == 1  # the stale entry is gone


def test_a_damaged_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    questions, rubrics = copy_bank(tmp_path)
    load = CountingLoader(questions, rubrics)
    cache = tmp_path / "cache"
    cached_bank(load, [questions, rubrics], cache)
    for entry in (cache / "bank").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    whole = len(load_bank(questions, rubrics).questions)
    assert len(cached_bank(load, [questions, rubrics], cache).questions) == whole and load.calls == 2
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert len(cached_bank(load, [questions, rubrics], blocked).questions) == whole
