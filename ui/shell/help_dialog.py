"""The keyboard shortcuts, listed in one dialog (Shift+F1; F1 opens the user guide)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.widgets.forms import close_button, stacked

SHORTCUTS: list[tuple[str, str]] = [
    ("F1", "Hướng dẫn sử dụng, mở ở trang của màn hình đang xem"),
    ("Shift+F1", "Xem danh sách phím tắt này"),
    ("Alt+← (hướng dẫn)", "Trong cửa sổ hướng dẫn: về trang vừa xem"),
    ("Ctrl+1", "Thu nhận: hướng dẫn từng bước cho công dân"),
    ("Ctrl+2", "Danh sách hồ sơ"),
    ("Ctrl+3", "Hồ sơ cần theo dõi"),
    ("Ctrl+4", "Kết quả so với chỉ tiêu (bảng điều khiển)"),
    ("Ctrl+5", "Chỉ tiêu của huyện, xã (quản lý)"),
    ("Ctrl+6", "Vận động: danh sách rà soát, hẹn lịch, tiến độ"),
    ("Quét mã QR", "Ở bước 1, quét thẻ căn cước: điền sẵn thông tin công dân"),
    ("Enter (ô quét)", "Tìm theo số định danh vừa gõ"),
    ("Ctrl+Enter", "Sang bước sau"),
    ("Alt+←", "Về bước trước"),
    ("Ctrl+S", "Lưu kết quả hồ sơ (bước 4)"),
    ("Ctrl+N", "Bỏ ca đang làm, đón công dân mới"),
    ("Ctrl+O", "Mở vneid.gov.vn để kích hoạt (bước 3)"),
    ("Alt+1 … Alt+4", "Chọn mức hoặc kết quả theo số thứ tự"),
    ("Phím cách", "Đánh dấu bước hướng dẫn đã làm, hoặc ô đang chọn"),
    ("Ctrl+F", "Tìm trong danh sách hồ sơ"),
    ("Enter (danh sách)", "Mở hồ sơ đang chọn"),
    ("F4", "Tiếp tục hồ sơ đang chọn ở bước kết quả"),
    ("Ctrl+L", "Cần theo dõi: ghi đã liên hệ với công dân"),
    ("Ctrl+I", "Cần theo dõi: xem hồ sơ đang chọn"),
    ("Ctrl+E", "Hồ sơ đang mở: sửa (ghi lý do)"),
    ("Alt+1 … Alt+6 (vận động)", "Ghi tình trạng người đang chọn: đã thông báo, từ chối, …"),
    ("Alt+7 (vận động)", "Bật/tắt «không muốn được liên lạc»"),
    ("F2 (vận động)", "Sửa thông tin người đang chọn trong danh sách rà soát"),
    ("Ctrl+H", "Vận động: hẹn lịch cho người đang chọn"),
    ("Ctrl+P", "Vận động: in lịch hẹn, giấy mời; xuất tin nhắn SMS"),
    ("Ctrl+K", "Vận động: điểm hẹn và khung giờ (quản lý)"),
    ("Ctrl+Shift+R", "Vận động: nhập danh sách rà soát (quản lý)"),
    ("F9", "In phiếu cho công dân vừa lưu"),
    ("Ctrl+G", "Tờ hướng dẫn mã QR: sửa nội dung, xem trước, in, lưu PDF"),
    ("Backspace", "Bảng điều khiển: lên một cấp đơn vị"),
    ("F5", "Làm mới"),
    ("Ctrl+Shift+D", "Đổi cán bộ đăng nhập"),
    ("Ctrl+Shift+L", "Khóa màn hình (mở lại bằng mật khẩu, giữ nguyên hồ sơ đang nhập)"),
    ("Ctrl+Q", "Thoát"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Phím tắt")
        table = QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Phím", "Việc"])
        table.verticalHeader().setVisible(False)
        for row, (keys, action) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(action))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = close_button(self)
        stacked(self, table, buttons)
        self.table = table
        self.resize(620, 600)
