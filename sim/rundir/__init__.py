"""Output folders: the run folder's format, written in one place, and the rules of every folder.

- :mod:`sim.rundir.names`: names safe as one folder name; folders checked writable first
- :mod:`sim.rundir.claims`: who is writing which folder now; what killed writers left behind
- :mod:`sim.rundir.atomic`: files and folders written under a temporary name, then renamed
- :mod:`sim.rundir.write`: the run folder (``results/<scenario>/<run-id>/``) and its manifest
- :mod:`sim.rundir.summary`: the run's headline numbers (``summary.json``)

Results are never overwritten: a run, comparison or batch folder that exists is an error (or,
for a default id, the next free ``-2``, ``-3``... name), and every folder is checked writable
before a simulation starts. Importing this package imports none of its modules.
"""
