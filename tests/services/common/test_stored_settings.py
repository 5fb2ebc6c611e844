"""A database setting: written as the caller's JSON, read back, and an unreadable one is
as if never set (the caller's default applies)."""

from sqlalchemy.orm import Session

from models.entities import Setting
from services.common.stored_settings import store_setting, stored_setting


def test_a_setting_is_added_then_replaced_and_read_back(session: Session) -> None:
    assert stored_setting(session, "thu_nghiem") is None
    store_setting(session, "thu_nghiem", '{"ngày": 3}')
    store_setting(session, "thu_nghiem", '{"ngày": 4}')
    assert stored_setting(session, "thu_nghiem") == {"ngày": 4}
    assert session.get(Setting, "thu_nghiem") is not None


def test_an_unreadable_setting_reads_as_never_set(session: Session) -> None:
    session.add(Setting(key="hong", value="{không phải JSON"))
    session.flush()
    assert stored_setting(session, "hong") is None
