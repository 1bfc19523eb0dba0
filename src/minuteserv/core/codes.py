"""Random codes people read (booking numbers, partner codes, the simulated gateway's ids)."""

import secrets
import string

LETTERS_AND_DIGITS = string.ascii_uppercase + string.digits


def random_code(alphabet: str, length: int) -> str:
    """`length` characters, each equally likely to be any of `alphabet`: the digits, in base
    len(alphabet), of one number drawn from the system's randomness. (`secrets.choice` a
    character costs a system call each, and confirm makes two such codes.)"""
    number = secrets.randbelow(len(alphabet) ** length)
    characters = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        characters.append(alphabet[digit])
    return "".join(characters)
