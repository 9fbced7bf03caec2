"""The thresholds in force and their calibration on a rolling window of recent scores, so that the realised
share of each channel tracks the target rates (:mod:`cuakhau.domain.customs`)."""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cuakhau.domain.customs.profile import _RED_RANK, _YELLOW_RANK, Channel, SelectivityProfile


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Scores at or above which a declaration goes red / at least yellow.

    At exactly the threshold score it goes over with probability ``*_tie`` (drawn from the seeded stream): a
    block of identical scores straddling the cut is split in the calibrated proportion instead of all going
    one way. ``None`` means no declaration passes on its score alone.
    """

    red: float | None
    red_tie: float
    yellow: float | None
    yellow_tie: float
    calibrated_on: int = 0  # window size used; 0 = the profile's initial thresholds

    def to_dict(self) -> dict[str, Any]:
        return {
            "red": self.red,
            "red_tie": self.red_tie,
            "yellow": self.yellow,
            "yellow_tie": self.yellow_tie,
            "calibrated_on": self.calibrated_on,
        }


def initial_thresholds(profile: SelectivityProfile) -> Thresholds:
    c = profile.calibration
    return Thresholds(red=c.initial_red_threshold, red_tie=1.0, yellow=c.initial_yellow_threshold, yellow_tie=1.0)


def _cut(scores: Sequence[float], wanted: float) -> tuple[float | None, float]:
    """A threshold and tie probability so that the expected number of ``scores`` passing is ``wanted``.

    ``scores`` is sorted ascending.
    """
    n = len(scores)
    if wanted <= 0 or n == 0:
        return None, 0.0
    if wanted >= n:
        return scores[0], 1.0
    # the score of the ceil(wanted)-th largest: everything above it passes, part of its tie block passes
    t = scores[n - math.ceil(wanted)]
    above = n - bisect.bisect_right(scores, t)
    equal = bisect.bisect_right(scores, t) - bisect.bisect_left(scores, t)
    return t, min(1.0, max(0.0, (wanted - above) / equal))


def _cut_any(scores: Sequence[float] | _SortedCounts, wanted: float) -> tuple[float | None, float]:
    return scores.cut(wanted) if isinstance(scores, _SortedCounts) else _cut(scores, wanted)


def calibrate(window: Sequence[tuple[float, int]], profile: SelectivityProfile) -> Thresholds:
    """Thresholds under which ``window`` (score, floor rank) would have met the targets in expectation.

    Random sampling raises a declaration from below with the published rates, and hard-rule floors cannot be
    lowered, so the score-based shares are set to what remains: with targets R (red), Y (yellow) and random
    rates r (red), y (yellow), a share R' = (R − r)/(1 − r) must be red before sampling, and
    (R + Y − r − y)/(1 − r − y) at least yellow. The floors take their part of those shares first.
    """
    red_rank, yellow_rank = Channel.RED.rank, Channel.YELLOW.rank
    return _thresholds(
        len(window),
        sum(1 for _, f in window if f >= red_rank),
        sum(1 for _, f in window if f >= yellow_rank),
        sorted(s for s, f in window if f < red_rank),
        sorted(s for s, f in window if f < yellow_rank),
        profile,
    )


def _thresholds(
    n: int,
    forced_red: int,
    forced_up: int,
    red_candidates: Sequence[float] | _SortedCounts,
    up_candidates: Sequence[float] | _SortedCounts,
    profile: SelectivityProfile,
) -> Thresholds:
    """:func:`calibrate` from the window's counts of floors and its sorted candidate scores."""
    if n == 0:
        return initial_thresholds(profile)
    t = profile.targets
    rr, ry = profile.random_red, profile.random_yellow
    red_share = (t.red - rr) / (1.0 - rr) if rr < 1.0 else 0.0
    up_share = (t.red + t.yellow - rr - ry) / (1.0 - rr - ry) if rr + ry < 1.0 else 0.0
    red, red_tie = _cut_any(red_candidates, red_share * n - forced_red)
    yellow, yellow_tie = _cut_any(up_candidates, up_share * n - forced_up)
    return Thresholds(red=red, red_tie=red_tie, yellow=yellow, yellow_tie=yellow_tie, calibrated_on=n)


