"""Data packages from the window: export and import in the background, with a summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)

from services.campaigns.directory import list_points
from services.common.errors import UserError
from services.common.vntime import today_vn
from services.exchange.packages import ExportResult, ImportSummary, export_package, import_package
from ui.shell.context import AppContext
from ui.widgets.background import BackgroundOp, Report
from ui.widgets.file_dialogs import ask_open_paths, ask_save_path
from ui.widgets.forms import (
    accept_buttons,
    day_edit,
    error_label,
    show_error,
    stacked,
    wrapping_label,
)
from ui.widgets.messages import messages
from ui.widgets.passphrase_fields import TYPED_ANY_WAY, NewPassphrase, password_field

PACKAGE_FILTER = "Gói dữ liệu kichhoat (*.kpkg);;Mọi tệp (*)"
AskSave = Callable[[QWidget, str], Path | None]
AskOpen = Callable[[QWidget], list[Path]]


def ask_save_package(parent: QWidget, suggested: str) -> Path | None:
    return ask_save_path(parent, "Lưu gói dữ liệu", suggested, PACKAGE_FILTER)


def ask_open_packages(parent: QWidget) -> list[Path]:
    return ask_open_paths(parent, "Chọn gói dữ liệu để nhập", PACKAGE_FILTER)


class ExportPackageDialog(QDialog):
    """Which cases, which file, which passphrase; the export runs in the background."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        ask_save: AskSave = ask_save_package,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.ask_save = ask_save
        self.result_: ExportResult | None = None
        self.setWindowTitle("Xuất gói dữ liệu")
        since_row = self._build_since_row()
        self._build_point_box()
        file_row = self._build_file_row()
        self.new_passphrase = NewPassphrase()
        self.passphrase = self.new_passphrase.passphrase
        self.again = self.new_passphrase.again
        self.generate = self.new_passphrase.generate
        self.error = error_label()
        self.generate.clicked.connect(lambda: show_error(self.error, None))

        form = QFormLayout()
        form.addRow("Điểm thu nhận:", self.point)
        form.addRow("", since_row)
        form.addRow("Tệp:", file_row)
        self.new_passphrase.add_rows(form, "&Mật khẩu của gói:")
        note = wrapping_label(
            "Gói chứa dữ liệu cá nhân và được mã hóa bằng mật khẩu. Gửi tệp và mật khẩu bằng "
            "hai đường khác nhau (ví dụ: tệp qua USB, mật khẩu qua điện thoại)."
        )
        buttons = self._build_buttons()
        stacked(self, form, note, self.error, buttons)
        self.resize(620, 320)

    def _build_since_row(self) -> QHBoxLayout:
        """Only the cases changed since a day (today unless chosen), when ticked."""
        self.use_since = QCheckBox("Chỉ hồ sơ có thay đổi &từ ngày")
        self.since = day_edit(today_vn())
        self.since.setEnabled(False)
        self.use_since.toggled.connect(self.since.setEnabled)
        since_row = QHBoxLayout()
        since_row.addWidget(self.use_since)
        since_row.addWidget(self.since)
        since_row.addStretch(1)
        return since_row

    def _build_point_box(self) -> None:
        """Every point, or one (this computer's point chosen when it has one)."""
        context = self.context
        self.point = QComboBox()
        self.point.addItem("Mọi điểm thu nhận trong cơ sở dữ liệu", None)
        with context.database.session(read_only=True) as session:
            for point in list_points(session):
                self.point.addItem(f"{point.name} ({point.code})", point.code)
        if context.point is not None:
            self.point.setCurrentIndex(max(self.point.findData(context.point.code), 0))

    def _build_file_row(self) -> QHBoxLayout:
        self.file = QLineEdit()
        self.file.setPlaceholderText("Chọn nơi lưu tệp .kpkg")
        browse = QPushButton("&Chọn…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        return file_row

    def _build_buttons(self) -> QDialogButtonBox:
        return accept_buttons(self, "&Xuất gói", self.start)

    def _browse(self) -> None:
        code = self.point.currentData() or "tat-ca"
        chosen = self.ask_save(self, f"kichhoat-{code}-{today_vn():%Y%m%d}.kpkg")
        if chosen is not None:
            self.file.setText(str(chosen))

    def start(self) -> None:
        if not self.file.text().strip():
            self._browse()
        path_text = self.file.text().strip()
        if not path_text:
            show_error(self.error, "Chọn nơi lưu tệp gói.")
            return
        problem = self.new_passphrase.problem()
        if problem is not None:
            show_error(self.error, problem)
            return
        show_error(self.error, None)
        out = Path(path_text)
        since: date | None = self.since.date().toPython() if self.use_since.isChecked() else None  # type: ignore[assignment]
        point_code = self.point.currentData()
        passphrase = self.passphrase.text()
        database = self.context.database
        context = self.context

        def work(report: Report) -> ExportResult:
            with database.session() as session:
                result = export_package(
                    session,
                    context.signed_in(),
                    out,
                    passphrase,
                    since=since,
                    point_code=point_code,
                    progress=report,
                )
                session.commit()  # the audit entry of the export
                return result

        def done(result: ExportResult) -> None:
            self.result_ = result
            counts = result.counts
            messages().info(
                self,
                "Đã xuất gói dữ liệu",
                f"Đã xuất {counts['cases']} hồ sơ ({counts['events']} mốc trạng thái, "
                f"{counts['points']} điểm thu nhận, {counts['operators']} cán bộ) vào\n"
                f"{result.path}",
            )
            self.accept()

        def failed(error: BaseException) -> None:
            show_error(
                self.error,
                str(error)
                if isinstance(error, UserError)
                else "Lỗi ngoài dự kiến khi xuất gói; dữ liệu đã lưu vẫn an toàn.",
            )

        BackgroundOp(self, work, done).failure(failed).with_progress("Đang xuất gói dữ liệu…").run()


class ImportPackagesDialog(QDialog):
    """Pick packages and the passphrase; each package is merged in its own transaction."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        ask_open: AskOpen = ask_open_packages,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.ask_open = ask_open
        self.summaries: list[ImportSummary] = []
        self.refusals: list[str] = []
        self.setWindowTitle("Nhập gói dữ liệu")
        self.files = QListWidget()
        add = QPushButton("&Thêm gói…")
        add.clicked.connect(self._add)
        self.passphrase = password_field(
            "Mật khẩu người gửi đã dùng khi xuất gói", "Mật khẩu của gói"
        )
        self.passphrase.setToolTip(f"Mật khẩu tạo sẵn: {TYPED_ANY_WAY}")
        self.error = error_label()
        buttons = accept_buttons(self, "&Nhập", self.start)
        form = QFormLayout()
        form.addRow("&Mật khẩu của gói:", self.passphrase)
        stacked(
            self,
            QLabel("Các gói sẽ nhập (gộp theo số định danh và mức):"),
            (self.files, 1),
            add,
            form,
            self.error,
            buttons,
        )
        self.resize(620, 380)

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).text()) for i in range(self.files.count())]

    def _add(self) -> None:
        for path in self.ask_open(self):
            if str(path) not in {str(p) for p in self.paths()}:
                self.files.addItem(str(path))

    def start(self) -> None:
        if not self.paths():
            self._add()
        paths = self.paths()
        if not paths:
            show_error(self.error, "Chọn ít nhất một gói dữ liệu.")
            return
        if not self.passphrase.text():
            show_error(self.error, "Nhập mật khẩu của gói.")
            return
        show_error(self.error, None)
        passphrase = self.passphrase.text()
        database = self.context.database
        context = self.context

        def work(report: Report) -> tuple[list[ImportSummary], list[str]]:
            summaries, refusals = [], []
            for number, path in enumerate(paths):
                try:
                    with database.session() as session:
                        summaries.append(
                            import_package(session, context.signed_in(), path, passphrase)
                        )
                        session.commit()
                except UserError as error:
                    refusals.append(f"Từ chối {path.name}: {error}")
                report(number + 1, len(paths))
            return summaries, refusals

        def done(outcome: tuple[list[ImportSummary], list[str]]) -> None:
            self.summaries, self.refusals = outcome
            lines = [s.describe() for s in self.summaries] + self.refusals
            conflicts = sum(s.conflicts for s in self.summaries)
            if conflicts:
                lines.append(
                    f"\nCó {conflicts} hồ sơ có thông tin khác nhau giữa các báo cáo: mở "
                    "Tệp → Mâu thuẫn thông tin để quản lý quyết định."
                )
            warned = self.refusals or any(s.audit_warnings for s in self.summaries)
            show = messages().warning if warned else messages().info
            show(self, "Kết quả nhập gói", "\n".join(lines))
            self.accept()

        BackgroundOp(self, work, done).with_progress("Đang nhập gói dữ liệu…").run()
