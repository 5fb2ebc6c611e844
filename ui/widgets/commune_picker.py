"""The commune field: every commune of the campaign, searched without diacritics, and
"Ngoài tỉnh" for a citizen whose permanent residence is in another province."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from models.codes import OUTSIDE_PROVINCE, UnitLevel
from services.campaigns.units import UnitTree
from ui.widgets.searchable_combo import SearchableCombo

# The item standing for "outside the province" (unit ids start at 1).
OUTSIDE_ITEM = 0
OUTSIDE_LABEL = f"Ngoài tỉnh – thường trú ở tỉnh, thành phố khác ({OUTSIDE_PROVINCE})"


class CommunePicker(SearchableCombo):
    """`commune_id()` is the chosen commune (None for none, or outside the province);
    `is_outside()` says the citizen lives in another province; `commune_changed` says when
    the choice changes. `with_outside=False` for a point's commune."""

    commune_changed = Signal(object)  # int | None

    def __init__(
        self, tree: UnitTree, parent: QWidget | None = None, *, with_outside: bool = True
    ) -> None:
        super().__init__("Gõ tên xã/phường (không cần dấu) hoặc mã xã", parent)
        self.tree = tree
        items = [
            (unit.id, f"{tree.full_name(unit.id)} ({unit.code})")
            for unit in tree.at_level(UnitLevel.COMMUNE)
        ]
        if with_outside:
            items.append((OUTSIDE_ITEM, OUTSIDE_LABEL))
        self.set_items(items)
        self.currentIndexChanged.connect(lambda _: self.commune_changed.emit(self.commune_id()))

    def commune_id(self) -> int | None:
        chosen = self.chosen_id()
        return None if chosen == OUTSIDE_ITEM else chosen

    def is_outside(self) -> bool:
        return self.chosen_id() == OUTSIDE_ITEM

    def set_commune(self, commune_id: int | None) -> None:
        self.choose(commune_id)

    def set_residence(self, commune_id: int | None) -> None:
        """A case's residence: a commune, or None for outside the province."""
        self.choose(OUTSIDE_ITEM if commune_id is None else commune_id)

    def residence_value(self) -> int | str | None:
        """What a correction's `residence_commune_id` takes: the commune id, `OUTSIDE_PROVINCE`,
        or None when nothing is chosen."""
        return OUTSIDE_PROVINCE if self.is_outside() else self.commune_id()
