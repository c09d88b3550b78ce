"""CommuteModel: households and their morning trips on a multimodal city network (Mesa).

Two ways to run it:

- :meth:`CommuteModel.equilibrate` solves the combined mode and route choice equilibrium
  (logit mode choice, Wardrop route choice, congested roads and crowded lines) to a stated
  relative gap (:mod:`sim.equilibrium`). Appraisal, comparisons, batches and calibration use it.
- :meth:`CommuteModel.step` is one simulated day of learning: households perceive yesterday's
  network, each trip takes its best alternative given its persistent tastes, flows are averaged
  by the method of successive averages, perceptions move toward experience. The browser app and
  users who study dynamics use it.

Both run one numba pass over destination zones per iteration or day (:mod:`sim.assign`,
:mod:`sim.kernels.day`).

The package: :mod:`sim.model.commute` (the model: setup and the two ways to run),
:mod:`sim.model.day` (the day kernel's graph and parameters), :mod:`sim.model.trip_outputs` and
:mod:`sim.model.network_outputs` (what it reports), :mod:`sim.model.reporters` (what Mesa's
DataCollector records each day). Its behaviour parameters are :class:`sim.choice.ChoiceParams`.
"""

from __future__ import annotations

from sim.choice import ChoiceParams
from sim.constants import TRIPS_PER_MONTH
from sim.model.commute import CommuteModel

__all__ = ["TRIPS_PER_MONTH", "ChoiceParams", "CommuteModel"]
