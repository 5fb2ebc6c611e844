"""The first start of a computer: which database, which intake point, the first administrator.

The wizard only collects answers; `services.upkeep.first_start` writes them, in one
transaction, and only then is this computer's settings file saved.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from models.codes import PointKind
from services.campaigns.directory import find_point, list_points, normalise_username
from services.campaigns.units import UnitTree
from services.common.errors import UserError, ValidationError
from services.common.labels import POINT_KIND_LABELS
from services.common.text import NAME_LENGTH, clean, clean_text
from services.security.accounts import PASSWORD_RULES_TEXT, check_password_rules
from services.upkeep.database import Database, default_database_url, describe_url
from services.upkeep.first_start import (
    SERVER_URL_EXAMPLE,
    NewAdmin,
    NewPoint,
    complete_first_start,
    open_campaign_database,
    setup_state,
    try_connection,
)
from services.upkeep.local_settings import LocalSettings, save_local_settings
from ui.shell.context import AppContext, PointInfo
from ui.widgets.commune_picker import CommunePicker
from ui.widgets.forms import (
    ERROR_STYLE,
    OK_STYLE,
    error_label,
    show_error,
    wait_cursor,
    with_error,
    wrapping_label,
)
from ui.widgets.messages import messages
from ui.widgets.searchable_combo import SearchableCombo

DATABASE_PAGE, POINT_PAGE, ADMIN_PAGE = 0, 1, 2


def point_label(tree: UnitTree, name: str, code: str, commune_id: int) -> str:
    return f"{name} – {tree.full_name(commune_id)} ({code})"


class PointPicker(SearchableCombo):
    """The existing points, searched without diacritics."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Gõ tên điểm, tên xã (không cần dấu) hoặc mã điểm", parent)

    def set_points(self, points: list[tuple[int, str]]) -> None:
        self.set_items(points)

    def point_id(self) -> int | None:
        return self.chosen_id()

    def select_point(self, point_id: int) -> None:
        self.choose(point_id)


class DatabasePage(QWizardPage):
    def __init__(self, owner: FirstStartWizard) -> None:
        super().__init__()
        self.owner = owner
        self.setTitle("Cơ sở dữ liệu")
        self.setSubTitle("Chọn nơi lưu hồ sơ của điểm thu nhận này.")

        self.local = QRadioButton("Trên &máy này (khuyến nghị)")
        self.local_path = wrapping_label(describe_url(owner.local_url).removeprefix("sqlite:///"))
        self.local_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.local_path.setIndent(24)
        self.server = QRadioButton("Trên má&y chủ dùng chung (PostgreSQL)")
        self.url = QLineEdit()
        self.url.setPlaceholderText(SERVER_URL_EXAMPLE)
        self.url.setAccessibleName("Địa chỉ máy chủ cơ sở dữ liệu")
        self.test_button = QPushButton("&Kiểm tra kết nối")
        self.test_button.clicked.connect(self.test_connection)
        self.status = wrapping_label()
        self.status.hide()
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.local)
        self.choice.addButton(self.server)
        self.local.toggled.connect(self._update_enabled)
        self.url.textEdited.connect(lambda _: self.status.hide())

        note = wrapping_label(
            "Mỗi máy dùng riêng một tệp trên ổ đĩa của mình; không đặt tệp này trên ổ mạng "
            "dùng chung. Khi nhiều điểm thu nhận cùng ghi vào một nơi, hãy dùng máy chủ "
            "PostgreSQL do cán bộ kỹ thuật cung cấp địa chỉ."
        )

        url_row = QHBoxLayout()
        url_row.setContentsMargins(24, 0, 0, 0)
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.test_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.local_path)
        layout.addSpacing(12)
        layout.addWidget(self.server)
        layout.addLayout(url_row)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(24, 0, 0, 0)
        status_row.addWidget(self.status)
        layout.addLayout(status_row)
        layout.addSpacing(12)
        layout.addWidget(note)
        layout.addStretch(1)

        current = owner.database.url if owner.database is not None else owner.settings.db_url
        if current and current != owner.local_url:
            self.server.setChecked(True)
            self.url.setText(current)
        else:
            self.local.setChecked(True)
        self._update_enabled()

    def _update_enabled(self) -> None:
        on_server = self.server.isChecked()
        self.url.setEnabled(on_server)
        self.test_button.setEnabled(on_server)
        if on_server:
            self.url.setFocus()

    def chosen_url(self) -> str | None:
        """None for the local database, else the typed address."""
        return clean(self.url.text()) if self.server.isChecked() else None

    def _show_status(self, text: str, ok: bool) -> None:
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.status.setText(text)
        self.status.show()

    def test_connection(self) -> bool:
        url = clean(self.url.text())
        if not url:
            self._show_status("Chưa ghi địa chỉ máy chủ.", ok=False)
            return False
        try:
            with wait_cursor():
                try_connection(url)
        except UserError as error:
            self._show_status(str(error), ok=False)
            return False
        self._show_status("Kết nối được cơ sở dữ liệu.", ok=True)
        return True

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        url = self.chosen_url()
        if url is not None and not url:
            self._show_status("Chưa ghi địa chỉ máy chủ.", ok=False)
            self.url.setFocus()
            return False
        try:
            with wait_cursor():
                self.owner.use_database(url)
        except UserError as error:
            self._show_status(str(error), ok=False)
            return False
        return True


