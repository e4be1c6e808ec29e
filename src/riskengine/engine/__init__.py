"""The engine: a model compiled to flat arrays (:mod:`.compile`, :mod:`.encoding`,
:mod:`.correlation`, :mod:`.calendar`), run through the numba kernels
(:mod:`.runner`) and wrapped in results (:mod:`.simulation`)."""
