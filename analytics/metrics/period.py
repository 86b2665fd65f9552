"""Periods and filters shared by every metric.

A `Period` is an inclusive date range; `previous()` is the period of equal length just before it,
which is what "change vs the previous period" compares against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """Inclusive range of calendar days, e.g. Period(date(2024,1,1), date(2024,1,7)) = 7 days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length ending the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def params(self) -> dict[str, date]:
        """Bind values for SQL files taking `$start` and `$end`."""
        return {"start": self.start, "end": self.end}


def last_full_week(latest: date) -> Period:
    """The last Monday–Sunday week that ends on or before `latest`.

    >>> last_full_week(date(2024, 1, 10))  # a Wednesday
    Period(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 1, 7))
    >>> last_full_week(date(2024, 1, 7))  # a Sunday: that week is complete
    Period(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 1, 7))
    """
    end = latest - timedelta(days=(latest.weekday() + 1) % 7)
    return Period(end - timedelta(days=6), end)


@dataclass(frozen=True)
class Scope:
    """Which shop and platform the metrics look at; None means all."""

    shop: str | None = None
    platform: str | None = None

    def params(self) -> dict[str, str | None]:
        """Bind values for SQL files taking `$shop` and `$platform` (NULL = all)."""
        return {"shop": self.shop, "platform": self.platform}
