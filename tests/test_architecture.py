"""The layers hold: ui -> services -> models, and no Qt widgets below ui."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


def test_services_never_import_qt_widgets() -> None:
    # import-linter cannot forbid a submodule of an outside package; QtGui (painting,
    # PDF) is allowed in services, QtWidgets is not.
    offenders = []
    for path in sorted((ROOT / "services").rglob("*.py")) + sorted((ROOT / "models").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(name.startswith("PySide6.QtWidgets") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    assert offenders == []


def test_layout() -> None:
    for name in (
        "main.py",
        "ui",
        "models",
        "services",
        "resources",
        "tests",
        "pyproject.toml",
        "README.md",
    ):
        assert (ROOT / name).exists(), name


def _packages(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "__init__.py").exists()}


def test_features_are_packages_with_a_docstring_that_says_what_they_may_use() -> None:
    for layer in ("services", "ui"):
        loose = sorted(p.name for p in (ROOT / layer).glob("*.py") if p.name != "__init__.py")
        assert loose == [], f"{layer}/ holds modules outside a feature package: {loose}"
        for name in _packages(ROOT / layer):
            tree = ast.parse((ROOT / layer / name / "__init__.py").read_text(encoding="utf-8"))
            doc = ast.get_docstring(tree) or ""
            assert "May use" in doc, f"{layer}/{name}/__init__.py says nothing of what it may use"


def test_ui_and_tests_mirror_the_features() -> None:
    services, ui = _packages(ROOT / "services"), _packages(ROOT / "ui")
    assert ui - services == {"widgets", "shell"}, "ui/ uses the feature names of services/"
    assert _packages(ROOT / "tests" / "services") == services
    assert _packages(ROOT / "tests" / "ui") == ui


def test_the_private_names_contract_finds_a_private_import_across_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.import_contracts import private_imports

    root = tmp_path / "zroot"
    for feature in ("alpha", "beta"):
        (root / feature).mkdir(parents=True)
        (root / feature / "__init__.py").write_text("", encoding="utf-8")
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "beta" / "other.py").write_text("_secret = 1\nopen_name = 2\n", encoding="utf-8")
    (root / "alpha" / "inside.py").write_text("_mine = 3\n", encoding="utf-8")
    (root / "alpha" / "mod.py").write_text(
        "from zroot.beta.other import (\n    open_name,\n    _secret,\n)\n"
        "from zroot.alpha.inside import _mine\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = private_imports("zroot.alpha.mod", {"zroot"})
    assert [(f.imported, f.name, f.line) for f in found] == [("zroot.beta.other", "_secret", 1)]
    assert private_imports("zroot.beta.other", {"zroot"}) == []


def _declared_uses(layer: str, name: str) -> set[str]:
    doc = ast.get_docstring(ast.parse((ROOT / layer / name / "__init__.py").read_text("utf-8")))
    may = (doc or "").split("May use:", 1)[1]
    return set(re.findall(rf"`{layer}\.(\w+)`", may.replace("\n", " ")))


def test_each_feature_uses_only_what_its_docstring_says() -> None:
    import grimp

    graph = grimp.build_graph("services", "ui", "models")
    undeclared = []
    for layer in ("services", "ui"):
        for name in sorted(_packages(ROOT / layer)):
            package = f"{layer}.{name}"
            used = set()
            for module in graph.find_descendants(package):
                for imported in graph.find_modules_directly_imported_by(module):
                    parts = imported.split(".")
                    if parts[0] == layer and len(parts) > 1 and parts[1] != name:
                        used.add(parts[1])
            extra = used - _declared_uses(layer, name)
            if extra:
                undeclared.append(f"{package} uses {sorted(extra)} without saying so")
    assert undeclared == []
