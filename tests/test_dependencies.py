"""The declared dependencies (pyproject.toml, PEP 621) and the lock file agree.

pyproject.toml says what the app needs, in ranges; requirements.lock holds the one exact
version of everything (transitive too) that `make` installs. These tests fail when a range
is added without a pin, when a pin falls outside its range, or when this environment was
not installed from the lock.
"""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.paths import ROOT


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        lines.extend(group)
    return [Requirement(line) for line in lines]


def _locked() -> dict[str, tuple[Version, Marker | None]]:
    pins: dict[str, tuple[Version, Marker | None]] = {}
    for raw in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"not an exact pin: {line}"
        pins[canonicalize_name(requirement.name)] = (
            Version(specifier.version),
            requirement.marker,
        )
    return pins


def test_project_declares_runtime_and_optional_groups() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    assert {"sqlalchemy", "alembic", "openpyxl", "pyside6-essentials", "qrcode"} <= runtime
    assert set(project["optional-dependencies"]) == {"postgres", "dev", "bundle"}


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _locked()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is declared in pyproject.toml but not in requirements.lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} in requirements.lock is outside {requirement.specifier}"
        )


def test_this_environment_was_installed_from_the_lock() -> None:
    for name, (version, marker) in _locked().items():
        if marker is not None and not marker.evaluate():
            continue
        installed = Version(metadata.version(name))
        assert installed == version, f"{name} {installed} installed, {version} locked"
