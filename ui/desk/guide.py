"""Step 3 of the guided flow: the steps for the chosen path, ticked as the operator goes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from models.codes import HelpReason, Status
from services.common.resources import load_json
from ui.widgets.forms import stacked

PATHS_FILE = ("desk", "guide_steps.json")
# The citizen cannot install VNeID on a phone of their own: level 1 is registered on the
# point's device and activated on its computer (vneid.gov.vn, as the plan provides).
WITHOUT_OWN_SMARTPHONE = frozenset({HelpReason.NO_SMARTPHONE, HelpReason.PHONE_UNSUPPORTED})


def default_path(
    level: int,
    status: Status | None,
    takes_level2: bool,
    help_reason: str | None = None,
) -> str:
    """The path to show: register, apply, or activate, by where the case stands; a level 1
    registration without a smartphone of the citizen's own is done on the point's device."""
    if status in (Status.APPROVED, Status.APPLICATION_TAKEN):
        return "activation_web"
    if level == 2:
        return "level2_police" if takes_level2 else "level2_referral"
    if help_reason in WITHOUT_OWN_SMARTPHONE:
        return "level1_no_smartphone"
    return "level1_app"


class GuideStep(QWidget):
    def __init__(
        self,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.open_url = open_url
        self.paths: dict[str, dict[str, object]] = load_json(*PATHS_FILE)["paths"]
        self.path = QComboBox()
        for key, path in self.paths.items():
            self.path.addItem(str(path["title"]), key)
        caption = QLabel("&Hướng dẫn:")
        caption.setBuddy(self.path)
        self.steps = QListWidget()
        self.steps.setWordWrap(True)
        # Long steps wrap to the list's width instead of running off under a scroll bar.
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.steps.setStyleSheet("QListWidget::item { padding: 6px; }")
        self.progress = QLabel()
        self.open_site = QPushButton("Mở &vneid.gov.vn")
        self.open_site.setToolTip("Mở trang kích hoạt trong trình duyệt (Ctrl+O)")
        self.open_site.clicked.connect(self._open)

        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.path, 1)
        top.addWidget(self.open_site)
        stacked(
            self,
            top,
            QLabel("Đánh dấu từng bước khi làm xong (phím cách):"),
            (self.steps, 1),
            self.progress,
        )
        self.path.currentIndexChanged.connect(self._show)
        self.steps.itemChanged.connect(self._count)
        self._show()

    def select(self, key: str) -> None:
        index = self.path.findData(key)
        if index >= 0:
            self.path.setCurrentIndex(index)
            self._show()

    def current(self) -> str:
        return str(self.path.currentData())

    def _show(self) -> None:
        path = self.paths[self.current()]
        steps = path["steps"]
        assert isinstance(steps, list)
        self.steps.blockSignals(True)
        self.steps.clear()
        for number, text in enumerate(steps, start=1):
            item = QListWidgetItem(f"{number}. {text}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.steps.addItem(item)
        self.steps.blockSignals(False)
        self.open_site.setVisible("url" in path)
        self._count()

    def _count(self, *_: object) -> None:
        done = sum(
            self.steps.item(i).checkState() == Qt.CheckState.Checked
            for i in range(self.steps.count())
        )
        self.progress.setText(f"Đã làm {done}/{self.steps.count()} bước.")

    def _open(self) -> None:
        url = self.paths[self.current()].get("url")
        if isinstance(url, str):
            self.open_url(QUrl(url))
