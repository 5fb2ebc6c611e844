"""The commune field: every commune of the campaign, searched without diacritics."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from models.codes import UnitLevel
from services.units import UnitTree
from ui.searchable_combo import SearchableCombo


class CommunePicker(SearchableCombo):
    """`commune_id()` is the choice; `commune_changed` says when it changes."""

    commune_changed = Signal(object)  # int | None

    def __init__(self, tree: UnitTree, parent: QWidget | None = None) -> None:
        super().__init__("Gõ tên xã/phường (không cần dấu) hoặc mã xã", parent)
        self.tree = tree
        self.set_items(
            [
                (unit.id, f"{tree.full_name(unit.id)} ({unit.code})")
                for unit in tree.at_level(UnitLevel.COMMUNE)
            ]
        )
        self.currentIndexChanged.connect(lambda _: self.commune_changed.emit(self.commune_id()))

    def commune_id(self) -> int | None:
        return self.chosen_id()

    def set_commune(self, commune_id: int | None) -> None:
        self.choose(commune_id)
