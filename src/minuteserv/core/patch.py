"""PATCH bodies: a field left out stays as it is."""

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator


class PatchBody(BaseModel):
    """Send at least one field to change; those in NOT_NULL may be left out but not be null.
    Fields in FLAGS steer how the change is made and are not changes themselves."""

    model_config = ConfigDict(extra="forbid")

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()
    FLAGS: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("may be left out, but not null")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.changes():
            raise ValueError("send at least one field to change")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, with their values."""
        return self.model_dump(exclude_unset=True, exclude=set(self.FLAGS))
