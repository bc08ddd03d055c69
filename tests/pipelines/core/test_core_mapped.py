"""Training data written once and memory-mapped: the same values, nothing left behind."""

import os

import numpy as np
import pandas as pd
import pytest

from pipelines.core import mapped
from pipelines.core.mapped import Ragged, Texts, is_mapped, map_array, map_frame


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    folder = tmp_path / "scratch"
    monkeypatch.setenv("RNNKIT_SCRATCH", str(folder))
    return folder


def test_a_mapped_array_is_file_backed_read_only_and_leaves_no_file(scratch):
    original = np.random.default_rng(0).normal(size=(50, 3))
    out = map_array(original, dtype="float32")
    np.testing.assert_array_equal(out, original.astype("float32"))
    assert out.dtype == np.float32 and is_mapped(out) and is_mapped(out[10:, 1])
    assert is_mapped(np.lib.stride_tricks.sliding_window_view(out, 5, axis=0))
    assert not is_mapped(original) and not is_mapped(np.array(out))
    with pytest.raises(ValueError, match="read-only"):
        out[0, 0] = 1.0
    assert os.listdir(scratch) == []  # the name is gone at once; the mapping keeps the data


def test_scratch_memory_keeps_a_read_only_copy_in_memory(monkeypatch):
    monkeypatch.setenv("RNNKIT_SCRATCH", "memory")
    original = np.arange(6)
    out = map_array(original)
    np.testing.assert_array_equal(out, original)
    assert not is_mapped(out) and not out.flags.writeable and not np.shares_memory(out, original)


def test_an_unwritable_scratch_directory_is_named(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("RNNKIT_SCRATCH", str(blocker / "scratch"))
    with pytest.raises(OSError, match=r"scratch directory .*file/scratch \(RNNKIT_SCRATCH\)"):
        map_array(np.ones(3))


def test_the_default_scratch_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")
    monkeypatch.delenv("RNNKIT_SCRATCH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert mapped.scratch_dir() == blocker / "rnnkit" / "scratch"
    out = map_array(np.arange(4.0))
    assert is_mapped(out) and out.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_ragged_rows_read_as_the_lists_they_came_from(scratch):
    rows = [[3, 1, 4], [], [1, 5], [9, 2, 6, 5]]
    ragged = Ragged.from_rows(rows).mapped()
    assert len(ragged) == 4 and is_mapped(ragged.values) and is_mapped(ragged.offsets)
    assert [r.tolist() for r in ragged] == rows
    assert ragged[-1].tolist() == [9, 2, 6, 5] and ragged[1].dtype == np.int32
    assert [r.tolist() for r in ragged[1:3]] == rows[1:3]
    assert ragged.lengths().tolist() == [3, 0, 2, 4]
    assert mapped.row_lengths(rows).tolist() == [3, 0, 2, 4]
    with pytest.raises(IndexError, match="row 4 of a Ragged of 4 rows"):
        ragged[4]
    with pytest.raises(ValueError, match="offsets"):
        Ragged(np.zeros(3, "int32"), np.array([0, 2]))


def test_texts_decode_every_string_as_written(scratch):
    strings = ["¿Qué tal?", "", "Tom 🐈 naïve", "x" * 300]
    texts = Texts.mapped(strings)
    assert is_mapped(texts.rows.values) and len(texts) == 4
    assert list(texts) == strings and texts == strings and texts[1:3] == strings[1:3]
    assert texts[-2] == "Tom 🐈 naïve" and texts != strings[:3]
    assert sorted(set(texts)) == sorted(set(strings))


def test_a_mapped_frame_equals_its_source_with_values_and_time_index_mapped(scratch):
    index = pd.date_range("2020-01-01", periods=48, freq="h", name="time")
    frame = pd.DataFrame(np.random.default_rng(1).normal(size=(48, 2)), index=index,
                         columns=["y", "x"])
    out = map_frame(frame)
    pd.testing.assert_frame_equal(out, frame)
    assert is_mapped(out.to_numpy()) and is_mapped(out["x"].to_numpy())
    assert is_mapped(out.index.to_numpy()) and out.index.name == "time"
    assert out.resample("2h").mean().shape == (24, 2)  # pandas works on it as usual
    mixed = frame.assign(label="a")
    assert map_frame(mixed) is mixed
    aware = frame.tz_localize("UTC")
    pd.testing.assert_frame_equal(map_frame(aware), aware)


def test_a_failed_write_names_the_directory_and_leaves_no_file(scratch, monkeypatch):
    def full_disk(file, array):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(OSError, match=r"Cannot write 0\.0 MiB of training data to .*scratch "
                                      r"\(.*No space left on device\)"):
        map_array(np.ones(3))
    assert os.listdir(scratch) == []


def test_take_gathers_rows_in_the_order_asked():
    rows = [[1, 2], [], [3, 4, 5], [6]]
    ragged = Ragged.from_lengths(np.array([1, 2, 3, 4, 5, 6], "int32"), [2, 0, 3, 1])
    assert [r.tolist() for r in ragged] == rows
    taken = ragged.take([2, 0, 1, 3, 2])
    assert [r.tolist() for r in taken] == [rows[i] for i in (2, 0, 1, 3, 2)]
    assert len(ragged.take([])) == 0 and taken.values.dtype == np.int32
