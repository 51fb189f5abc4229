"""The collector's pause: freezing is for the command line only."""

from __future__ import annotations

import gc

from iandw.runtime import paused_gc


def test_the_library_pauses_without_freezing() -> None:
    # command lines run in this process froze what they built; as any of it is freed the
    # count falls, so start from nothing frozen
    gc.unfreeze()
    frozen = gc.get_freeze_count()
    enabled = gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        built = [[n] for n in range(1000)]
    assert gc.isenabled() == enabled
    assert gc.get_freeze_count() == frozen  # a library user's cycles stay collectable
    assert len(built) == 1000


def test_the_command_line_freezes_what_it_built() -> None:
    try:
        with paused_gc(freeze=True):
            built = [[n] for n in range(1000)]
        assert gc.get_freeze_count() >= len(built)
    finally:
        gc.unfreeze()


def test_an_inner_pause_leaves_the_collector_off_until_the_outer_one_ends() -> None:
    """The command line pauses around `load` and `evaluate`, which pause too."""
    frozen_before = gc.get_freeze_count()
    try:
        with paused_gc(freeze=True):
            with paused_gc():
                pass
            assert not gc.isenabled()
            assert gc.get_freeze_count() == frozen_before  # the inner pause froze nothing
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()
