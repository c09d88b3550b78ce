"""Sums that do not depend on how many threads the machine lends.

NumPy's ``@`` on large arrays hands the sum to BLAS, and OpenBLAS splits a long dot product
over its threads: one thread and two give results that differ in the last bit (measured here:
50011.663607257884 against 50011.66360725788 for the same 200,000 products). The equilibrium
solver's line search and gap feed such sums into every later step, so a last-bit difference
grows into a different point after a dozen iterations on Porto Alegre. A comparison runs its
scenarios in Dask workers, which start BLAS with one thread, or in this process, which
starts it with one per core: the same seed must give the same result either way. These
helpers sum with NumPy's own pairwise summation, which never threads.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """``a @ b`` of two vectors, summed in the same order on any machine."""
    return float(np.sum(np.multiply(a, b, dtype=np.float64)))


def matvec(m: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    """``m @ v`` (rows of ``m`` times the vector), each row summed in the same order anywhere."""
    return np.sum(np.multiply(m, v[None, :], dtype=np.float64), axis=1)


def vecmat(v: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
    """``v @ m`` (the vector times the columns of ``m``)."""
    return np.sum(np.multiply(v[:, None], m, dtype=np.float64), axis=0)
