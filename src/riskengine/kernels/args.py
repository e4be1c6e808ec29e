"""Constants shared by the compiler and the kernels (no numba here).

The ``task_slow`` bits: the compiler sets them, the kernel tests them.
"""

from __future__ import annotations

# Bits of ``task_slow[t]``: which parts of the full kernel task t needs (the others run
# the plain union-day code).
FORWARD_SLOW = 1  # its forward pass needs its calendar, a constraint or progress
BACKWARD_SLOW = 2  # its backward pass needs its or a successor's calendar, or progress
HAS_COST = 4  # it or one of its risk impacts carries money
