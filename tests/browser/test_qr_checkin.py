"""At 390 px: the ticket's QR code is large enough to scan, and the proctor's camera scanner reads it and checks in."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import ARGS, CHROMIUM, shoot
from tests.browser.test_exam_flow import arrange, log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
FRAME = (640, 480)


def camera_file(png: bytes, path: Path) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of the QR as shot from the candidate's phone screen."""
    shot = Image.open(io.BytesIO(png)).convert("L")
    frame = Image.new("L", FRAME, 255)
    shot.thumbnail((FRAME[0] - 40, FRAME[1] - 40))  # the phone held in front of the camera, with a margin
    frame.paste(shot, ((FRAME[0] - shot.width) // 2, (FRAME[1] - shot.height) // 2))
    w, h = FRAME
    chroma = bytes([128]) * (w // 2 * h // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_a_proctor_scans_the_ticket_on_a_phone_and_checks_the_candidate_in(live: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    srv = live()
    facts = arrange(srv.app)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
        log_in(page, srv.url, facts["id_number"])
        page.goto(srv.url + "/exams/")
        page.click(f"tr[data-session='{facts['session_id']}'] button:has-text('报名')")
        ticket = page.inner_text("#ticket-no")
        qr = page.locator(".ticket .qr svg")
        box = qr.bounding_box()
        assert box is not None
        # a 14-digit number is a version 1 QR code: 21 modules and a quiet zone of 4 each side, 29 in all; at
        # 8 CSS px a module or more (16 device pixels here) a camera reads it off a phone held at arm's length
        assert 29 * 8 <= box["width"] <= PHONE["width"] - 32 and abs(box["width"] - box["height"]) < 1, box
        shoot(page, "ticket-390")
        video = camera_file(qr.screenshot(), tmp_path / "ticket.y4m")
        browser.close()

        camera = pw.chromium.launch(executable_path=CHROMIUM, args=[
            *ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        try:
            proctor = camera.new_context(viewport=PHONE).new_page()
            log_in(proctor, srv.url, "proctor1")
            proctor.goto(srv.url + f"/exams/proctor/sessions/{facts['session_id']}")
            assert proctor.get_attribute("#ticket_no", "inputmode") == "numeric"
            proctor.click("#scan-start")
            proctor.wait_for_function("document.getElementById('ticket_no').value.length > 0", timeout=15000)
            assert proctor.input_value("#ticket_no") == ticket
            assert proctor.get_attribute("#scanner", "data-decoder") in ("jsQR", "BarcodeDetector")
            assert "已识别准考证号" in proctor.inner_text("#scan-status")
            assert proctor.evaluate("document.activeElement.id") == "id_last"
            proctor.keyboard.type(facts["id_number"][-4:])
            proctor.click("#check-in")
            assert "签到成功" in proctor.inner_text(".flash")
            shoot(proctor, "proctor-checkin-390")
            assert "已签到" in proctor.inner_text(f"tr[data-ticket='{ticket}']")
        finally:
            camera.close()
