# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report in a real browser: headless Chromium renders it, we check what it drew.

Realistic sample facts go through the real analysis engine and the renderer; Chromium then takes a
screenshot (it must be a picture, not a blank or single-colour page) and dumps the DOM it built
(it must show every host and every finding). The page and the screenshot are kept under
tests/output/report/ for people to look at.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# This test needs nothing from the lab's conftest, only the collection on sys.path.
if str(REPO / ".build" / "collections") not in sys.path:
    sys.path.insert(0, str(REPO / ".build" / "collections"))

from ansible_collections.vmkernel.multihoming.plugins.module_utils.analysis._audit import analyse  # noqa: E402
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._html import render_html  # noqa: E402
from ansible_collections.vmkernel.multihoming.plugins.plugin_utils.reports._json import render_json  # noqa: E402
from ansible_collections.vmkernel.multihoming.tests.unit.plugins.plugin_utils.reports.report_samples import (  # noqa: E402
    sample_hosts,
)

OUTPUT = REPO / "tests" / "output" / "report"
WIDTH, HEIGHT = 1280, 2000

pytestmark = pytest.mark.slow


def _chromium() -> str | None:
    for candidate in (os.environ.get("LAB_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI must run the browser check (scripts/bootstrap installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium, or set LAB_CHROMIUM); CI runs this check")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The sample's HTML report on disk, and the facts and result it was made from."""
    hosts = sample_hosts()
    result = analyse(hosts)
    result["run"] = {"generated": "2026-03-01T12:00:00Z", "vcenter": "vcenter.lab.example", "scope": "every host of the vCenter",
                     "collection_version": "0.1.0", "ansible_version": "2.19.14"}
    # Last week's run: the first finding was not there yet, and one that is gone now was.
    previous = json.loads(render_json(result, hosts))
    previous["run"]["generated"] = "2026-02-22T12:00:00Z"
    gone = dict(previous["findings"].pop(0))
    previous["findings"].append(dict(gone, id="resolved-sample", host="esx-a02.lab.example", subnet="10.10.9.0/24",
                                     message="vmk1 and vmk2 share 10.10.9.0/24 on defaultTcpipStack"))
    page = render_html(result, hosts, previous)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / "report.html"
    path.write_text(page, encoding="utf-8")
    return path, hosts, result


def _run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # No network, no first-run or background chatter: the page must render from the file alone.
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=%s" % (tmp_path / "profile"), "--window-size=%d,%d" % (WIDTH, HEIGHT), *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _png_rows(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes): size, bytes per pixel, rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, chunk = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour, interlace = header[0], header[1], header[2], header[3], header[6]
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format %r" % (header,)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, p = [], bytearray(stride), 0
    for dummy_row in range(height):
        kind, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def test_screenshot_is_a_real_picture(chromium, report, tmp_path):
    path = report[0]
    png = OUTPUT / "report.png"
    if png.exists():
        png.unlink()
    out = _run_chromium(chromium, tmp_path, "--screenshot=%s" % png, path.as_uri())
    assert png.exists(), "no screenshot; chromium said:\n%s" % out.stderr[-2000:]
    data = png.read_bytes()
    assert len(data) > 50_000, "screenshot is suspiciously small (%d bytes)" % len(data)

    width, height, bpp, rows = _png_rows(data)
    assert (width, height) == (WIDTH, HEIGHT)
    colours: Counter = Counter()
    for row in rows[::4]:  # every 4th row is plenty to judge variety
        colours.update(row[i:i + 3] for i in range(0, len(row), 4 * bpp))  # RGB of every 4th pixel
    total = sum(colours.values())
    background, share = colours.most_common(1)[0]
    assert len(colours) > 50, "only %d colours: the page did not render" % len(colours)
    assert share / total < 0.95, "%.0f%% of the page is one colour" % (100 * share / total)
    # The report's palette shows up: severity red (error badges, collision borders) and ink.
    assert any(r > 180 and g < 110 and b < 110 for (r, g, b) in colours), "no red: errors are not highlighted"
    assert any(max(px) < 60 for px in colours), "no dark text"
    assert background == b"\xff\xff\xff", "background is not white"


def test_dom_shows_every_host_and_finding(chromium, report, tmp_path):
    path, hosts, result = report
    out = _run_chromium(chromium, tmp_path, "--dump-dom", path.as_uri())
    dom = out.stdout
    assert "<html" in dom[:200] and dom.rstrip().endswith("</html>"), "no DOM; chromium said:\n%s" % out.stderr[-2000:]
    (OUTPUT / "report.dom.html").write_text(dom, encoding="utf-8")
    text = html.unescape(dom)
    for host in hosts:
        assert host["name"] in text
    assert result["findings"], "the sample must produce findings"
    for finding in result["findings"]:
        assert finding["message"] in text
    # The browser kept the structure: the pictures, the highlighted subnets and the route owners.
    assert dom.count('class="diagram"') == len({f["host"] for f in result["findings"]} - {"esx-b02.lab.example"})
    assert 'class="subnet hit-error"' in dom
    assert "route owner" in text
    assert "<script" not in dom
    # What changed since last week, the run metadata and the clusters, as drawn.
    assert "1 new, 1 resolved, %d unchanged since the run of 2026-02-22T12:00:00Z" % (len(result["findings"]) - 1) in text
    assert 'class="chg chg-new"' in dom and '<ul class="findings resolved">' in dom
    assert "vcenter.lab.example" in text and "ansible-core" in text and "2.19.14" in text
    assert '<h2 id="clusters">Clusters</h2>' in dom
