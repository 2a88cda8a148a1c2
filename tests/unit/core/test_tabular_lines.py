"""The CSV reader's lines come one megabyte of text at a time; a chunk border must change nothing."""

import csv
import io
import random

import pytest

from services.core.tabular import _lines, read_csv


def _rows(lines) -> object:  # type: ignore[no-untyped-def]
    try:
        return list(csv.reader(lines, delimiter=";"))
    except csv.Error as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_lines_in_chunks_are_the_lines_of_the_whole_text(chunk: int) -> None:
    """Any mix of CR, LF, CRLF, separators and quotes (quoted fields over several lines, broken quotes): the same
    lines, the same rows and the same refusals as one StringIO over the whole text."""
    rnd = random.Random(chunk)
    for _ in range(3000):
        text = "".join(rnd.choice('ab\r\n;"x') for _ in range(rnd.randint(0, 40)))
        assert list(_lines(text, chunk)) == list(io.StringIO(text, newline=""))
        assert _rows(_lines(text, chunk)) == _rows(io.StringIO(text, newline=""))


def test_a_quoted_field_over_two_lines_in_a_file_of_many_chunks_keeps_its_break_and_the_line_numbers() -> None:
    text = 'Name;Biografie\r\n"Anna";"erste Zeile\r\nzweite Zeile"\r\nBert;kurz\r\n' + "Zeile;x\n" * 300_000
    table = read_csv(text.encode("utf-8"))
    first, second = next(table.rows), next(table.rows)
    assert first == (2, ["Anna", "erste Zeile\r\nzweite Zeile"]) and second == (4, ["Bert", "kurz"])
    assert sum(1 for _ in table.rows) == 300_000
