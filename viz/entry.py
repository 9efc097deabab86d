"""The `noodplan` console command (`pyproject.toml`): the experiments' commands plus `ui`
(`viz.cli`), started and ended as every command is (`experiments.entry`: a Ctrl+C during start-up
is held and answered in one line, exit code 130; one after the command's work is done does not take
its exit code)."""

from __future__ import annotations

import sys

from experiments import entry


def main() -> int:
    return entry.main("viz.cli")


if __name__ == "__main__":
    sys.exit(main())
