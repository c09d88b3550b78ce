"""The students' browser app (``ladera viz``): Mesa SolaraViz over the commute model, offline.

:func:`sim.viz.server.serve` runs it; :mod:`sim.viz.citymap` and :mod:`sim.viz.charts` draw the
map and the charts, :mod:`sim.viz.components` lays them out.
Importing this package is cheap: Solara is only imported with :mod:`sim.viz.app`.
"""

from __future__ import annotations

import warnings

# Mesa 3.3's ComponentsView trips Solara's hook linter when imported; harmless, and noise on
# the console of `ladera viz`.
warnings.filterwarnings("ignore", message=r".*found despite early return", category=UserWarning)
warnings.filterwarnings("ignore", message=r"Failed to validate hooks", category=UserWarning)

__all__ = ["serve"]


def serve(city: str = "porto_alegre", port: int = 8765, host: str = "127.0.0.1") -> None:
    """Run the app until interrupted; see :func:`sim.viz.server.serve`."""
    from sim.viz.server import serve as _serve

    _serve(city, port=port, host=host)
