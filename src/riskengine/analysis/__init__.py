"""Analysis: numbers computed from a run (percentiles, target probabilities,
criticality, sensitivity, risk drivers, JCL, the risk register). Pure numpy and numba:
no plotting and no files (report/ draws and writes)."""
