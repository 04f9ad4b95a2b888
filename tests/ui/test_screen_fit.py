"""Every window fits the screen: the main window on each of its pages (courier mode
included), and every dialog, in both languages, on a 1366x768 screen and on a 1920x1080
screen scaled to 125 % and 150 % (1536x864 and 1280x720 logical pixels).

Qt's offscreen platform presents the screen given in a JSON file (size and logical DPI: 120
and 144 DPI make Qt scale by 1.25 and 1.5, as Windows does); one QApplication per process, so
each screen runs in a child process (tests/ui/screen_fit_child.py) that reports what does not
fit: a window frame or a button outside the available geometry, a hidden status bar, a
horizontal scroll bar on the customer list or the complaint queue.

The offscreen platform has no taskbar (its available geometry is the whole screen), so
"1366x768-taskbar" is the 1366x728 a Windows taskbar of 40 pixels leaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = {
    "1366x768": (1366, 768, 96),
    "1366x768-taskbar": (1366, 728, 96),
    "1920x1080@125%": (1920, 1080, 120),
    "1920x1080@150%": (1920, 1080, 144),
}
LOGICAL = {
    "1366x768": (1366, 768),
    "1366x768-taskbar": (1366, 728),
    "1920x1080@125%": (1536, 864),
    "1920x1080@150%": (1280, 720),
}


def run_child(tmp_path: Path, screen: str, language: str) -> dict[str, object]:
    width, height, dpi = SCREENS[screen]
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "windowFrameMargins": True,
                "screens": [
                    {
                        "name": "test",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": dpi,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_ENABLE_HIGHDPI_SCALING"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.screen_fit_child", language, str(tmp_path)],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_window_fits_the_screen(tmp_path: Path, screen: str, language: str) -> None:
    report = run_child(tmp_path, screen, language)
    _x, _y, width, height = report["screen"]  # type: ignore[misc]
    assert (width, height) == LOGICAL[screen]  # the child really ran on that screen
    assert report["dpr"] == SCREENS[screen][2] / 96
    assert report["problems"] == []
