"""Date and number formats Django does not have: traditional Mongolian (`mn_Mong`).

Without them Django would take `mn`'s, whose month names are Cyrillic."""