class PointPage(QWizardPage):
    def __init__(self, owner: FirstStartWizard) -> None:
        super().__init__()
        self.owner = owner
        self.loaded_url: str | None = None
        self.tree: UnitTree | None = None
        self.setTitle("Điểm thu nhận của máy này")
        self.setSubTitle("Hồ sơ nhập trên máy này được ghi cho điểm thu nhận chọn ở đây.")

        self.existing = QRadioButton("Chọn điểm &đã có")
        picker_row = self._build_picker_row()
        self.new_point = QRadioButton("Tạo điểm &mới")
        self._build_new_point_form()
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.existing)
        self.choice.addButton(self.new_point)
        self.existing.toggled.connect(self._update_enabled)
        self.error = error_label()
        self.joining = wrapping_label(
            "Cơ sở dữ liệu này đã có tài khoản quản trị: chỉ cần chọn điểm thu nhận của máy "
            "này, rồi đăng nhập bằng tài khoản đã được cấp."
        )
        self.joining.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.joining)
        layout.addSpacing(4)
        layout.addWidget(self.existing)
        layout.addLayout(picker_row)
        layout.addSpacing(12)
        layout.addWidget(self.new_point)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.name.textEdited.connect(lambda _: show_error(self.name_error, None))
        self.picker.currentIndexChanged.connect(lambda _: show_error(self.picker_error, None))

    def _build_picker_row(self) -> QVBoxLayout:
        """The points the database has, indented under «Chọn điểm đã có»."""
        self.picker = PointPicker()
        self.picker.setAccessibleName("Điểm thu nhận đã có")
        self.picker.setMinimumContentsLength(40)
        self.picker_error = error_label()
        picker_row = QVBoxLayout()
        picker_row.setContentsMargins(24, 0, 0, 0)
        picker_row.addWidget(with_error(self.picker, self.picker_error))
        return picker_row

    def _build_new_point_form(self) -> None:
        """A new point's name, kind and commune (its picker comes with the database's map)."""
        self.name = QLineEdit()
        self.name.setPlaceholderText("Ví dụ: Công an xã Phú Tâm")
        self.kind = QComboBox()
        for code, label in POINT_KIND_LABELS.items():
            self.kind.addItem(label, code)
        self.commune_box = QVBoxLayout()
        self.commune_box.setContentsMargins(0, 0, 0, 0)
        self.commune: CommunePicker | None = None
        self.name_error = error_label()
        self.commune_error = error_label()
        commune_field = QWidget()
        commune_field.setLayout(self.commune_box)
        self.form = QFormLayout()
        self.form.setContentsMargins(24, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        name_label = QLabel("Tên đ&iểm:")
        name_label.setBuddy(self.name)
        kind_label = QLabel("&Loại điểm:")
        kind_label.setBuddy(self.kind)
        self.commune_label = QLabel("&Xã/phường/thị trấn:")
        self.form.addRow(name_label, with_error(self.name, self.name_error))
        self.form.addRow(kind_label, self.kind)
        self.form.addRow(self.commune_label, with_error(commune_field, self.commune_error))

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        database = self.owner.database
        assert database is not None
        self.joining.setVisible(not self.owner.needs_admin)
        if self.loaded_url == database.url:
            return  # back and forth: keep what was typed
        self.loaded_url = database.url
        with database.session(read_only=True) as session:
            self.tree = UnitTree.load(session)
            points = list_points(session)
            labels = [(p.id, point_label(self.tree, p.name, p.code, p.commune_id)) for p in points]
        self.picker.set_points(labels)
        if self.commune is not None:
            self.commune.deleteLater()
        self.commune = CommunePicker(self.tree, with_outside=False)
        self.commune.setAccessibleName("Xã/phường/thị trấn của điểm")
        self.commune.commune_changed.connect(lambda _: show_error(self.commune_error, None))
        self.commune_label.setBuddy(self.commune)
        self.commune_box.addWidget(self.commune)
        self.existing.setEnabled(bool(labels))
        self.picker.setEnabled(bool(labels))
        (self.existing if labels else self.new_point).setChecked(True)
        self._update_enabled()

    def _update_enabled(self) -> None:
        existing = self.existing.isChecked()
        self.picker.setEnabled(existing)
        for widget in (self.name, self.kind, self.commune):
            if widget is not None:
                widget.setEnabled(not existing)
        (self.picker if existing else self.name).setFocus()

    def nextId(self) -> int:  # noqa: N802 (Qt's name)
        return ADMIN_PAGE if self.owner.needs_admin else -1

    def choice_made(self) -> int | NewPoint:
        if self.existing.isChecked():
            point_id = self.picker.point_id()
            assert point_id is not None
            return point_id
        assert self.commune is not None
        commune_id = self.commune.commune_id()
        assert commune_id is not None
        return NewPoint(clean(self.name.text()), PointKind(self.kind.currentData()), commune_id)

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        show_error(self.error, None)
        if self.existing.isChecked():
            ok = self.picker.point_id() is not None
            show_error(self.picker_error, None if ok else "Chọn một điểm trong danh sách.")
            if not ok:
                self.picker.setFocus()
            return ok and self.owner.finish_if_last(self)
        name = clean(self.name.text())
        commune_id = self.commune.commune_id() if self.commune is not None else None
        name_problem = None if name else "Chưa ghi tên điểm thu nhận."
        if name and commune_id is not None and self.owner.database is not None:
            with self.owner.database.session(read_only=True) as session:
                if find_point(session, commune_id, name) is not None:
                    name_problem = (
                        "Xã này đã có điểm tên này: chọn điểm đó ở mục «Chọn điểm đã có» "
                        "hoặc đặt tên khác."
                    )
        show_error(self.name_error, name_problem)
        show_error(
            self.commune_error,
            None if commune_id is not None else "Chọn xã/phường/thị trấn trong danh sách.",
        )
        if name_problem:
            self.name.setFocus()
            return False
        if commune_id is None:
            if self.commune is not None:
                self.commune.setFocus()
            return False
        return self.owner.finish_if_last(self)

    def show_failure(self, text: str) -> None:
        show_error(self.error, text)


class AdminPage(QWizardPage):
    def __init__(self, owner: FirstStartWizard) -> None:
        super().__init__()
        self.owner = owner
        self.setTitle("Tài khoản quản trị đầu tiên")
        self.setSubTitle(
            "Dùng để đăng nhập và sau này tạo tài khoản cho các cán bộ khác. "
            "Ghi nhớ mật khẩu: không ai xem lại được."
        )
        self.username = QLineEdit()
        self.username.setPlaceholderText("Ví dụ: lan.nt (không dấu cách)")
        self.username.setMaxLength(64)
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("Ví dụ: Nguyễn Thị Lan")
        self.organisation = QLineEdit()
        self.organisation.setPlaceholderText("Ví dụ: Công an xã Phú Tâm")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = {
            "username": error_label(),
            "full_name": error_label(),
            "password": error_label(),
            "password_again": error_label(),
        }
        self.error = error_label()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, QLineEdit, str | None]] = [
            ("Tên đăng &nhập:", self.username, "username"),
            ("Họ &và tên:", self.full_name, "full_name"),
            ("Đơn vị &công tác:", self.organisation, None),
            ("&Mật khẩu:", self.password, "password"),
            ("Nhập &lại mật khẩu:", self.password_again, "password_again"),
        ]
        for text, field, key in rows:
            label = QLabel(text)
            label.setBuddy(field)
            if key is None:
                form.addRow(label, field)
                continue
            error = self.errors[key]
            field.textEdited.connect(lambda _, e=error: show_error(e, None))
            hint = PASSWORD_RULES_TEXT if field is self.password else None
            form.addRow(label, with_error(field, error, hint))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        self.username.setFocus()

    def nextId(self) -> int:  # noqa: N802 (Qt's name)
        return -1

    def draft(self) -> NewAdmin:
        return NewAdmin(
            username=normalise_username(self.username.text()),
            full_name=clean(self.full_name.text()),
            password=self.password.text(),
            organisation=clean(self.organisation.text()),
        )

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        problems: dict[str, str] = {}
        try:
            normalise_username(self.username.text())
        except ValidationError as error:
            problems["username"] = str(error)
        try:
            if not clean_text(self.full_name.text(), "Họ và tên", NAME_LENGTH):
                problems["full_name"] = "Chưa ghi họ và tên."
        except ValidationError as error:
            problems["full_name"] = str(error)
        try:
            check_password_rules(self.password.text())
        except ValidationError as error:
            problems["password"] = str(error)
        if self.password_again.text() != self.password.text():
            problems["password_again"] = "Hai lần nhập mật khẩu không giống nhau."  # noqa: S105
        for key, label in self.errors.items():
            show_error(label, problems.get(key))
        show_error(self.error, None)
        if problems:
            first = next(key for key in self.errors if key in problems)
            field = {
                "username": self.username,
                "full_name": self.full_name,
                "password": self.password,
                "password_again": self.password_again,
            }[first]
            field.setFocus()
            return False
        return self.owner.finish_if_last(self)

    def show_failure(self, text: str) -> None:
        show_error(self.error, text)


