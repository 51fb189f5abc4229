"""The HTML report in a real browser: Debian's headless Chromium, driven directly.

It must show every hypothesis and the level, run nothing from observation
text, and not render blank.  Skipped only when no chromium binary exists
(.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.image import imread

from iandw.cli import main
from test_html_report import AS_OF, PAYLOADS, ROOT, Page

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_OBSERVATION = f"""
kind: observation
id: hostile-meeting-2023-09-10
type: meeting
date: "2023-09-10"
place: "{PAYLOADS[1]}"
summary: "{PAYLOADS[0]} {PAYLOADS[1]} met in Beirut"
entities:
  - {{entity: hossein-amirabdollahian, role: participant}}
  - {{entity: saleh-al-arouri, role: participant}}
sources:
  - name: "{PAYLOADS[0]}{PAYLOADS[1]}"
    origin: hostile
    reliability: A
    credibility: 1
    url: "javascript:document.title='PWNED'"
"""


def chromium(tmp_path: Path, page: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def report(tmp_path: Path, *paths: str) -> Path:
    out = tmp_path / "report.html"
    args = ["evaluate", *paths, "--rules", str(ROOT / "rules"), "--as-of", AS_OF, "--format", "html", "-o"]
    with pytest.MonkeyPatch.context() as patch:  # no paths: the shipped observations, from the root
        patch.chdir(ROOT)
        result = CliRunner().invoke(main, [*args, str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_shipped_case_renders_with_every_hypothesis_and_level(tmp_path: Path) -> None:
    page = report(tmp_path)
    html = chromium(tmp_path, page, "--dump-dom")
    dom = Page(html)
    assert f"iandw report as of {AS_OF}: alert" in dom.content  # the <title>
    assert '<div class="big" id="level">ALERT</div>' in html
    summary = html.index('id="hypotheses"')
    for hypothesis, level in (
        ("iran-supported-hamas", "alert"),
        ("russia-diplomacy-only", "warning"),
        ("russia-supported-hamas", "watch"),
    ):
        start = html.index(f'href="#hyp-{hypothesis}"', summary)
        row = html[start : html.index("</tr>", start)]  # its row of the summary table
        assert f'<span class="badge level-{level}">{level}</span>' in row
        assert any(attrs.get("id") == f"hyp-{hypothesis}" for _, attrs in dom.tags)
    assert len(dom.all("svg")) == 4  # three sensitivity charts and the evidence timeline

    shot = tmp_path / "shot.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000")
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    assert float(np.std(pixels)) > 0.05  # not one flat colour
    assert float(np.mean(pixels.mean(axis=2) < 0.5)) > 0.005  # and there is dark ink: text, charts


def test_no_script_from_observation_text_runs(tmp_path: Path) -> None:
    observations = tmp_path / "observations"
    shutil.copytree(ROOT / "observations", observations)
    (observations / "hostile.yaml").write_text(HOSTILE_OBSERVATION, encoding="utf-8")
    page = report(tmp_path, str(observations))
    assert "hostile-meeting-2023-09-10" in page.read_text(encoding="utf-8")  # it is in the report
    dom = Page(chromium(tmp_path, page, "--dump-dom"))
    titles = [text for text in dom.text if "iandw report" in text]
    assert titles and "PWNED" not in titles[0]
    assert not dom.all("script") and not dom.all("img")
    assert not [attrs for _, attrs in dom.tags if any(name.startswith("on") for name in attrs)]
    assert not [a for a in dom.all("a") if (a.get("href") or "").strip().lower().startswith("javascript:")]
    for payload in PAYLOADS:
        assert payload in dom.content  # shown as the text it is
    assert "javascript:document.title='PWNED'" in dom.content
