"""The level-1 guide for a citizen without a smartphone: registered on the point's device,
activated on its computer or a relative's phone; never "install VNeID on your phone"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from models.codes import HelpReason, Status
from tests.ui.desk.test_intake_flow import scan_card
from ui.desk.flow import IntakeFlow
from ui.desk.guide import GuideStep, default_path


def steps_text(guide: GuideStep) -> list[str]:
    return [guide.steps.item(i).text() for i in range(guide.steps.count())]


def tells_to_install_on_own_phone(step: str) -> bool:
    """A step that has the citizen install (cài/tải) VNeID, not saying it is not needed or
    that it goes on someone else's phone."""
    text = step.lower()
    installs = "cài" in text or "tải ứng dụng" in text
    return installs and not any(
        other in text for other in ("không cần cài", "người thân", "thiết bị của điểm")
    )


@pytest.mark.parametrize("reason", [HelpReason.NO_SMARTPHONE, HelpReason.PHONE_UNSUPPORTED])
def test_no_smartphone_gets_the_guide_for_the_points_device(
    qtbot: QtBot, reason: HelpReason
) -> None:
    key = default_path(1, None, False, reason)
    assert key == "level1_no_smartphone"
    guide = GuideStep(open_url=lambda _url: None)
    qtbot.addWidget(guide)
    guide.select(key)
    steps = steps_text(guide)
    assert not [s for s in steps if tells_to_install_on_own_phone(s)]
    text = " ".join(steps)
    assert "thiết bị" in text and "https://vneid.gov.vn" in text and "người thân" in text
    assert guide.open_site.isVisibleTo(guide)  # activation on the point's computer

    # Without a reason (or another one) the citizen's own phone is used, as before.
    for other in (None, HelpReason.ELDERLY_OR_DISABLED):
        assert default_path(1, None, False, other) == "level1_app"
        guide.select("level1_app")
        assert any(tells_to_install_on_own_phone(s) for s in steps_text(guide))
    # Approved already: activation, whatever the phone.
    assert default_path(1, Status.APPROVED, False, reason) == "activation_web"
    assert default_path(2, None, True, reason) == "level2_police"


def test_the_desk_chooses_it_from_the_help_reason(qtbot: QtBot, flow: IntakeFlow) -> None:
    scan_card(qtbot, flow)
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    flow.check_step.set_help_reason(HelpReason.NO_SMARTPHONE)
    flow.check_step.consent.setChecked(True)
    flow.forward()
    assert flow.step() == 2 and flow.guide.current() == "level1_no_smartphone"
    assert not [s for s in steps_text(flow.guide) if tells_to_install_on_own_phone(s)]
