"""The `sendgrid` channel's playbook keys, validated where they are written literally."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from incidentctl.channels.base import ChannelSettings
from incidentctl.channels.email.addresses import BREAKS, is_email
from incidentctl.channels.secrets import SECRET


def is_reference(value: str) -> bool:
    """A `${VAR}` value: checked once it is resolved, at send time."""
    return "${" in value


class SendGridSettings(ChannelSettings):
    api_key: Annotated[str, SECRET]
    from_email: str
    from_name: str = ""
    to: list[str] = Field(default_factory=list)
    subscribers_file: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    api_base: str | None = None

    @field_validator("from_email", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not is_reference(value) and not is_email(value.strip()):
            raise ValueError(f"not a valid e-mail address: {value!r}")
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for index, address in enumerate(value, 1):
            if not is_reference(address) and not is_email(address.strip()):
                raise ValueError(f"entry {index} is not a valid e-mail address: {address!r}")
        return value

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe(cls, value: str | None) -> str | None:
        if value is not None and BREAKS.search(value):
            raise ValueError("must be on one line")
        return value

    @model_validator(mode="after")
    def _recipients(self) -> SendGridSettings:
        if not self.to and not self.subscribers_file:
            raise ValueError("give `to` (a list of addresses) and/or `subscribers_file`")
        return self
