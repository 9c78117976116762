"""The real main window on a real X server (Xvfb) at 1280x800 and 1920x1080, checked as a user.

Each size runs tests/gui/window_probe.py in a child process on its own Xvfb screen (Qt picks
its platform once per process). `make test` installs Xvfb when it is missing and sets
LINEHMI_REQUIRE_XVFB=1, so on CI a missing X server fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hmi.ui.touch import TOUCH_TARGET_PX
from hmi.ui.window_layout import UPSET_ROWS
from widgets import palette

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(1280, 800), (1920, 1080)]


def _xvfb(width: int, height: int):  # type: ignore[no-untyped-def]
    """Start Xvfb on a free display (it picks and tells the number): (process, ':n')."""
    r, w = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        proc.wait()
        raise RuntimeError("Xvfb did not start")
    return proc, f":{number}"


@pytest.fixture(scope="module", params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def probe(request):
    if shutil.which("Xvfb") is None:
        if os.environ.get("LINEHMI_REQUIRE_XVFB") == "1":
            pytest.fail("Xvfb is not installed (make test installs it: apt-get install xvfb)")
        pytest.skip("Xvfb is not installed: the real-window tier needs it (make test installs it)")
    width, height = request.param
    proc, display = _xvfb(width, height)
    try:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))
        shots = os.environ.get("LINEHMI_SHOTS")
        cmd = [sys.executable, "-m", "tests.gui.window_probe"]
        if shots:
            cmd += ["--shots", str(Path(shots) / f"{width}x{height}")]
        out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")]
    assert out.returncode == 0 and lines, (
        f"probe failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
    )
    report = json.loads(lines[-1].removeprefix("PROBE "))
    report["size"] = (width, height)
    return report


def _inside(frame: list[int], avail: list[int]) -> bool:
    x, y, w, h = frame
    ax, ay, aw, ah = avail
    return ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah


def test_the_window_fits_its_screen_and_never_grows(probe):
    for key in ("start", "after_reset"):
        geo = probe[key] if key == "start" else probe["upset"][key]
        assert geo["available"][2:] == list(probe["size"])
        assert _inside(geo["frame"], geo["available"]), (key, geo)
        assert not geo["overlaps"], (key, geo["overlaps"])
        assert not geo["floating"], (key, geo["floating"])
    upset = probe["upset"]["geometry"]
    assert _inside(upset["frame"], upset["available"]) and not upset["overlaps"]
    # A pane that suddenly wants 2500x3000 px scrolls inside its dock; the window keeps its size.
    assert probe["upset"]["size_after_growth"] == upset["frame"][2:]


def test_the_alarm_list_is_one_tap_away_on_a_fresh_window(probe):
    reach = probe["reach"]
    front = probe["start_front"]
    assert "alarmsDock" in front and "tagsDock" not in front, f"a fresh window shows the alarm list: {front}"
    assert reach["alarm_list_button_shown_before"] is False and reach["f2_key_shown_before"] is False
    for path in ("alarm_list_button", "priority_tile", "banner_entry", "f2_key"):
        assert reach[path] is not None, f"{path}: the alarm list did not come to the front"
    assert reach["tile_filter_note_visible"] and reach["tile_filter_cleared"]


def test_a_new_high_alarm_brings_the_list_forward_but_not_in_a_dialog(probe):
    new = probe["new_urgent"]
    assert new["behind_before"] and new["seconds_to_front"] is not None
    assert new["dialog_active"] and new["urgent_in_dialog"]
    assert new["jumped_in_dialog"] is False


def test_a_trip_brings_the_list_in_view_from_every_pane_and_only_then_says_so(probe):
    """qa5 F20: the log said "alarm list brought forward" while the Assistant tab stayed in front."""
    panes = probe["trip_from_every_pane"]
    assert {"assistantDock", "tagsDock", "trendDock", "eventsDock"} <= set(panes)
    for name, r in panes.items():
        assert r["claims"] == [None], f"{name} in front: at log time {r['claims']}"
        assert r["now"] is None, f"{name} in front: {r['now']}"


# At 1280x800 (touch, 40 px rows) 8 rows and the faceplates' summaries (state, speed, every value in
# alarm, the failure risk: qa6 F17) do not both fit: the overview keeps its summaries and the alarm
# list gets the rest, 4 rows (and the banner's 2).
LINE_PC_UPSET_ROWS = 4


def test_an_upset_has_room_for_eight_alarm_rows(probe):
    upset = probe["upset"]
    wanted = UPSET_ROWS if probe["size"][1] > 800 else LINE_PC_UPSET_ROWS
    assert upset["rows_visible"] >= wanted, f"{upset['rows_visible']:.2f} rows of {upset['row_height']} px"


def test_an_upset_leaves_every_faceplate_state_and_main_value_in_view(probe):
    assert probe["upset"]["essentials_hidden"] == []


def test_the_touch_profile_is_automatic_on_small_screens(probe):
    # [display] touch = "auto": on for a screen no taller than 800 px, off in the control room.
    assert probe["upset"]["touch"] is (probe["size"][1] <= 800)


def test_touch_targets_are_finger_sized(probe):
    if not probe["upset"]["touch"]:
        pytest.skip("the touch profile is off on a control-room screen (see the test above)")
    t = probe["upset"]["targets"]
    assert t["count"] > 20
    smallest = t["smallest"][0]
    assert smallest[0] >= TOUCH_TARGET_PX, f"smallest target {smallest}"
    night = probe["upset"]["night_targets"]["smallest"][0]  # a theme switch re-polishes every widget
    assert night[0] >= TOUCH_TARGET_PX, f"smallest target at night {night}"
    assert probe["upset"]["row_height"] >= TOUCH_TARGET_PX


@pytest.mark.parametrize("theme", ["day", "night"])
def test_nothing_is_clipped_or_overlapping_in_an_upset(probe, theme):
    """The upset on the real X server, day and night: no text clipped, no control cut by a parent or
    over another (at night the banner's Ack buttons lay in rows too short for them, qa9 Q9-19)."""
    found = probe["upset"]["not_whole"][theme]
    assert not found, f"{len(found)} at {probe['size']} ({theme}):\n" + "\n".join(found)


def test_the_night_theme_keeps_the_isa101_rules(probe):
    n = probe["upset"]["night"]
    assert n["window_luminance"] < 0.1, "night: a dark background"
    assert 4.5 <= n["contrast"] <= 10, f"readable but low glare: {n['contrast']:.1f}:1"
    # Colour only for abnormal: every non-grey in the night style sheet is an alarm or comm colour.
    allowed = {*palette.PRIORITY_COLOURS.values(), palette.COMM, "#1F4677"}
    assert set(n["non_grey_colours"]) <= allowed, n["non_grey_colours"]
    assert n["priority_colours"] == {str(k): v for k, v in palette.PRIORITY_COLOURS.items()}


def test_moved_to_a_second_monitor_it_fits_that_one(tmp_path):
    """Two screens of different sizes side by side (Qt's offscreen platform: Xvfb gives Qt one)."""
    screens = [
        {"name": "line-pc", "x": 0, "y": 0, "width": 1280, "height": 800},
        {"name": "second", "x": 1280, "y": 0, "width": 1920, "height": 1080},
    ]
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"screens": [dict(s, logicalDpiX=96, logicalDpiY=96) for s in screens]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "tests.gui.window_probe", "--second-monitor"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")]
    assert out.returncode == 0 and lines, out.stderr[-3000:]
    r = json.loads(lines[-1].removeprefix("PROBE "))
    first, second = r["screens"][0][1:], r["screens"][1][1:]
    assert r["first"]["screen"] == "line-pc" and _inside(r["first"]["frame"], first)
    assert r["second"]["screen"] == "second" and _inside(r["second"]["frame"], second)
    assert r["second"]["frame"][2:] == second[2:]  # laid out for the bigger screen, not kept small
    assert _inside(r["second"]["after_asking_twice_the_screen"], second)
    assert not r["second"]["overlaps"]
