"""The planner dashboard: a Solara app over `model.mesa_model.ReceptionModel` (top layer).

`viz.app` holds the page, `viz.components` its parts, `viz.session` the per-session model,
`viz.figures` the matplotlib drawings, `viz.cli` the `noodplan` command with `noodplan ui`.
"""
