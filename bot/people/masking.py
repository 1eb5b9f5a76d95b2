"""Personal data shown in chat and logs is masked; full values only in staff exports."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_name(name: str) -> str:
    """王小明 -> 王*明, 王明 -> 王*, a longer name keeps its first and last character."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(external_id: str) -> str:
    """A channel id for logs: oAbc123456789xyz -> oA…yz (enough to tell senders apart)."""
    value = external_id.strip()
    return value[:2] + "…" + value[-2:] if len(value) > 6 else "****"
