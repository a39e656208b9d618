"""Which import previews stay pending (handlers/files.py): the newest, within the limits, and a
dialog state saved before previews were kept per message still confirms."""

from __future__ import annotations

from handlers.files import MAX_PENDING, MAX_PENDING_VALUES, keep_newest, pending_previews


def item(rows: int) -> dict:
    return {"project_id": 1, "rows": [["2026-11-02", "reach", 1.0, False]] * rows,
            "filename": "f.csv", "import_key": 7}


def test_the_newest_previews_are_kept_in_order():
    pending = {str(n): item(1) for n in range(MAX_PENDING + 3)}
    kept = keep_newest(pending)
    assert list(kept) == [str(n) for n in range(3, MAX_PENDING + 3)]


def test_big_previews_push_older_ones_out_but_the_newest_always_stays():
    pending = {"1": item(10), "2": item(MAX_PENDING_VALUES - 5), "3": item(5)}
    assert list(keep_newest(pending)) == ["2", "3"]
    assert list(keep_newest({"9": item(MAX_PENDING_VALUES * 2)})) == ["9"]


def test_a_state_of_the_old_shape_is_one_pending_preview():
    old = {"project_id": 1, "rows": [["2026-11-02", "reach", 1.0, False]], "filename": "f.csv",
           "preview_id": 42, "import_key": 7}
    assert pending_previews(old) == {"42": old}
    assert pending_previews({}) == {}
    assert pending_previews({"pending": {"5": item(1)}}) == {"5": item(1)}
