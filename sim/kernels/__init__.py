"""The numba kernels, on plain arrays (numpy, numba and math only). Where their compiled code
is cached is set by :mod:`sim` before any of them is imported (:func:`sim.use_hashed_cache`)."""
