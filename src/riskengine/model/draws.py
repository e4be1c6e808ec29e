"""Draw indices: which uniform of an entity's random stream each sample reads.

Every uniform is a pure function of ``(seed, stream, iteration, draw)``
(kernels/rng.py), and an entity's stream is a hash of its kind and id
(``engine.compile.stream_of``). A sample keeps its draw index whatever else the run
holds (other tasks, the risks' pre- or post-mitigation state, risks left out), so runs
that differ in one respect use common random numbers in every other. Changing an index
here changes every result; the kernels, the compiler, the correlation members and the
analyses that regenerate samples all read them from here.
"""

from __future__ import annotations

# In a task's stream ("task", id).
DURATION_DRAW = 0  # its duration (or remaining duration)
EXISTENCE_DRAW = 1  # whether it happens, when its existence is below 1
COST_FIXED_DRAW = 2  # the fixed part of its cost
COST_RATE_DRAW = 3  # its cost per working day

# In a risk's stream ("risk", id): occurrence, then three draws per impact, so adding a
# part to one impact never moves another impact's draws.
OCCURRENCE_DRAW = 0  # whether it occurs
DRAWS_PER_IMPACT = 3
IMPACT_DELAY_DRAW = 1  # impact 0's delay in working days; impact j's is 1 + 3j
IMPACT_DELAY_PCT_DRAW = 2  # impact 0's delay in % of the task's duration; 2 + 3j
IMPACT_COST_DRAW = 3  # impact 0's cost; 3 + 3j

_IMPACT_DRAW = {
    "delay": IMPACT_DELAY_DRAW,
    "delay_pct": IMPACT_DELAY_PCT_DRAW,
    "cost": IMPACT_COST_DRAW,
}

# In a project cost item's stream ("cost", id).
ITEM_FIXED_DRAW = 0  # its fixed amount
ITEM_RATE_DRAW = 1  # its amount per working day

# In a KPI benefit's stream ("benefit", KPI id).
BENEFIT_DRAW = 0  # its value per month


def impact_draw(j: int, kind: str) -> int:
    """The draw of part ``kind`` ("delay", "delay_pct" or "cost") of a risk's impact
    ``j`` (its position in the risk's list of impacts, which mitigation keeps)."""
    return _IMPACT_DRAW[kind] + DRAWS_PER_IMPACT * j
