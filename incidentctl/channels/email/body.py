"""The Mail Send request body of one e-mail, without its recipients (added per request)."""

from __future__ import annotations

from typing import Any

from incidentctl.channels.base import BaseChannel, Outgoing, require_safe_url
from incidentctl.channels.email.addresses import angle, clean_header, is_email
from incidentctl.channels.email.settings import SendGridSettings
from incidentctl.errors import DeliveryError


def mail_body(
    channel: BaseChannel[SendGridSettings], outgoing: Outgoing, from_email: str, mail_id: str
) -> dict[str, Any]:
    """Sender, subject, text and HTML parts, and headers: `Message-ID`, the thread's
    `In-Reply-To`/`References`, `List-Unsubscribe`. Header values never carry CR/LF."""
    settings = channel.settings
    resolve = channel.resolve
    message = outgoing.message
    if not message.text.strip():
        raise DeliveryError("sendgrid: the rendered e-mail text is empty")
    subject = clean_header(message.subject or message.text.strip().splitlines()[0])
    sender: dict[str, str] = {"email": from_email}
    from_name = clean_header(resolve(settings.from_name, key="from_name"))
    if from_name:
        sender["name"] = from_name
    content = [{"type": "text/plain", "value": message.text}]
    if message.html and message.html.strip():
        content.append({"type": "text/html", "value": message.html})
    headers = {"Message-ID": mail_id}
    if outgoing.thread:
        thread = angle(outgoing.thread)
        headers["In-Reply-To"] = thread
        headers["References"] = thread
    if settings.unsubscribe_url:
        url = clean_header(resolve(settings.unsubscribe_url, key="unsubscribe_url"))
        if not url.lower().startswith("mailto:"):
            require_safe_url(url, "unsubscribe_url", channel.name)
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        headers["List-Unsubscribe"] = f"<{url}>"
    body: dict[str, Any] = {
        "from": sender,
        "subject": subject,
        "content": content,
        "headers": headers,
    }
    if settings.reply_to:
        reply_to = clean_header(resolve(settings.reply_to, key="reply_to"))
        if not is_email(reply_to):
            raise DeliveryError(f"channel {channel.name!r}: reply_to is not a valid address")
        body["reply_to"] = {"email": reply_to}
    return body
