"""Traditional Mongolian: dates written with digits, year first (2026.12.03 14:05), as Inner
Mongolian forms and notices write them; no month or day names, so nothing can fall back to
Mongolia's Cyrillic. Every format is set here: a missing one would be read from Django's `mn`."""

DATE_FORMAT = "Y.m.d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y.m.d H:i"
YEAR_MONTH_FORMAT = "Y.m"
MONTH_DAY_FORMAT = "m.d"
SHORT_DATE_FORMAT = "Y.m.d"
SHORT_DATETIME_FORMAT = "Y.m.d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y.%m.%d", "%Y-%m-%d", "%Y/%m/%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y.%m.%d %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
