"""Help texts that list choices name every choice the code accepts (``--format`` listed five of
the seven trajectory formats; poses-c2w and cut3r were missing)."""

from __future__ import annotations

from camerabench.baselines.options import METHOD_FLAGS
from camerabench.trajectory_formats import FORMATS


def test_format_help_names_every_trajectory_format() -> None:
    help_text = dict(METHOD_FLAGS)["--format"]
    listed = help_text.split(":", 1)[1].split("(")[0]
    assert {name.strip() for name in listed.split(",")} == set(FORMATS)
