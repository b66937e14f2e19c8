"""Final page assembly: hard filters, creator/hashtag run limits, exploration slots."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple


class Slot(NamedTuple):
    """A candidate for a page position. A named tuple, not a frozen dataclass: a page builds a couple of
    hundred, and the dataclass's per-field __setattr__ made ranking at 100k videos 8 % slower."""

    item: int
    score: float
    creator: Hashable
    hashtags: frozenset[str]
    explore: bool = False


def breaks_run(page: list[Slot], cand: Slot, max_run: int) -> bool:
    """True if adding cand makes more than max_run consecutive items share a creator or a hashtag."""
    if len(page) < max_run:
        return False
    tail = page[-max_run:]
    # Unknown creators (None) never form a run: they are not known to be the same person.
    if cand.creator is not None and all(s.creator == cand.creator for s in tail):
        return True
    shared = set(cand.hashtags)
    for s in tail:
        shared &= s.hashtags
        if not shared:
            return False
    return True


def assemble(ranked: Sequence[Slot], explore: Sequence[Slot], k: int, max_run: int = 2,
             exploration_share: float = 0.0, keep: Callable[[Slot], bool] | None = None) -> list[Slot]:
    """Greedy fill in score order. Exploration items take every round(1/share)-th slot so new videos
    reach an audience without pushing a whole page of unknowns; a diversity-blocked item waits for the
    next position rather than being dropped."""
    keep = keep or (lambda s: True)
    main = [s for s in ranked if keep(s)]
    pool = [s for s in explore if keep(s)]
    every = round(1.0 / exploration_share) if exploration_share > 0 and pool else 0
    page: list[Slot] = []
    used: set[int] = set()
    # The run state, updated once per placed item: a blocked queue is scanned in full for every slot, so
    # the per-candidate test must be a couple of comparisons (breaks_run's, incrementally).
    run_creator: Hashable = None
    run_len = 0
    run_tags: frozenset[str] = frozenset()
    while len(page) < k and (main or pool):
        want_explore = every > 0 and (len(page) + 1) % every == 0 and pool
        queues = (pool, main) if want_explore else (main, pool)
        full = len(page) >= max_run
        same_creator = run_creator if full and run_len >= max_run else None
        placed = False
        for q in queues:
            for i, cand in enumerate(q):
                if cand.item in used or (full and ((same_creator is not None and cand.creator == same_creator)
                                                   or not run_tags.isdisjoint(cand.hashtags))):
                    continue
                page.append(cand)
                used.add(cand.item)
                del q[i]
                placed = True
                break
            if placed:
                break
        if not placed:
            # Every remaining candidate would break a run: relax rather than return a short page.
            rest = [c for c in main + pool if c.item not in used]
            if not rest:
                break
            page.append(rest[0])
            used.add(rest[0].item)
            for q in (main, pool):
                if rest[0] in q:
                    q.remove(rest[0])
        last = page[-1]
        run_len = run_len + 1 if last.creator is not None and last.creator == run_creator else 1
        run_creator = last.creator
        tail = page[-max_run:]
        run_tags = frozenset.intersection(*(t.hashtags for t in tail)) if len(tail) == max_run else frozenset()
    return page
