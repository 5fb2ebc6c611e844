"""Tệp → Đợt cao điểm khác → Tạo đợt mới (administrators): the campaign builder's form.

The same service as `campaign new` (services/campaigns/builder.py), in the background, into
a new database file; a refusal is shown under the form, and what was typed stays."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.builder import (
    BuildResult,
    CampaignSpec,
    parse_hours,
    province_unit_rows,
    provinces_of,
)
from services.campaigns.files import sqlite_url
from services.common.errors import UserError
from services.common.vntime import today_vn
from services.security.session_context import Actor
from ui.widgets.background import BackgroundOp
from ui.widgets.file_dialogs import ask_open_path, ask_save_path
from ui.widgets.forms import (
    accept_buttons,
    day_edit,
    day_of,
    error_label,
    show_error,
    wrapping_label,
)

MAP_CHOICES = [
    (2025, "2025 – 34 tỉnh, thành phố; không có cấp huyện (từ 01/7/2025)"),
    (2023, "2023 – 63 tỉnh, thành phố; có cấp huyện"),
]


class _FileField(QWidget):
    """A path typed or chosen with «Chọn…»."""

    def __init__(self, placeholder: str, choose: QPushButton) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(choose)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text) if text else None


class CampaignBuilderDialog(QDialog):
    """On success `created_url` is the new database's address."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.created_url: str | None = None
        self.result_text = ""
        self.setWindowTitle("Tạo đợt cao điểm mới – kichhoat")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        intro = wrapping_label(
            "Mỗi đợt dùng một tệp cơ sở dữ liệu riêng. Chọn tỉnh trên bản đồ hành chính của "
            "kế hoạch; danh sách xã, phường lấy từ danh mục chính thức đi kèm phần mềm."
        )
        layout.addWidget(intro)
        layout.addLayout(self._form())
        self.error = error_label()
        layout.addWidget(self.error)
        self.buttons = accept_buttons(self, "&Tạo đợt", self.build)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.fill_provinces()

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        self.map = QComboBox()
        for year, label in MAP_CHOICES:
            self.map.addItem(label, year)
        self.map.currentIndexChanged.connect(self.fill_provinces)
        self.province = QComboBox()
        self.province.setEditable(False)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Cao điểm vận động, hướng dẫn kích hoạt tài khoản …")
        self.plan_number = QLineEdit()
        self.plan_number.setPlaceholderText("ví dụ 142/KH-UBND")
        today = today_vn()
        self.plan_date = day_edit(today)
        self.first_day = day_edit(today)
        self.last_day = day_edit(today)
        self.hours = QLineEdit("07:00-21:00")
        self.report_to = QLineEdit()
        self.report_to.setPlaceholderText("Phòng PC06, Công an tỉnh …")
        self.report_by = day_edit(today)
        choose_targets = QPushButton("Chọn…")
        choose_targets.clicked.connect(self.choose_targets)
        self.targets = _FileField("không bắt buộc: bảng chỉ tiêu theo mẫu phụ lục", choose_targets)
        choose_file = QPushButton("Chọn…")
        choose_file.clicked.connect(self.choose_database)
        self.database = _FileField("tệp .sqlite3 mới", choose_file)
        for label, field in (
            ("&Bản đồ hành chính:", self.map),
            ("T&ỉnh, thành phố:", self.province),
            ("Tê&n đợt:", self.name),
            ("Số &kế hoạch:", self.plan_number),
            ("Ngày ký kế &hoạch:", self.plan_date),
            ("Từ ngà&y:", self.first_day),
            ("Đến ngày:", self.last_day),
            ("&Giờ làm việc:", self.hours),
            ("Nơi nhận &báo cáo:", self.report_to),
            ("Hạn báo cáo:", self.report_by),
            ("&Chỉ tiêu:", self.targets),
            ("Tệp cơ sở &dữ liệu:", self.database),
        ):
            form.addRow(label, field)
        return form

    def fill_provinces(self) -> None:
        year = int(self.map.currentData())
        self.province.clear()
        for code, name in provinces_of(year):
            self.province.addItem(f"{code} – {name}", code)

    def choose_targets(self) -> None:
        path = ask_open_path(self, "Chọn bảng chỉ tiêu", "Bảng tính (*.xlsx *.csv)")
        if path is not None:
            self.targets.edit.setText(str(path))

    def choose_database(self) -> None:
        path = ask_save_path(
            self, "Tệp cơ sở dữ liệu của đợt mới", "dot-moi.sqlite3", "SQLite (*.sqlite3)"
        )
        if path is not None:
            self.database.edit.setText(str(path))

    def spec(self) -> CampaignSpec:
        start, end = parse_hours(self.hours.text())
        return CampaignSpec(
            province_code=str(self.province.currentData() or ""),
            map_year=int(self.map.currentData()),
            name=self.name.text(),
            plan_number=self.plan_number.text(),
            plan_date=day_of(self.plan_date),
            first_day=day_of(self.first_day),
            last_day=day_of(self.last_day),
            daily_start=start,
            daily_end=end,
            report_recipient=self.report_to.text(),
            report_due_before=day_of(self.report_by),
        )

    def build(self) -> None:
        try:
            spec = self.spec()
            target = self.database.path()
            if target is None:
                raise UserError("Chọn tệp cơ sở dữ liệu cho đợt mới (nút «Chọn…»).")
            targets = self.targets.path()
            if targets is not None and not targets.is_file():
                raise UserError(f"Không tìm thấy tệp chỉ tiêu «{targets}».")
            rows = province_unit_rows(spec.map_year, spec.province_code)
        except UserError as error:
            show_error(self.error, str(error))
            return
        show_error(self.error, None)
        url = sqlite_url(target)
        actor = self.actor

        def work(_report: object) -> BuildResult:
            from services.campaigns.builder import build_campaign
            from services.upkeep.database import open_database

            database = open_database(url)
            try:
                with database.session() as session:
                    result = build_campaign(session, actor, spec, rows, targets)
                    session.commit()
                return result
            finally:
                database.dispose()

        def done(result: BuildResult) -> None:
            self.created_url = url
            lines = [
                f"Đã tạo đợt «{result.campaign_code}» cho {result.province_name}."
                if result.created
                else f"Tệp này đã có đúng đợt «{result.campaign_code}»: mở đợt đó."
            ]
            if result.targets is not None:
                lines += result.targets.lines()
            lines += [f"Lưu ý: {note}" for note in result.notes]
            self.result_text = "\n".join(lines)
            self.accept()

        def failed(error: BaseException) -> None:
            show_error(self.error, str(error))

        BackgroundOp(self, work, done).failure(failed).with_progress("Đang tạo đợt mới…").run()
