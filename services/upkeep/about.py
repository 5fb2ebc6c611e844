"""What the About window shows: the version, where the data is, and the bundled parts with
their licences (listed in resources/licenses/components.json, texts beside it)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from services.common.resources import load_json, resource_path
from services.common.version import APP_TITLE, APP_VERSION
from services.upkeep.database import data_dir, describe_url


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    license: str
    url: str
    files: tuple[Path, ...]

    def license_text(self) -> str:
        """The licence texts, one after another ("" when none is shipped)."""
        parts = []
        for path in self.files:
            try:
                parts.append(path.read_text(encoding="utf-8"))
            except OSError:
                continue
        return "\n\n".join(parts)


def _version(distribution: str | None) -> str:
    if distribution is None:
        return ""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def bundled_components() -> list[Component]:
    data = load_json("licenses", "components.json")
    found = []
    for entry in data["components"]:
        distribution = entry.get("distribution")
        version = _version(distribution)
        if entry["name"] == "Python":
            version = ".".join(str(part) for part in sys.version_info[:3])
        found.append(
            Component(
                name=entry["name"],
                version=version,
                license=entry["license"],
                url=entry["url"],
                files=tuple(
                    resource_path("licenses", *name.split("/")).resolve() for name in entry["files"]
                ),
            )
        )
    return found


@dataclass(frozen=True)
class Installation:
    version: str
    data_folder: Path
    database: str
    log_file: Path | None
    program_folder: Path

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("Phiên bản", f"{APP_TITLE} {self.version}"),
            ("Thư mục dữ liệu", str(self.data_folder)),
            ("Cơ sở dữ liệu", self.database),
            ("Tệp nhật ký", str(self.log_file) if self.log_file else "chưa ghi nhật ký"),
            ("Thư mục chương trình", str(self.program_folder)),
        ]

    def as_text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.lines())


def program_folder() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


def installation(database_url: str, log_file: Path | None) -> Installation:
    """The facts for this computer; the database URL is shown without its password."""
    return Installation(
        version=APP_VERSION,
        data_folder=data_dir(),
        database=describe_url(database_url),
        log_file=log_file,
        program_folder=program_folder(),
    )
