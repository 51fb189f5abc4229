"""Process-level settings that matter at scale."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large structures.

    Loading a million observations allocates tens of millions of objects,
    none of them in reference cycles; the collector would scan the growing
    heap again and again (a third of the load time at 100k observations) for
    nothing. Reference counting still frees everything as usual.

    When the block ends, what survives it is frozen (`gc.freeze`) before the
    collector runs again: the collector would otherwise start by scanning
    every object allocated meanwhile, all still in its youngest generation
    (2.4 s after loading a million observations, 0.9 s after evaluating
    them). Frozen objects are still freed by reference counting; only a
    reference cycle among them would outlive its last use, and the case and
    report have none.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
