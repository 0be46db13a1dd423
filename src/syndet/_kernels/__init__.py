"""numba kernels, one module per stage (private). Importing any of them imports numba."""
