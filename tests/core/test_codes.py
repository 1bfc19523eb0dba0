from collections import Counter

import pytest

from minuteserv.core import codes
from minuteserv.core.codes import LETTERS_AND_DIGITS, random_code


def test_a_code_has_its_length_and_only_its_alphabet() -> None:
    code = random_code(LETTERS_AND_DIGITS, 14)

    assert len(code) == 14
    assert set(code) <= set(LETTERS_AND_DIGITS)


def test_every_code_of_the_alphabet_is_drawn_about_as_often() -> None:
    """Two characters of three letters: nine codes, each about a ninth of 9,000 draws."""
    drawn = Counter(random_code("abc", 2) for _ in range(9000))

    assert sorted(drawn) == sorted(a + b for a in "abc" for b in "abc")
    assert all(700 < count < 1300 for count in drawn.values()), drawn


@pytest.mark.parametrize(("number", "code"), [(0, "aaa"), (1, "baa"), (3, "aba"), (26, "ccc")])
def test_the_draw_is_read_as_digits_of_the_alphabet(
    monkeypatch: pytest.MonkeyPatch, number: int, code: str
) -> None:
    """One draw below 3³ names each of the 27 codes once."""

    def randbelow(bound: int) -> int:
        assert bound == 27
        return number

    monkeypatch.setattr(codes.secrets, "randbelow", randbelow)

    assert random_code("abc", 3) == code
