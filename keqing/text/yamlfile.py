"""YAML files read with libyaml's C loader when PyYAML has it: the training data is several MB, and the
pure-Python loader takes ~10 s for what the C loader reads in 1 s (harvest, evaluation, leakage checks)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Union

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


def load_yaml(path: Union[str, Path]) -> Any:
    return load_yaml_text(Path(path).read_text(encoding="utf-8"))
