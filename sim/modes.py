"""The modes of travel: their names, what households choose between, and their colours.

One palette for every figure, the report's and the browser app's, so that the same mode has the
same colour everywhere (Okabe and Ito's colour-blind-safe colours, with grey for walking).
Importing this module imports nothing else.
"""

from __future__ import annotations

#: Reported modes (a transit trip is named by its main vehicle: cable, else metro, else bus), in
#: the order of the run tables' categorical ``mode`` column.
MODE_NAMES = ("walk", "bus", "metro", "cable", "car", "motorbike")
#: The transit modes among them.
TRANSIT_MODES = ("bus", "metro", "cable")
#: What households choose between.
ALTERNATIVES = ("walk", "transit", "car", "motorbike")
#: Each mode's colour in every figure.
MODE_COLOURS = {
    "walk": "#8c8c8c", "bus": "#e6a100", "metro": "#0072b2", "cable": "#009e73",
    "car": "#d55e00", "motorbike": "#cc79a7",
}  # fmt: skip
#: The colour of a line an intervention adds: its mode's.
LINE_COLOURS = {
    "cable_line": MODE_COLOURS["cable"],
    "bus_route": MODE_COLOURS["bus"],
    "bundled_line": MODE_COLOURS["metro"],
}
