"""Exercises (issue 17): facilitated workshops in which roles take the plan's decisions on a live model.

* `msel` — exercise files (YAML, checked like scenarios) and the library (`library/*.yaml`);
* `roles` — the roles from the plan's governance, the decisions each may take, what they do;
* `engine` — an exercise in play (`ExerciseRun`): turns, decisions at the boundary, injects,
  snapshots, rewind, fork, the log, replay;
* `savefile` — save and restore mid-way (versioned, migrated);
* `report` — the after-action report (self-contained HTML);
* `cli` — `noodplan exercise …`.

The room in the browser (`viz/exercise_room.py`, `viz/exercise_app.py`) is built on these.
"""
