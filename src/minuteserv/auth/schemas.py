import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from minuteserv.core.phone import PhoneNumber

OtpCode = Annotated[
    str, Field(pattern=r"^[0-9]{6}$", examples=["123456"], description="The 6 digits sent by SMS")
]


class SendOtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: PhoneNumber


class OtpSent(BaseModel):
    message: str = "OTP sent"
    expires_in: int = Field(description="Seconds the code stays valid")
    resend_after: int = Field(description="Seconds before another code may be requested")


class VerifyOtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: PhoneNumber
    otp_code: OtpCode


class SignedInUser(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    phone_number: str
    name: str | None
    email: str | None
    is_verified: bool


class SignedIn(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds the token stays valid")
    user: SignedInUser