class FirstStartWizard(QWizard):
    """Sets up this computer; `context` holds the result once accepted (no one signed in yet).

    `database` is the one the start-up opened, or None when it could not be opened.
    Databases the wizard opens itself and does not keep are closed again."""

    def __init__(
        self,
        database: Database | None,
        settings: LocalSettings,
        *,
        settings_folder: Path | None = None,
        local_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.settings = settings
        self.settings_folder = settings_folder
        self.local_url = local_url or default_database_url()
        self.chosen_url: str | None = settings.db_url
        self.opened: list[Database] = []
        self.needs_admin = True
        self.context: AppContext | None = None
        if database is not None:
            with database.session(read_only=True) as session:
                self.needs_admin = not setup_state(session, None).has_admin

        self.setWindowTitle("Thiết lập lần đầu – kichhoat")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for button, text in (
            (QWizard.WizardButton.BackButton, "< &Quay lại"),
            (QWizard.WizardButton.NextButton, "&Tiếp tục >"),
            (QWizard.WizardButton.CommitButton, "&Xác nhận"),
            (QWizard.WizardButton.FinishButton, "&Hoàn tất"),
            (QWizard.WizardButton.CancelButton, "Hủy"),
            (QWizard.WizardButton.HelpButton, "Trợ giúp"),
        ):
            self.setButtonText(button, text)
        self.database_page = DatabasePage(self)
        self.point_page = PointPage(self)
        self.admin_page = AdminPage(self)
        self.setPage(DATABASE_PAGE, self.database_page)
        self.setPage(POINT_PAGE, self.point_page)
        self.setPage(ADMIN_PAGE, self.admin_page)
        # A computer joining a database that already has an administrator only picks its point.
        self.setStartId(POINT_PAGE if database is not None and not self.needs_admin else 0)
        self.resize(760, 600)

    def use_database(self, url: str | None) -> None:
        """Switch to the database chosen on the first page (None: the local one)."""
        target = url or self.local_url
        if self.database is None or self.database.url != target:
            database = open_campaign_database(target)
            if self.database is not None and self.database in self.opened:
                self.opened.remove(self.database)
                self.database.dispose()
            self.opened.append(database)
            self.database = database
        self.chosen_url = url
        with self.database.session(read_only=True) as session:
            self.needs_admin = not setup_state(session, None).has_admin

    def finish_if_last(self, page: PointPage | AdminPage) -> bool:
        """On the last page, write everything; False (with the reason shown) if that failed."""
        if page.nextId() != -1:
            return True
        database = self.database
        assert database is not None
        try:
            with wait_cursor(), database.session() as session:
                admin = self.admin_page.draft() if self.needs_admin else None
                point = complete_first_start(session, self.point_page.choice_made(), admin)
                settings = replace(
                    self.settings,
                    db_url=self.chosen_url,
                    point_code=point.code,
                    last_username=admin.username if admin else self.settings.last_username,
                )
                info = PointInfo(point.id, point.code, point.name, point.commune_id)
                # Settings first: if they cannot be saved, nothing is committed either.
                not_kept = save_local_settings(settings, self.settings_folder)
                session.commit()
        except UserError as error:
            page.show_failure(str(error))
            return False
        if not_kept is not None:
            messages().warning(
                self,
                "Mật khẩu máy chủ",
                f"Mật khẩu máy chủ cơ sở dữ liệu không được ghi nhớ: {not_kept}. Mỗi lần khởi "
                "động, ứng dụng sẽ hỏi mật khẩu này.",
            )
        self.settings = settings
        self.context = AppContext(
            database=database, settings=settings, point=info, settings_folder=self.settings_folder
        )
        return True

    def done(self, result: int) -> None:
        super().done(result)
        accepted = result == QWizard.DialogCode.Accepted.value
        if accepted and self.context is None:
            return  # the last page refused: the wizard stays open
        keep = self.context.database if accepted and self.context is not None else None
        for database in self.opened:
            if database is not keep:
                database.dispose()
        self.opened = [d for d in self.opened if d is keep]
