"""The location kinds in the planners' words: English, with the Dutch term in brackets where planners
know it. The one source of these words for every page and file that names a kind: the forecast's
`label` column and fan chart (`experiments.forecast.labels`), the exercise's decisions as the log, the
report and the room say them (`experiments.exercise.engine.said`), and the dashboard's and the exercise
room's tables and forms (`viz.labels.KIND_LABELS`, the same words capitalised). It sits here, the
lowest layer that needs the words (experiments/ may not import viz/)."""

from __future__ import annotations

# keyed on the model's kind ids (`agents.locations.KIND_NAMES`)
KIND_WORDS = {
    "central": "registration, Ter Apel (aanmeldcentrum)",
    "border": "border procedure, Schiphol (grenslocatie)",
    "process": "process location (pol)",
    "regular": "regular centre (azc)",
    "minors": "unaccompanied minors (amv)",
    "accelerated": "accelerated / sober",
    "emergency": "emergency (noodopvang)",
    "crisis": "crisis emergency (crisisnoodopvang)",
}


def kind_words(kind: str) -> str:
    """A kind in words, lower case for the middle of a sentence ('regular centre (azc)'); an id without
    words stays as it is."""
    return KIND_WORDS.get(kind, kind)
