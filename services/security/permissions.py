"""Who may do what: one table of actions by role, checked at the top of the service calls.

The buttons a role may not use are hidden too, but hiding is a comfort: the rule lives
here, so a call made without the right (a stray shortcut, a script, a future screen)
raises `PermissionDeniedError`, whose Vietnamese message the UI shows.

Roles are cumulative: a manager may do what an operator may, an administrator what a
manager may. The command line signs in like the window for every command that reads
personal data or changes anything that matters (ui/security/cli_sign_in.py); the few commands
without personal data act as `cli_actor`.
"""

from __future__ import annotations

from enum import StrEnum

from models.codes import Role
from services.common.errors import UserError
from services.security.session_context import Actor


class Action(StrEnum):
    WORK_CASES = "work_cases"  # save and correct cases at one's point, follow-up calls
    PRINT = "print"  # guide sheets and citizen slips
    OTHER_POINTS_GUIDES = "other_points_guides"  # edit the guide texts of another point
    REPORTS = "reports"  # the Excel report for PC06
    TARGETS = "targets"
    IMPORT_RECORDS = "import_records"
    PACKAGES = "packages"
    CONFLICTS = "conflicts"
    DETAIL_LIST = "detail_list"  # every case with personal data, for the police
    AUDIT = "audit"  # read, verify and export the audit log
    ACCOUNTS = "accounts"
    BACKUPS = "backups"  # back up and restore
    SETTINGS = "settings"  # settings of the shared database (retention, ...)
    LOCAL_SETTINGS = "local_settings"  # this computer's slip size, printer, idle lock
    PURGE = "purge"  # erase personal data after the campaign
    DEMO_DATA = "demo_data"  # write synthetic cases, points and operators (`demo`)
    CITIZEN_REQUESTS = "citizen_requests"  # log citizens' requests, look up and export one's data
    ERASE_PERSON = "erase_person"  # erase and anonymise one citizen, on their request
    PROCESSING_DESCRIPTION = "processing_description"  # the impact-assessment description
    OUTREACH = "outreach"  # review lists: see and update people, appoint, check in at the desk
    OUTREACH_MANAGE = "outreach_manage"  # import review lists, stops and slots, SMS, call sheets


ROLE_RANK = {Role.OPERATOR: 0, Role.MANAGER: 1, Role.ADMIN: 2}

# The lowest role allowed each action.
MINIMUM_ROLE: dict[Action, Role] = {
    Action.WORK_CASES: Role.OPERATOR,
    Action.PRINT: Role.OPERATOR,
    Action.OTHER_POINTS_GUIDES: Role.MANAGER,
    Action.REPORTS: Role.MANAGER,
    Action.TARGETS: Role.MANAGER,
    Action.IMPORT_RECORDS: Role.MANAGER,
    Action.PACKAGES: Role.MANAGER,
    Action.CONFLICTS: Role.MANAGER,
    Action.DETAIL_LIST: Role.MANAGER,
    Action.AUDIT: Role.MANAGER,
    Action.ACCOUNTS: Role.ADMIN,
    Action.BACKUPS: Role.ADMIN,
    Action.SETTINGS: Role.ADMIN,
    Action.LOCAL_SETTINGS: Role.MANAGER,
    Action.PURGE: Role.ADMIN,
    Action.DEMO_DATA: Role.ADMIN,
    Action.CITIZEN_REQUESTS: Role.MANAGER,
    Action.ERASE_PERSON: Role.MANAGER,
    Action.PROCESSING_DESCRIPTION: Role.ADMIN,
    Action.OUTREACH: Role.OPERATOR,
    Action.OUTREACH_MANAGE: Role.MANAGER,
}

ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "cán bộ thu nhận",
    Role.MANAGER: "quản lý",
    Role.ADMIN: "quản trị viên",
}

ACTION_LABELS: dict[Action, str] = {
    Action.WORK_CASES: "ghi và sửa hồ sơ",
    Action.PRINT: "in tờ hướng dẫn và phiếu",
    Action.OTHER_POINTS_GUIDES: "sửa tờ hướng dẫn của điểm thu nhận khác",
    Action.REPORTS: "lập báo cáo",
    Action.TARGETS: "sửa chỉ tiêu",
    Action.IMPORT_RECORDS: "nhập hồ sơ từ bảng tính",
    Action.PACKAGES: "xuất, nhập gói dữ liệu",
    Action.CONFLICTS: "giải quyết hồ sơ mâu thuẫn",
    Action.DETAIL_LIST: "xuất danh sách chi tiết",
    Action.AUDIT: "xem nhật ký hệ thống",
    Action.ACCOUNTS: "quản lý tài khoản",
    Action.BACKUPS: "sao lưu, khôi phục dữ liệu",
    Action.SETTINGS: "đổi cài đặt chung",
    Action.LOCAL_SETTINGS: "đổi cài đặt của máy này",
    Action.PURGE: "xóa dữ liệu cá nhân",
    Action.DEMO_DATA: "thêm hồ sơ giả lập (dữ liệu thử)",
    Action.CITIZEN_REQUESTS: "xử lý yêu cầu của người dân về dữ liệu cá nhân",
    Action.ERASE_PERSON: "xóa dữ liệu cá nhân của một công dân",
    Action.PROCESSING_DESCRIPTION: "lập mô tả hoạt động xử lý dữ liệu cá nhân",
    Action.OUTREACH: "vận động, hẹn lịch người dân trong danh sách rà soát",
    Action.OUTREACH_MANAGE: "nhập danh sách rà soát, lập điểm hẹn, xuất tin nhắn nhắc lịch",
}


class PermissionDeniedError(UserError):
    """The signed-in person's role does not allow the action."""

    def __init__(self, message: str, action: Action) -> None:
        super().__init__(message)
        self.action = action


def allowed(actor: Actor | None, action: Action) -> bool:
    if actor is None:
        return False
    return ROLE_RANK[actor.role] >= ROLE_RANK[MINIMUM_ROLE[action]]


def require(actor: Actor | None, action: Action) -> Actor:
    """`actor` when their role allows `action`; else a Vietnamese `PermissionDeniedError`."""
    if actor is None:
        raise PermissionDeniedError("Cần đăng nhập trước khi làm việc này.", action)
    if not allowed(actor, action):
        needed = ROLE_LABELS[MINIMUM_ROLE[action]]
        raise PermissionDeniedError(
            f"Tài khoản «{actor.username}» ({ROLE_LABELS[actor.role]}) không có quyền "
            f"{ACTION_LABELS[action]}: việc này cần tài khoản {needed} trở lên. Nhờ người có "
            "quyền thực hiện.",
            action,
        )
    return actor


def require_point(actor: Actor, action: Action = Action.WORK_CASES) -> int:
    """The actor's intake point; a signed-in person must be at one to work cases."""
    require(actor, action)
    if actor.operator_id is None or actor.point_id is None:
        raise PermissionDeniedError(
            "Chưa đăng nhập hoặc chưa chọn điểm thu nhận cho máy này.", action
        )
    return actor.point_id
