"""Numba kernels: counter-based random numbers, inverse-CDF sampling, CPM passes.

Kernels take numpy arrays and scalars only; they know nothing of YAML, pandas or dates.
"""
