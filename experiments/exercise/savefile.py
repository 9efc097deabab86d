"""Save an exercise mid-way and restore it: a versioned JSON file of the exercise and its commands.

The run is deterministic, so the file holds what makes it, not its arrays: the exercise (with its
scenario written out in full, so the file does not depend on other files) and the commands so
far; restoring replays them (`engine.replay`) and gives the same state. Older versions of the
format are brought to today's layout by `MIGRATIONS`, one step per version.

Format (version 4): {"format": "noodplan-exercise", "format_version": 4, "code_version": …,
"fingerprint": …, "first_day_injects": "as the turn opens" | "after the turn's decisions",
"exercise": {…, "scenario": {…}}, "commands": [...], "lessons": {objective id or "general": text}}

The fingerprint is the state's when it was saved (`ExerciseRun.fingerprint`); a restore that replays
to another one (the save was written by other code: the model changed in between) is kept, with a
note the room and the report show (`ExerciseRun.replay_note`). Files without one (the first saves)
are restored without the check.

Version 1 (the first room, before the after-action report) had no lessons learned. Version 2 was
played by the earlier rule for an inject due on a turn's first day (day 0 included): it fired among the
turn's days, after that turn's decisions, and was answered a turn later. Version 3 names the rule it was
played by (`first_day_injects`), and a file is replayed, and goes on, by its rule: replayed by today's
rule, a workshop's decisions would meet its injects in another order and tell another story. A version-2
file written by the noodplan that already had today's rule (between the two changes) is known by its
fingerprint: replayed by the earlier rule it does not reproduce it, by today's it does. Version 4 may
hold `seat` commands (a table leaving the room, freed, taken over, back: `ExerciseRun.seat`); its layout
is version 3's. It was bumped so a noodplan before seats refuses such a save as "written by a newer
noodplan" rather than by its first seat command ("commands.N: unknown command 'seat'"), and a file of an
earlier version that holds one (edited by hand, or saved between the two changes) is refused in one line
(`COMMANDS_SINCE`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from experiments import outputs
from experiments.exercise.engine import ExerciseRun, replay
from experiments.exercise.msel import exercise_from_dict
from model.inputfile import decode, parse_json, read_bytes
from model.scenario import Scenario, ScenarioError, did_you_mean, not_another_kind_of_file, parse_yaml
from model.snapshot import code_version
from model.world import World

# the world a restored run plays on, given its scenario: a server's shared one (`viz.session.world_for`);
# None builds the run its own
WorldOf = Callable[[Scenario], World]

FORMAT = "noodplan-exercise"
FORMAT_VERSION = 4
MAX_BYTES = 16 << 20
# the rule for an inject due on a turn's first day (`ExerciseRun.opening_injects`) as a save names it
RULES = {"as the turn opens": True, "after the turn's decisions": False}
# the commands a later format brought, and the first version that may hold them
COMMANDS_SINCE = {"seat": 4}
# the fields a save of any version holds (version 1 without fingerprint, first_day_injects and lessons)
FIELDS = ("format", "format_version", "code_version", "fingerprint", "first_day_injects", "exercise", "commands",
          "lessons")


def _v1_to_v2(data: dict) -> dict:
    """Version 2 added the lessons learned (empty for a version-1 file)."""
    return {**data, "format_version": 2, "lessons": {}}


def _v2_to_v3(data: dict) -> dict:
    """Version 3 names the rule for injects due on a turn's first day; versions 1 and 2 were played by
    the earlier one (told after the turn's decisions)."""
    return {**data, "format_version": 3, "first_day_injects": "after the turn's decisions"}


def _v3_to_v4(data: dict) -> dict:
    """Version 4 may hold `seat` commands; a version-3 file has none (`_check_commands_of_version`)."""
    return {**data, "format_version": 4}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def to_dict(run: ExerciseRun) -> dict:
    with run.lock:
        ex = run.exercise.model_dump(mode="json")
        ex["scenario"] = run.scenario.model_dump(mode="json")
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "code_version": code_version(),
                "fingerprint": run.fingerprint(),
                "first_day_injects": next(k for k, v in RULES.items() if v == run.opening_injects),
                "exercise": ex, "commands": list(run.commands),
                "lessons": dict(run.lessons)}


