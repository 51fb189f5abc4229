"""Assessment: what the engine's indicator results say about each hypothesis (SPEC §7).

`arithmetic` is the scoring arithmetic over numbers and small records:
Admiralty source weights, noisy-OR confidence, the posterior, ICD 203
terms and warning levels.  `hypotheses` scores each hypothesis ACH-style
from indicator results (with sensitivity).  The scoring tables both read
are data in iandw.model.scoring.  Both are pure functions of in-memory
objects: no files, no rendering.
"""
