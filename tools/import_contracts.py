"""An import-linter contract of ours: no feature imports another feature's private names.

`services/` and `ui/` are grouped by feature (`services.cases`, `services.exchange`, ...). Within
a feature, modules share what they like; across features only public names travel: a name that
starts with one underscore is the business of its own feature. import-linter's own contract
types speak of modules, not names, so this one reads the `from ... import ...` statements.

Configured in pyproject.toml:

    [[tool.importlinter.contracts]]
    name = "..."
    type = "private_names"
    containers = ["services", "ui"]
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class PrivateImport:
    importer: str
    line: int
    imported: str
    name: str


def feature_of(module: str, containers: set[str]) -> str | None:
    """`services.cases.fold` -> `services.cases`; None outside the containers."""
    parts = module.split(".")
    if parts[0] not in containers or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def module_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def private_imports(module: str, containers: set[str]) -> list[PrivateImport]:
    """The private names `module` imports from a feature other than its own."""
    path = module_file(module)
    own = feature_of(module, containers)
    if path is None or own is None:
        return []
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        other = feature_of(node.module, containers)
        if other is None or other == own:
            continue
        for alias in node.names:
            if is_private(alias.name) or is_private(node.module.split(".")[-1]):
                found.append(PrivateImport(module, node.lineno, node.module, alias.name))
    return found


class PrivateNamesContract(Contract):
    """Kept when no module of a feature imports a private name of another feature."""

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        containers = {str(c) for c in self.containers}  # type: ignore[attr-defined]
        broken: list[PrivateImport] = []
        for module in sorted(graph.modules):
            broken += private_imports(module, containers)
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(
                f"{item.importer}:{item.line} imports {item.name} from {item.imported}, "
                "a private name of another feature: make it public, or move the code."
            )
            output.new_line()
