"""How many SMS segments a text takes, and in which encoding (GSM-7 or UCS-2)."""

from __future__ import annotations

# GSM 03.38 default alphabet (the escape character itself excluded) and extension table
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def segments(text: str) -> tuple[str, int]:
    """("GSM-7" | "UCS-2", number of SMS segments) for `text`.

    GSM-7: 160 septets in one SMS, 153 per part when concatenated; extension characters take
    two septets and are never split across parts. UCS-2: 70 UTF-16 units, 67 per part; a
    character outside the BMP (most emoji) takes two units and is never split."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        encoding, single, part = "GSM-7", 160, 153
        units = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        encoding, single, part = "UCS-2", 70, 67
        units = [2 if ord(c) > 0xFFFF else 1 for c in text]
    total = sum(units)
    if total == 0:
        return encoding, 0
    if total <= single:
        return encoding, 1
    count, used = 1, 0
    for unit in units:
        if used + unit > part:
            count += 1
            used = 0
        used += unit
    return encoding, count
