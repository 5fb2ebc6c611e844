"""`main.py --self-test` as a process: every step reported, exit 0; a failure exits 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.upkeep.selftest import FAILED, OK, SelfTest
from tests.paths import ROOT


@pytest.mark.slow
def test_self_test_passes_and_reports_each_step(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("KICHHOAT_DB", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,  # resources are found beside the code, not in the working folder
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    steps = [line for line in lines if line.startswith("[")]
    assert len(steps) == 8
    assert all(line.startswith(f"[{OK}]") for line in steps), done.stdout
    words_of_steps = ("cơ sở dữ liệu", "nâng cấp", "bộ dữ liệu", "cửa sổ chính", "PDF", "Excel")
    for words in (*words_of_steps, "Kho mật khẩu"):
        assert any(words in line for line in steps), words
    assert lines[-1].startswith(f"Tự kiểm tra: {OK}")
    assert not (tmp_path / "data").exists()  # nothing written to the user's data folder


def test_a_failing_step_is_reported_and_later_steps_are_skipped(tmp_path: Path) -> None:
    out = io.StringIO()
    test = SelfTest(tmp_path, out)

    def broken() -> str:
        raise OSError("ổ đĩa đầy")

    assert test.step("Bước một", lambda: "xong")
    assert not test.step("Bước hai", broken)
    assert not test.step("Bước ba", lambda: "không chạy")
    assert not test.passed
    lines = out.getvalue().splitlines()
    assert lines == [
        f"[{OK}] Bước một (xong)",
        f"[{FAILED}] Bước hai: OSError: ổ đĩa đầy",
        f"[{FAILED}] Bước ba: bỏ qua vì bước trước bị lỗi",
    ]