def save(run: ExerciseRun, path: str | Path, force: bool | None = None) -> Path:
    """Write the exercise file, a *.json (whole or not at all: `experiments.outputs.write_text`); `force` as
    `outputs.check_file`'s (False: an existing file, a workshop's save, is not replaced)."""
    return outputs.write_text(path, json.dumps(to_dict(run), indent=1), ".json", "--save", force)


def from_dict(data: dict, source: str = "exercise save", world_of: WorldOf | None = None) -> ExerciseRun:
    """Restore a saved exercise (any known version); ScenarioError names what is wrong. `world_of`: the
    world to replay on for the save's scenario (a server's shared one), else one built for this run."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScenarioError(f"{source}: not a saved noodplan exercise (no 'format: {FORMAT}')")
    version = data.get("format_version")
    if type(version) is int and version > FORMAT_VERSION:
        raise ScenarioError(f"{source}: format_version {version}: written by a newer noodplan (this one reads "
                            f"versions 1 to {FORMAT_VERSION}); open it with that noodplan or a later one")
    if type(version) is not int or version < 1:
        raise ScenarioError(f"{source}: format_version {version!r:.40} is not one this noodplan reads "
                            f"(a whole number, 1 to {FORMAT_VERSION})")
    other = next((k for k in data if k not in FIELDS), None)
    if other is not None:       # `code_vesion` was taken, and the version it misspelt told as unknown
        raise ScenarioError(f"{source}: {other}: not a field of a saved exercise{did_you_mean(other, FIELDS)} "
                            f"(its fields: {', '.join(FIELDS)})")
    for key in ("code_version", "fingerprint"):     # told in the replay note ("saved by nan in state 7")
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{source}: {key}: text, as a save writes it (got {data[key]!r:.40})")
    _check_commands_of_version(data.get("commands"), version, source)
    migrated = version < 3          # played by the earlier rule, unless the fingerprint says otherwise
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version = data["format_version"]
    rule = data.get("first_day_injects")
    if not isinstance(rule, str) or rule not in RULES:
        raise ScenarioError(f"{source}: first_day_injects: one of {', '.join(repr(k) for k in RULES)} "
                            f"(the rule the exercise was played by; got {rule!r:.40})")
    ex, sc = exercise_from_dict(data.get("exercise"), f"{source}: exercise", builtin_parents=True)
    commands = data.get("commands")
    if not isinstance(commands, list):
        raise ScenarioError(f"{source}: commands: must be a list")
    lessons = _lessons(data.get("lessons"), {o.id for o in ex.objectives}, source)   # before the replay
    saved = data.get("fingerprint")
    try:
        world = world_of(sc) if world_of is not None else None
        run = _replayed(ex, sc, commands, RULES[rule], saved if migrated else None, world)
        for key, text in lessons.items():
            run.lesson(key, text)
    except ScenarioError as exc:          # the file is where the player looks: name it
        raise ScenarioError(f"{source}: {exc}") from None
    now = run.fingerprint()
    if isinstance(saved, str) and saved != now:
        run.replay_note = _replay_note(source, data.get("code_version"), saved, now)
    return run


def _check_commands_of_version(commands: object, version: int, source: str) -> None:
    """A save of a version before a command's (`COMMANDS_SINCE`) holds none of it: such a file was edited
    by hand or written by a noodplan that saved seats without saying so (between the two changes), and
    an earlier noodplan would refuse it by that command. (The commands' shapes are checked on replay.)"""
    for i, c in enumerate(commands if isinstance(commands, list) else ()):
        op = c.get("op") if isinstance(c, dict) else None
        since = COMMANDS_SINCE.get(op) if isinstance(op, str) else None
        if since is not None and version < since:
            raise ScenarioError(f"{source}: commands.{i}: a {op!r} command in a save of format_version {version}: "
                                f"{op!r} came with version {since} (a save with one says format_version {since} "
                                "or later)")


def _replay_note(source: str, saved_by: object, saved: str, now: str) -> str:
    """Why a save replays to another state than it was saved in: the model changed in between (another
    noodplan), or, replayed by the noodplan that wrote it, the file was edited after it was saved (its
    exercise, scenario or commands) or the checkout has uncommitted changes (the version names a commit)."""
    here = code_version()
    if saved_by == here:
        return (f"{source} was saved by this noodplan ({here}) in state {saved}, and replays to state {now}: "
                "its exercise, scenario or commands were changed after it was saved (or this checkout's code "
                "has changes not committed), so the figures may differ from what the tables saw")
    return (f"{source} was saved by {saved_by or 'another noodplan'} in state {saved}; replayed by {here} it is "
            f"in state {now}: the model changed in between, so the figures may differ from what the tables saw")


def _replayed(ex, sc, commands: list, opening_injects: bool, migrated_fingerprint: object,
              world: World | None = None) -> ExerciseRun:
    """The run replayed by the save's rule. `migrated_fingerprint`: a version-2 file's fingerprint (else
    None): such a file written by the noodplan that already told first-day injects as the turn opened
    (between the two changes) replays to it by today's rule, not by the earlier one (which may even
    refuse a command); it is then replayed by today's."""
    try:
        run, refused = replay(ex, sc, commands, world, opening_injects=opening_injects), None
    except ScenarioError as exc:
        run, refused = None, exc
    if (isinstance(migrated_fingerprint, str) and (run is None or run.fingerprint() != migrated_fingerprint)
            and any(j.at_day is not None and j.at_day % ex.turn_days == 0 for j in ex.injects)):
        try:
            today = replay(ex, sc, commands, world, opening_injects=True)
        except ScenarioError:
            today = None
        if today is not None and today.fingerprint() == migrated_fingerprint:
            return today
    if run is None:
        assert refused is not None
        raise refused
    return run


def _lessons(lessons, objectives: set[str], source: str) -> dict[str, str]:
    """The saved lessons learned: a mapping of an objective's id (or "general") to text. Text only:
    `null` or a number is not a lesson (str() made them the lessons "None" and "5")."""
    if not isinstance(lessons, dict):
        raise ScenarioError(f"{source}: lessons: must be a mapping of objective id to text")
    for key, text in lessons.items():
        if key != "general" and key not in objectives:
            raise ScenarioError(f"{source}: lessons.{key}: not an objective of this exercise (or 'general'; "
                                f"objectives: {', '.join(sorted(objectives)) or 'none'})")
        if not isinstance(text, str):
            got = "null" if text is None else repr(text)[:40]
            raise ScenarioError(f"{source}: lessons.{key}: must be text (got {got})")
    return lessons


def from_bytes(raw: bytes | str, source: str = "exercise save", world_of: WorldOf | None = None) -> ExerciseRun:
    """Restore a saved exercise from the file's bytes (a file, an upload); ScenarioError names
    what is wrong. `world_of`: as `from_dict`."""
    if not isinstance(raw, bytes | str):
        raise ScenarioError(f"{source}: a saved exercise's bytes or text, not {type(raw).__name__}")
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{source}: more than {MAX_BYTES:,} bytes; not a saved exercise")
    if not raw.strip():         # (the JSON reader's "Expecting value: line 1 column 1 (char 0)")
        raise ScenarioError(f"{source}: the file is empty: not a saved noodplan exercise (a save was cut off, or "
                            "another file was given)")
    _not_yaml(raw, source)
    data = parse_json(raw, source, "a saved noodplan exercise", ScenarioError)
    return from_dict(data, source, world_of)


def _not_yaml(raw: bytes | str, source: str) -> None:
    """A save is JSON (an object); a YAML file given for it (the exercise, its scenario, a sweep design) was
    refused as "not a saved noodplan exercise (Expecting value: line 1 column 1 (char 0))". Name what it is."""
    text = decode(raw, source, ScenarioError) if isinstance(raw, bytes) else raw
    if text.lstrip().startswith(("{", "[")):
        return
    try:
        data = parse_yaml(text, source, "a saved exercise")
    except ScenarioError:
        data = None
    if isinstance(data, dict):
        not_another_kind_of_file(data, source, "a saved exercise")
    raise ScenarioError(f"{source}: not a saved noodplan exercise: a save is a JSON file (written by `noodplan "
                        f"exercise play --save` or the exercise room's Save), and this is " + (
                            "YAML" if isinstance(data, dict | list) else "not JSON"))


def load(path: str | Path) -> ExerciseRun:
    """Restore a saved exercise file (a regular file of at most MAX_BYTES)."""
    if not isinstance(path, str | Path):
        raise ScenarioError(f"path: a saved exercise file's path, not {type(path).__name__}")
    path = Path(path)
    return from_bytes(read_bytes(path, path.name, "a saved exercise", MAX_BYTES, ScenarioError), path.name)
