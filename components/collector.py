"""Pausing Python's cyclic garbage collector while a large object graph is built and kept.

In its own module, without Pulumi: the ``amlstack plan`` command applies it, and importing the
command line loads nothing heavy (`components.recording` re-exports it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_collector"]


@contextmanager
def paused_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, e.g. while a program is recorded.

    A recording allocates hundreds of thousands of objects (Outputs, asyncio tasks, and a
    reference cycle per ``rpc.contains_unknowns`` call of the SDK) that live until the end; the
    collector kept re-scanning them and took over half the time of a 50-workspace plan. When it
    resumes, they first move to its oldest generation (freeze, then unfreeze): the young
    generations' collections would otherwise scan all of them two or three times more (2 s of a
    50-workspace plan, benchmarks/plan_bench.py); the next full collection frees the garbage.
    A caller that turned the collector off keeps it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # never thaw what a caller froze
            gc.freeze()
            gc.unfreeze()
        gc.enable()
