"""What the care module hands to the layers below when the app is loaded: periodic tasks,
subscriptions, the meal points for "what is near me". One function per area, called from
`CareConfig.ready()`."""

from __future__ import annotations


def ready() -> None:
    pass
