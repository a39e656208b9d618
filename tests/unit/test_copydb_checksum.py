"""copy-db's canonical checksum: the same records give the same checksum whichever backend's
representation they were read in, in any order; any changed value changes it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from storage.copydb import _decode, _to_sqlite, table_checksum

KINDS = ("int", "float", "bool", "text", "date", "timestamptz", "date0")

rows = st.lists(st.tuples(
    st.integers(-2**63, 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(),
    st.dates(min_value=date(1, 1, 2)),
    st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC)),
    st.dates() | st.none(),
), max_size=8)


def decoded(rows_: list[tuple]) -> list[tuple]:
    return [tuple(_decode(k, v) for k, v in zip(KINDS, row, strict=True)) for row in rows_]


@given(rows, st.randoms())
def test_sqlite_and_postgres_forms_give_one_checksum(records: list[tuple], rnd) -> None:
    as_sqlite = [tuple(_to_sqlite(k, v) for k, v in zip(KINDS, row, strict=True))
                 for row in records]
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert table_checksum(KINDS, decoded(as_sqlite)) == table_checksum(KINDS, decoded(shuffled))


@given(rows.filter(bool), st.integers(0, 6))
def test_any_changed_value_changes_the_checksum(records: list[tuple], column: int) -> None:
    row = list(records[0])
    value = row[column]
    changed = {0: lambda v: v + 1 if v < 2**63 - 1 else v - 1,
               1: lambda v: v + 1.0 if abs(v) < 1e15 else v / 2 if v else 1.0,
               2: lambda v: not v, 3: lambda v: v + "x",
               4: lambda v: v - timedelta(days=1),
               5: lambda v: v + timedelta(microseconds=1),
               6: lambda v: None if v else date(2026, 1, 5)}[column](value)
    row[column] = changed
    other = [tuple(row), *records[1:]]
    assert table_checksum(KINDS, decoded(records)) != table_checksum(KINDS, decoded(other))


def test_an_instant_in_another_zone_is_the_same_instant() -> None:
    moment = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    moscow = moment.astimezone(timezone(timedelta(hours=3)))
    assert _decode("timestamptz", moscow.isoformat()) == _decode("timestamptz", moment)
    assert _decode("date0", "") == _decode("date0", date(1, 1, 1))


def test_json_is_compared_by_content_not_by_spelling() -> None:
    sqlite_text = '{"reach": 1200, "likes": 1.5}'
    jsonb_text = '{"likes": 1.50, "reach": 1200}'  # as PostgreSQL's jsonb gives it back
    assert _decode("json", sqlite_text) == sqlite_text  # copied as written
    assert (table_checksum(("json",), [(sqlite_text,)])
            == table_checksum(("json",), [(jsonb_text,)])
            != table_checksum(("json",), [('{"likes": 2, "reach": 1200}',)]))
