"""Indian phone numbers, normalised to E.164 (`9876543210` -> `+919876543210`)."""

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, WithJsonSchema

DEFAULT_REGION = "IN"
MAX_STORED_LENGTH = 15  # the phone columns are VARCHAR(15)


def normalise_phone(raw: str) -> str:
    """The E.164 form of a valid phone number; ValueError for anything else."""
    try:
        number = phonenumbers.parse(raw.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > MAX_STORED_LENGTH:
        raise ValueError("phone numbers longer than 14 digits are not supported")
    return e164


PhoneNumber = Annotated[
    str,
    AfterValidator(normalise_phone),
    WithJsonSchema({"type": "string", "examples": ["+919876543210"], "maxLength": 20}),
]