class _SortedCounts:
    """A multiset of scores as its distinct scores, sorted, and their counts: putting a score in or taking it out
    touches a dict unless the score is new or gone (few distinct scores: a simulator's cargo kinds), and
    :meth:`cut` equals :func:`_cut` on the sorted list of all of them."""

    __slots__ = ("counts", "keys", "n")

    def __init__(self) -> None:
        self.keys: list[float] = []
        self.counts: dict[float, int] = {}
        self.n = 0

    def add(self, score: float) -> None:
        c = self.counts.get(score)
        if c is None:
            bisect.insort(self.keys, score)
            self.counts[score] = 1
        else:
            self.counts[score] = c + 1
        self.n += 1

    def discard(self, score: float) -> None:
        c = self.counts[score]
        if c == 1:
            del self.counts[score]
            del self.keys[bisect.bisect_left(self.keys, score)]
        else:
            self.counts[score] = c - 1
        self.n -= 1

    def move(self, score: float, delta: int) -> None:
        """Put ``score`` in ``delta`` times (take it out when negative); the multiset never goes below zero."""
        c = self.counts.get(score)
        if c is None:
            if delta:
                bisect.insort(self.keys, score)
                self.counts[score] = delta
        else:
            c += delta
            if c == 0:
                del self.counts[score]
                del self.keys[bisect.bisect_left(self.keys, score)]
            else:
                self.counts[score] = c
        self.n += delta

    def cut(self, wanted: float) -> tuple[float | None, float]:
        """:func:`_cut`: the ceil(wanted)-th largest score, and the share of its tie block that passes."""
        n = self.n
        if wanted <= 0 or n == 0:
            return None, 0.0
        if wanted >= n:
            return self.keys[0], 1.0
        k = math.ceil(wanted)
        above = 0
        counts = self.counts
        for t in reversed(self.keys):
            equal = counts[t]
            if above + equal >= k:
                return t, min(1.0, max(0.0, (wanted - above) / equal))
            above += equal
        raise AssertionError("unreachable: the counts add up to n")  # pragma: no cover


class RollingWindow:
    """The calibration window kept sorted as it rolls: the scores in the window as a sorted multiset of candidates
    (:class:`_SortedCounts`), so a recalibration reads sorted candidates instead of sorting the window.

    A score going in or out only moves a count of its (score, floor rank) pair; the candidates take the net
    moves when the window is next calibrated (with few distinct pairs, as in the simulator, a few dict updates
    every ``recalibrate_every`` declarations instead of four on every one). Same multiset of scores, same
    cuts, so :meth:`calibrate` equals :func:`calibrate` on the window.
    """

    __slots__ = ("_forced_red", "_forced_up", "_items", "_pending", "_red", "_size", "_up")

    def __init__(self, size: int, items: Sequence[tuple[float, int]] = ()) -> None:
        self._size = size
        self._items: deque[tuple[float, int]] = deque()
        self._pending: dict[tuple[float, int], int] = {}  # net moves not yet in the candidates
        self._red = _SortedCounts()  # scores below a red floor
        self._up = _SortedCounts()  # scores below a yellow floor
        self._forced_red = self._forced_up = 0
        for score, floor_rank in items:  # all of them: a longer stored window is trimmed at the next append
            self._items.append((score, floor_rank))
            self._remove(score, floor_rank, 1)

    def __len__(self) -> int:
        return len(self._items)

    def append(self, score: float, floor_rank: int) -> None:
        """Add the newest score and keep the last ``size`` (as ``window[-size:]`` does)."""
        items = self._items
        pending = self._pending
        while len(items) >= self._size:
            old = items.popleft()
            pending[old] = pending.get(old, 0) - 1
        new = (score, floor_rank)
        items.append(new)
        pending[new] = pending.get(new, 0) + 1

    def _flush(self) -> None:
        """Move the pending counts into the candidates (and the forced counts)."""
        for (score, floor_rank), delta in self._pending.items():
            if delta:
                self._remove(score, floor_rank, delta)
        self._pending.clear()

    def _remove(self, score: float, floor_rank: int, delta: int) -> None:
        """Take ``score`` out (``delta`` < 0) or put it in (> 0), ``|delta|`` times: a candidate below its floor's
        channel, else a forced count."""
        if floor_rank < _YELLOW_RANK:
            self._red.move(score, delta)
            self._up.move(score, delta)
        elif floor_rank < _RED_RANK:
            self._red.move(score, delta)
            self._forced_up += delta
        else:
            self._forced_red += delta
            self._forced_up += delta

    def items(self) -> tuple[tuple[float, int], ...]:
        return tuple(self._items)

    def calibrate(self, profile: SelectivityProfile) -> Thresholds:
        if self._pending:
            self._flush()
        return _thresholds(len(self._items), self._forced_red, self._forced_up, self._red, self._up, profile)
