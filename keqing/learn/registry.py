"""Which trained model is served: `models/current`, and `models/previous` for rollback.

Both are one-line text files holding a model's file name inside `models/` (e.g.
`keqing-3f2a9c1d0b7e.tar.gz`). Without `models/current` the newest `models/keqing-*.tar.gz` is current
(what `scripts/train.sh` built last). Promotion writes `previous` := current, `current` := candidate;
rollback swaps the two. Each file is replaced atomically.

`models/current.tar.gz` is a symbolic link to the served model, kept in step by promotion and rollback:
the file a cluster's model server (nginx) hands to every Rasa replica, which polls it and loads a new
model without a restart (docs/deploy.md).

    python -m keqing model current      # prints models/keqing-….tar.gz (exit 1 if there is none)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

from keqing import settings as config

DEFAULT_MODELS_DIR = config.REPO_ROOT / "models"
MODEL_GLOB = "keqing-*.tar.gz"


class RegistryError(RuntimeError):
    """The requested change of the served model is impossible (no model, nothing to roll back to)."""


class ModelRegistry:
    def __init__(self, models_dir: Optional[Path] = None):
        self.dir = Path(models_dir or DEFAULT_MODELS_DIR)

    @property
    def current_file(self) -> Path:
        return self.dir / "current"

    @property
    def previous_file(self) -> Path:
        return self.dir / "previous"

    @property
    def link_file(self) -> Path:
        return self.dir / "current.tar.gz"

    def link(self, model: Path) -> None:
        """Point `models/current.tar.gz` at `model` (atomically: a replica never reads a half-made link)."""
        model = self._inside(model)
        tmp = self.dir / ".current.tar.gz.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(model.name)
        os.replace(tmp, self.link_file)

    # -- reading ---------------------------------------------------------------------------------
    def models(self) -> List[Path]:
        """Every keqing model in the folder, oldest first."""
        return sorted(self.dir.glob(MODEL_GLOB), key=lambda p: (p.stat().st_mtime, p.name))

    def _pointer(self, path: Path) -> Optional[Path]:
        try:
            name = path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if not name:
            return None
        model = self.dir / Path(name).name
        return model if model.is_file() else None

    def pinned(self) -> bool:
        """Does `models/current` name an existing model?"""
        return self._pointer(self.current_file) is not None

    def current(self) -> Optional[Path]:
        """The served model: the one `models/current` names, else the newest keqing model."""
        pointed = self._pointer(self.current_file)
        if pointed is not None:
            return pointed
        models = self.models()
        return models[-1] if models else None

    def previous(self) -> Optional[Path]:
        return self._pointer(self.previous_file)

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, path: Path, model: Optional[Path]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if model is None:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(model.name + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def _inside(self, model: Path) -> Path:
        model = Path(model)
        if not model.is_absolute() and not model.exists():
            model = self.dir / model.name
        if model.resolve().parent != self.dir.resolve():
            raise RegistryError(f"{model} is not inside {self.dir}")
        if not model.is_file():
            raise RegistryError(f"{model} does not exist")
        return self.dir / model.name

    def pin(self) -> Optional[Path]:
        """Write `models/current` for the model served now (so that a newer, refused candidate in the
        folder never becomes current by being newest). Returns the current model."""
        current = self.current()
        if current is not None and not self.pinned():
            self._write(self.current_file, current)
            self.link(current)
        return current

    def promote(self, candidate: Path) -> Tuple[Optional[Path], Path]:
        """Serve `candidate`; the model served until now becomes `previous`. Returns (previous, current)."""
        candidate = self._inside(candidate)
        old = self.current()
        if old is not None and old.name == candidate.name:
            self.pin()
            return self.previous(), candidate
        self._write(self.previous_file, old)
        self._write(self.current_file, candidate)
        self.link(candidate)
        return old, candidate

    def rollback(self) -> Tuple[Path, Path]:
        """Serve the previous model again; the current one becomes `previous` (so a second rollback
        undoes the first). Returns (now current, now previous)."""
        previous = self.previous()
        current = self.current()
        if previous is None:
            raise RegistryError(f"no previous model to roll back to ({self.previous_file} missing or its model is gone)")
        if current is None:
            raise RegistryError("no current model")
        self._write(self.previous_file, current)
        self._write(self.current_file, previous)
        self.link(previous)
        return previous, current


def display_path(path: Path) -> str:
    """`models/keqing-….tar.gz` relative to the repository when inside it, else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(config.REPO_ROOT))
    except ValueError:
        return str(path)
