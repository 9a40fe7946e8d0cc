"""The description of one head of a multi-task model (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

from lumos.api.types import SpecError

ARCHITECTURE = "LumosMultiTaskModel"
HEAD_KINDS = ("classification", "tagging")


@dataclass(frozen=True)
class Head:
    name: str
    kind: str  # "classification" (one label per text) or "tagging" (one tag per word)
    labels: tuple[str, ...]
    gold_field: str = ""

    def __post_init__(self) -> None:
        if self.kind not in HEAD_KINDS:
            raise SpecError(f"head '{self.name}': kind {self.kind!r} is not one of "
                            f"{list(HEAD_KINDS)}")
