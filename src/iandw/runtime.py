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
    nothing. Reference counting still frees everything as usual; the
    collector runs again when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
