"""``ladera viz``: serve the students' browser app (Mesa SolaraViz)."""

from __future__ import annotations

import argparse
import warnings

from sim.errors import MissingExtraError


def viz(args: argparse.Namespace) -> int:
    try:
        import sim.viz.page  # noqa: F401  (solara, mesa.visualization: a missing extra shows here)
        from sim.viz.server import end_lingering_threads, is_loopback, serve
    except ModuleNotFoundError as exc:  # solara, altair...: the `viz` extra is not installed
        if (exc.name or "").split(".")[0] == "sim":
            raise
        raise MissingExtraError("ladera viz", "viz", exc.name) from None
    if not is_loopback(args.host):
        warnings.warn(f"`--host {args.host}` serves the app to other machines on the network, "
                      "with no password; the default 127.0.0.1 keeps it on this one", stacklevel=1)  # fmt: skip
    serve(args.city, port=args.port, host=args.host)
    end_lingering_threads()
    return 0
