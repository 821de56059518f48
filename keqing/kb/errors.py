"""Errors of the knowledge-base loader."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class Problem:
    """One reason the knowledge base is invalid, located by file, line and item id."""

    file: str
    item_id: Optional[str]
    reason: str
    line: Optional[int] = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        item = f" item {self.item_id}:" if self.item_id else ""
        return f"{where}:{item} {self.reason}"


class KnowledgeError(Exception):
    """The knowledge YAML is invalid; nothing was written. `problems` lists every reason found."""

    def __init__(self, problems: List[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def item_id(self) -> Optional[str]:
        return self.problems[0].item_id

    @property
    def reason(self) -> str:
        return self.problems[0].reason
