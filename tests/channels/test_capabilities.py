"""Which optional abilities the built-in channel types declare, as the callers see them."""

from __future__ import annotations

from incidentctl.channels.capabilities import (
    IdempotentResend,
    LengthBound,
    LengthNote,
    PayloadPreview,
    Reconciling,
    SettingsCheck,
    Threading,
)
from incidentctl.channels.console import ConsoleChannel
from incidentctl.channels.email.sendgrid import SendGridChannel
from incidentctl.channels.pagerduty import PagerDutyChannel
from incidentctl.channels.slack.channel import SlackChannel
from incidentctl.channels.sms.channel import SmsChannel
from incidentctl.channels.statuspage import StatuspageChannel
from incidentctl.channels.twitter import TwitterChannel
from incidentctl.channels.webhook import WebhookChannel


def test_abilities_are_declared_not_inherited() -> None:
    assert isinstance(StatuspageChannel, Threading) and StatuspageChannel.needs_thread
    assert not isinstance(WebhookChannel, Threading)
    # an X reply chain and an e-mail thread wait for their first message; a chat warns
    assert isinstance(TwitterChannel, Threading) and TwitterChannel.needs_thread
    assert isinstance(SendGridChannel, Threading) and SendGridChannel.needs_thread
    assert isinstance(SlackChannel, Threading) and not SlackChannel.needs_thread
    assert isinstance(StatuspageChannel, Reconciling)
    assert not isinstance(WebhookChannel, Reconciling)
    assert isinstance(WebhookChannel, PayloadPreview)
    assert not isinstance(SmsChannel, PayloadPreview)
    assert isinstance(SmsChannel, LengthNote)
    assert not isinstance(TwitterChannel, LengthNote)
    assert isinstance(TwitterChannel, LengthBound)
    assert not isinstance(SmsChannel, LengthBound)
    assert isinstance(PagerDutyChannel, IdempotentResend) and PagerDutyChannel.idempotent_resend
    assert not isinstance(WebhookChannel, IdempotentResend)


def test_console_has_only_the_settings_check() -> None:
    abilities = (Threading, Reconciling, PayloadPreview, LengthNote, LengthBound, IdempotentResend)
    assert not any(isinstance(ConsoleChannel, ability) for ability in abilities)
    assert isinstance(ConsoleChannel, SettingsCheck)
