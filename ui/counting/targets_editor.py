"""The targets editor: the province, its districts and their communes, with their targets.

Totals and daily targets are edited in place (numbers shown and typed the Vietnamese
way, `50.802`); each edit, each split and each import is one transaction. A district
whose communes' targets do not add up to its own is marked in the «Kiểm tra» column and
listed in the banner above the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from models.codes import UnitLevel
from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import UserError
from services.counting.targets import (
    DistrictShare,
    ShareResult,
    ShareState,
    clear_target,
    district_shares,
    import_targets,
    parse_count,
    set_target,
    share_proportionally,
    undo_share,
)
from ui.counting.charts import number
from ui.shell.context import AppContext
from ui.widgets.file_dialogs import ask_open_path
from ui.widgets.forms import button_row, stacked, wrapping_label
from ui.widgets.lazy_model import column_title
from ui.widgets.messages import messages
from ui.widgets.transactions import REFUSED, done_or_shown

Index = QModelIndex | QPersistentModelIndex

NAME, TOTAL, DAILY, SUM, CHECK = range(5)
HEADERS = (
    "Đơn vị",
    "Chỉ tiêu (Mức 1+Mức 2)",
    "Chỉ tiêu trong ngày",
    "Tổng của các đơn vị trực thuộc",
    "Kiểm tra",
)
WARNING_INK = QColor("#b71c1c")
WARNING_BACK = QColor("#fdecea")
OK_INK = QColor("#2e7d32")
MUTED_INK = QColor("#616e7c")

# (code, total, daily): write one unit's target in one transaction, return the new tree.
Writer = Callable[[str, int | None, int | None], UnitTree]
AskOpenPath = Callable[[QWidget], Path | None]


@dataclass(eq=False)
class Node:
    unit: UnitInfo
    parent: Node | None
    row: int
    children: list[Node] = field(default_factory=list)


class TargetsModel(QAbstractItemModel):
    """A tree over the unit tree; the structure never changes, only the targets."""

    error_raised = Signal(str)

    def __init__(self, tree: UnitTree, writer: Writer | None = None) -> None:
        super().__init__()
        self.writer = writer
        self.roots: list[Node] = []
        self.by_code: dict[str, Node] = {}
        self.shares: dict[str, DistrictShare] = {}
        self._build(tree)

    def _build(self, tree: UnitTree) -> None:
        def make(unit: UnitInfo, parent: Node | None, row: int) -> Node:
            node = Node(unit, parent, row)
            self.by_code[unit.code] = node
            node.children = [make(c, node, i) for i, c in enumerate(tree.children[unit.id])]
            return node

        self.roots = [make(tree.province, None, 0)]
        self.shares = {s.district.code: s for s in district_shares(tree)}

    def update_tree(self, tree: UnitTree) -> None:
        """New targets for the same units: change the values in place, keep the view's state."""
        for code, node in self.by_code.items():
            node.unit = tree.by_code[code]
        self.shares = {s.district.code: s for s in district_shares(tree)}

        def changed(nodes: list[Node]) -> None:
            if not nodes:
                return
            first = self.createIndex(0, 0, nodes[0])
            last = self.createIndex(len(nodes) - 1, CHECK, nodes[-1])
            self.dataChanged.emit(first, last)
            for node in nodes:
                changed(node.children)

        changed(self.roots)

    # -- structure ----------------------------------------------------------------------

    def node(self, index: Index) -> Node | None:
        if not index.isValid():
            return None
        found = index.internalPointer()
        return found if isinstance(found, Node) else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS):
            return QModelIndex()
        owner = self.node(parent)
        siblings = self.roots if owner is None else owner.children
        if parent.isValid() and (owner is None or parent.column() != 0):
            return QModelIndex()
        if not 0 <= row < len(siblings):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(child)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        if not parent.isValid():
            return len(self.roots)
        if parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(node.children) if node is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(HEADERS, section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (TOTAL, DAILY) and self.writer is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # -- values -------------------------------------------------------------------------

    def _children_sum(self, node: Node) -> tuple[int, int, int]:
        with_target = [c.unit for c in node.children if c.unit.target_total is not None]
        return (
            sum(u.target_total or 0 for u in with_target),
            sum(u.target_daily or 0 for u in with_target),
            len(with_target),
        )

    def _sum_text(self, node: Node) -> str:
        if not node.children:
            return ""
        total, daily, counted = self._children_sum(node)
        if not counted:
            return "–"
        return f"{number(total)} · ngày {number(daily)}"

    def share_of(self, node: Node) -> DistrictShare | None:
        return self.shares.get(node.unit.code)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        unit, column = node.unit, index.column()
        share = self.share_of(node)
        mismatch = share is not None and share.state == ShareState.MISMATCH
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return unit.name
            if column == TOTAL:
                return number(unit.target_total) if unit.target_total is not None else ""
            if column == DAILY:
                return number(unit.target_daily) if unit.target_daily is not None else ""
            if column == SUM:
                return self._sum_text(node)
            if column == CHECK and share is not None:
                return {
                    ShareState.MATCH: "Khớp",
                    ShareState.NOT_SHARED: "Chưa giao cho xã",
                    ShareState.MISMATCH: "⚠ " + share.describe(),
                }[share.state]
            return ""
        if role == Qt.ItemDataRole.EditRole:
            value = unit.target_total if column == TOTAL else unit.target_daily
            return number(value) if column in (TOTAL, DAILY) and value is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if share is not None and column in (SUM, CHECK):
                return share.describe()
            if column in (TOTAL, DAILY):
                return "Nhấn đúp hoặc F2 để sửa; xóa trắng ô chỉ tiêu để bỏ chỉ tiêu."
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (TOTAL, DAILY, SUM):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if mismatch and column in (SUM, CHECK):
                return WARNING_INK
            if share is not None and column == CHECK:
                return OK_INK if share.state == ShareState.MATCH else MUTED_INK
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return WARNING_BACK if mismatch and column in (SUM, CHECK) else None
        if role == Qt.ItemDataRole.FontRole:
            heading = unit.level != UnitLevel.COMMUNE.value and column in (NAME, TOTAL, DAILY)
            if heading or (mismatch and column == CHECK):
                font = QFont()
                font.setBold(True)
                return font
            return None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        node = self.node(index)
        if (
            node is None
            or role != Qt.ItemDataRole.EditRole
            or index.column() not in (TOTAL, DAILY)
            or self.writer is None
        ):
            return False
        unit = node.unit
        what = "Chỉ tiêu" if index.column() == TOTAL else "Chỉ tiêu trong ngày"
        try:
            parsed = parse_count(value, what)
            total, daily = unit.target_total, unit.target_daily
            if index.column() == TOTAL:
                total = parsed
                if total is None:
                    daily = None  # no target at all
            else:
                daily = parsed
                if total is None and daily is not None:
                    raise UserError(
                        f"{unit.name} chưa có chỉ tiêu cả đợt: nhập chỉ tiêu (Mức 1+Mức 2) trước."
                    )
            if (total, daily) == (unit.target_total, unit.target_daily):
                return True
            tree = self.writer(unit.code, total, daily)
        except UserError as error:
            self.error_raised.emit(str(error))
            return False
        self.update_tree(tree)
        return True


class NumberDelegate(QStyledItemDelegate):
    """A line edit that accepts digits and thousands separators; the model parses."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9.,\s]{0,15}"), editor)
        )
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        editor.setPlaceholderText("ví dụ 50.802")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
            editor.selectAll()

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


def ask_targets_file(parent: QWidget) -> Path | None:
    return ask_open_path(
        parent, "Nhập chỉ tiêu từ bảng tính", "Bảng tính (*.xlsx *.xlsm *.csv);;Tất cả các tệp (*)"
    )


def _explanation(tree: UnitTree) -> QLabel:
    """How targets are set, on a map with districts or on a two-level one."""
    explain = wrapping_label(
        "Chỉ tiêu theo kế hoạch cho từng huyện, thị xã, thành phố; huyện giao lại cho từng "
        "xã, phường, thị trấn. Nhấn đúp vào ô để sửa (ví dụ 50.802). «Chia theo tỉ lệ» chia "
        "chỉ tiêu của huyện đang chọn cho các xã: theo tỉ lệ chỉ tiêu hiện có của các xã nếu "
        "xã nào cũng đã có, nếu không thì chia đều; phần lẻ được làm tròn để tổng các xã "
        "đúng bằng chỉ tiêu của huyện."
        if tree.has_districts
        else "Chỉ tiêu theo kế hoạch cho toàn tỉnh và từng xã, phường, đặc khu (bản đồ hành "
        "chính hai cấp: không có cấp huyện). Nhấn đúp vào ô để sửa (ví dụ 50.802); dòng tỉnh "
        "cho biết tổng chỉ tiêu của các xã để đối chiếu."
    )
    explain.setStyleSheet("color: #3e4c59;")
    return explain


class TargetsPanel(QWidget):
    """Targets per district as the plan gives them, and per commune."""

    targets_changed = Signal()

    def __init__(
        self,
        context: AppContext,
        ask_open_path: AskOpenPath = ask_targets_file,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.ask_open_path = ask_open_path
        with context.database.session(read_only=True) as session:
            tree = UnitTree.load(session)
        self.model = TargetsModel(tree, self.write_target)
        self.model.error_raised.connect(self.show_error)

        heading = QLabel("Chỉ tiêu thu nhận và kích hoạt")
        heading.setStyleSheet("font-size: 18px; font-weight: bold;")
        explain = _explanation(tree)
        self.last_share: ShareResult | None = None  # the split "Hoàn tác" takes back
        buttons = self._build_buttons()
        self.banner = wrapping_label()
        self.banner.setStyleSheet(
            "background: #fdecea; color: #b71c1c; border: 1px solid #f5c2c0; padding: 6px;"
            "font-weight: bold;"
        )
        self._build_view()
        self.selected_status = wrapping_label()
        self.selected_status.setStyleSheet("font-size: 14px;")

        stacked(self, heading, explain, buttons, self.banner, (self.view, 1), self.selected_status)
        self._show_state()

    def _build_buttons(self) -> QHBoxLayout:
        """Import from a file, split the district's target among its communes, undo the split."""
        self.import_button = QPushButton("&Nhập từ bảng tính…")
        self.import_button.clicked.connect(self.import_from_file)
        self.share_button = QPushButton("&Chia theo tỉ lệ")
        self.share_button.clicked.connect(self.share_selected)
        self.undo_button = QPushButton("&Hoàn tác lần chia")
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_last_share)
        return button_row([self.import_button, self.share_button, self.undo_button])

    def _build_view(self) -> None:
        """The tree of units with their targets, edited in place."""
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(TOTAL, NumberDelegate(self.view))
        self.view.setItemDelegateForColumn(DAILY, NumberDelegate(self.view))
        self.view.setAlternatingRowColors(True)
        self.view.setStyleSheet("QTreeView { font-size: 14px; } QTreeView::item { padding: 2px; }")
        self.view.setUniformRowHeights(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(NAME, 280)
        for column in (TOTAL, DAILY):
            header.resizeSection(column, 170)
        header.resizeSection(SUM, 220)
        self.view.expand(self.model.index(0, 0))
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)

    # -- the selection ------------------------------------------------------------------

    def select(self, code: str) -> None:
        node = self.model.by_code.get(code)
        if node is None:
            return
        index = self.model.createIndex(node.row, 0, node)
        if node.parent is not None:
            self.view.expand(self.model.createIndex(node.parent.row, 0, node.parent))
        if node.children:
            self.view.expand(index)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def selected_district(self) -> Node | None:
        node = self.model.node(self.view.currentIndex())
        while node is not None and node.unit.level != UnitLevel.DISTRICT.value:
            node = node.parent
        return node

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_state()

    def _show_state(self) -> None:
        district = self.selected_district()
        self.share_button.setEnabled(district is not None)
        self.share_button.setText(
            f"&Chia theo tỉ lệ: {district.unit.name}"
            if district is not None
            else "&Chia theo tỉ lệ"
        )
        self.share_button.setToolTip(
            f"Chia chỉ tiêu của {district.unit.name} cho các xã"
            if district is not None
            else "Chọn một huyện (hoặc một xã của huyện) để chia chỉ tiêu"
        )
        share = self.model.share_of(district) if district is not None else None
        self.selected_status.setText(
            f"{district.unit.name}: {share.describe()}"
            if district is not None and share is not None
            else ""
        )
        wrong = [s for s in self.model.shares.values() if s.state == ShareState.MISMATCH]
        self.banner.setVisible(bool(wrong))
        if wrong:
            names = ", ".join(s.district.name for s in wrong)
            self.banner.setText(
                f"⚠ Tổng chỉ tiêu các xã chưa khớp chỉ tiêu của {len(wrong)} huyện: {names}. "
                "Sửa từng xã hoặc bấm «Chia theo tỉ lệ»."
            )

    # -- actions, one transaction each --------------------------------------------------

    def _reload(self) -> None:
        with self.context.database.session(read_only=True) as session:
            self.model.update_tree(UnitTree.load(session))
        self._show_state()
        self.targets_changed.emit()

    def write_target(self, code: str, total: int | None, daily: int | None) -> UnitTree:
        with self.context.database.session() as session:
            if total is None:
                clear_target(session, self.context.signed_in(), code)
            else:
                set_target(session, self.context.signed_in(), code, total, daily)
            session.commit()
            tree = UnitTree.load(session)
        self._forget_undo()
        # The model updates itself from the tree; the banner and the window follow.
        self.model.update_tree(tree)
        self._show_state()
        self.targets_changed.emit()
        return tree

    def show_error(self, text: str) -> None:
        messages().error(self, "Chỉ tiêu không hợp lệ", text)

    def share_selected(self) -> None:
        district = self.selected_district()
        if district is None:
            messages().info(self, "Chia chỉ tiêu", "Chọn một huyện trước.")
            return
        already = [c for c in district.children if c.unit.target_total is not None]
        total = district.unit.target_total
        question = (
            f"Chia chỉ tiêu {number(total)} của {district.unit.name} cho "
            f"{len(district.children)} xã"
            if total is not None
            else f"Chia chỉ tiêu của {district.unit.name} cho {len(district.children)} xã"
        )
        if already:
            question += (
                f"?\n\n{len(already)} xã đã có chỉ tiêu: chia theo tỉ lệ chỉ tiêu hiện có nếu xã "
                "nào cũng có, nếu không thì chia đều, và ghi đè chỉ tiêu hiện có."
            )
        else:
            question += " (chia đều)?"
        question += "\n\nCó thể hoàn tác ngay sau đó (Ctrl+Z)."
        if not messages().confirm_action(self, "Chia chỉ tiêu", question, "&Chia"):
            return
        result = done_or_shown(
            self, self.context, "Không chia được", share_proportionally, district.unit.code
        )
        if result is REFUSED:
            return
        self.last_share = result
        self.undo_button.setEnabled(True)
        self.undo_button.setToolTip(
            f"Trả lại chỉ tiêu các xã của {result.district.name} như trước khi chia (Ctrl+Z)"
        )
        self._reload()
        self.view.expand(self.model.createIndex(district.row, 0, district))
        messages().info(
            self,
            "Đã chia chỉ tiêu",
            f"Đã chia chỉ tiêu {number(result.district.target_total or 0)} của "
            f"{result.district.name} cho {len(result.parts)} xã ({result.weighting}).",
        )

    def _forget_undo(self) -> None:
        """Another change came after the split: undo only ever takes back the last action."""
        self.last_share = None
        self.undo_button.setEnabled(False)
        self.undo_button.setToolTip("")

    def undo_last_share(self) -> None:
        """Give the communes of the last split back the targets they had before it."""
        result = self.last_share
        if result is None:
            return
        undone = done_or_shown(self, self.context, "Không hoàn tác được", undo_share, result)
        if undone is REFUSED:
            return
        self._forget_undo()
        self._reload()
        messages().info(
            self,
            "Đã hoàn tác",
            f"Đã trả lại chỉ tiêu của {len(result.parts)} xã thuộc {result.district.name} như "
            "trước khi chia.",
        )

    def import_from_file(self) -> None:
        path = self.ask_open_path(self)
        if path is None:
            return
        result = done_or_shown(self, self.context, "Không nhập được chỉ tiêu", import_targets, path)
        if result is REFUSED:
            return
        self._forget_undo()
        self._reload()
        text = "\n".join(result.lines())
        if result.unmatched or result.errors:
            messages().warning(self, "Đã nhập chỉ tiêu, có dòng không ghi", text)
        else:
            messages().info(self, "Đã nhập chỉ tiêu", text)
