"""Risk drivers: what each risk adds to the project finish's percentiles and cost,
measured by rerunning the network without it on the same random draws."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from riskengine.analysis.results import pkey
from riskengine.engine.compile import CompiledNetwork
from riskengine.engine.runner import Backend, run_kernel


def risk_drivers(
    net: CompiledNetwork,
    seed: int,
    outputs: np.ndarray,
    output_ids: Sequence[str],
    percentiles: Sequence[float] = (50.0, 80.0),
    *,
    block: int,
    lhs_n: int = 0,
    backend: Backend | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Working days each risk adds to each output's percentiles: the simulation's
    percentile minus the same run's percentile with that risk removed (same draws).
    ``outputs``: the run's finishes in working days of the project calendar (the days
    results are read in), as the reruns' finishes are converted. ``backend`` runs the
    reruns (None: this machine's threads)."""
    n_iter = outputs.shape[0]
    base = np.percentile(outputs, percentiles, axis=0)
    times_only = net.without_costs()
    drivers: dict[str, dict[str, dict[str, float]]] = {}
    for r, rid in enumerate(net.risk_ids):
        if net.risk_p[r] == 0:
            without = base
        else:
            p = net.risk_p.copy()
            p[r] = 0.0
            rerun = run_kernel(
                dataclasses.replace(times_only, risk_p=p),
                n_iter,
                seed,
                criticality=False,
                block=block,
                lhs_n=lhs_n,
                backend=backend,
            )
            days = net.timeline.to_project_days(rerun.out)
            without = np.percentile(days, percentiles, axis=0)
        drivers[rid] = {
            oid: {pkey(q): float(base[i, m] - without[i, m]) for i, q in enumerate(percentiles)}
            for m, oid in enumerate(output_ids)
        }
    return drivers
