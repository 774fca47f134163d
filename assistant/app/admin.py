"""The admin token: whether one is configured, and whether a typed token is it."""

from __future__ import annotations

import hmac

from assistant.settings import Settings


def admin_enabled(settings: Settings) -> bool:
    """Whether an admin token is configured at all (otherwise the library is read-only)."""
    return settings.ui.admin_token is not None and bool(settings.ui.admin_token.get_secret_value())


def is_admin(settings: Settings, token: str | None) -> bool:
    """Whether ``token`` is the configured admin token (compared in constant time)."""
    if not token or not admin_enabled(settings):
        return False
    return hmac.compare_digest(token.strip().encode(), settings.ui.admin_token.get_secret_value().encode())
