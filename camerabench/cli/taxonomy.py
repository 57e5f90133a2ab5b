"""``camerabench taxonomy [--json]``: the primitives, their questions and definitions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("taxonomy", help="list the primitives, their questions and definitions")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.taxonomy import Primitive

    rows = [
        {
            "name": p.value,
            "task": p.task,
            "question": p.question,
            "definition": p.definition,
            "file": f"binary_classification/{p.file}",
            "label_name": p.label_name,
            "opposite": p.opposite.value if p.opposite else None,
            "confusable": [c.value for c in p.confusable],
            "caption_phrase": p.caption_phrase,
        }
        for p in Primitive
    ]
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            sys.stdout.write(f"{r['name']:<{width}}  {r['question']}\n")
        sys.stdout.write(f"{len(rows)} binary primitives\n")
    return 0
