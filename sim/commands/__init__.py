"""The ``ladera`` sub-commands, one module each (``network`` holds ``info`` and ``fetch``).

Each command is a function that takes the namespace :mod:`sim.cli` parsed and returns the exit
code; :mod:`sim.cli` owns the parser, the exit codes of errors and their one-line messages.
Commands import their heavy modules lazily, so that ``ladera --help`` stays instant.
"""
