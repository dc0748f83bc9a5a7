"""Regenerate the small demo videos committed in ``lms/demo_media/``.

The project itself never runs this: at run time it uses the committed files.
This script only documents (and reproduces) how they were made.

Requirements (NOT project dependencies — use a throw-away venv)::

    python3 -m venv /tmp/mediavenv
    /tmp/mediavenv/bin/pip install imageio-ffmpeg   # the wheel ships an ffmpeg binary
    /tmp/mediavenv/bin/python tools/make_demo_media.py

Output (each ~30 s, 320x180, 15 fps, test pattern + caption + quiet 440 Hz tone):

* ``lms/demo_media/demo-intro.mp4``  — H.264 Main profile, yuv420p + AAC, ``+faststart``
* ``lms/demo_media/demo-lesson.webm`` — VP9 + Opus

Captions use a CJK font if one is installed (Noto CJK on Debian: ``fonts-noto-cjk``),
otherwise an ASCII caption in DejaVu Sans, otherwise no caption.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "lms" / "demo_media"

SECONDS = 30
SIZE = "320x180"
FPS = 15

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]
LATIN_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]


def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg  # type: ignore[import-not-found]
    except ImportError:
        exe = shutil.which("ffmpeg")
        if exe:
            return exe
        sys.exit("需要 imageio-ffmpeg：pip install imageio-ffmpeg（或系统中有 ffmpeg）")
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _first_existing(paths: list[str]) -> str | None:
    for p in paths:
        if Path(p).is_file():
            return p
    return None


def caption_filter(cjk_text: str, ascii_text: str) -> str:
    font = _first_existing(CJK_FONTS)
    text = cjk_text
    if font is None:
        font = _first_existing(LATIN_FONTS)
        text = ascii_text
    if font is None:
        return ""
    # Caption band at the bottom plus a running mm:ss clock at the top-right.
    return (
        f",drawbox=y=ih-40:w=iw:h=40:color=black@0.6:t=fill"
        f",drawtext=fontfile='{font}':text='{text}':fontcolor=white:fontsize=18"
        f":x=(w-text_w)/2:y=h-31"
        f",drawtext=fontfile='{font}':text='%{{pts\\:gmtime\\:0\\:%M\\\\\\:%S}}'"
        f":fontcolor=white:fontsize=14:box=1:boxcolor=black@0.5:x=w-text_w-6:y=6"
    )


def make(out: Path, source: str, cjk: str, ascii_: str, codec_args: list[str]) -> None:
    vf = f"{source}=size={SIZE}:rate={FPS}:duration={SECONDS}" + caption_filter(cjk, ascii_)
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", vf,
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
        "-af", "volume=0.05",
        *codec_args,
        "-shortest", str(out),
    ]
    subprocess.run(cmd, check=True)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    make(
        OUT_DIR / "demo-intro.mp4", "smptebars",
        "学时通 · 演示课件（MP4）", "Xueshitong demo (MP4)",
        ["-c:v", "libx264", "-profile:v", "main", "-preset", "veryslow", "-crf", "30",
         "-pix_fmt", "yuv420p", "-g", str(FPS * 5),
         "-c:a", "aac", "-b:a", "24k", "-ac", "1", "-movflags", "+faststart"],
    )
    make(
        OUT_DIR / "demo-lesson.webm", "testsrc2",
        "学时通 · 演示课件（WebM）", "Xueshitong demo (WebM)",
        ["-c:v", "libvpx-vp9", "-b:v", "50k", "-maxrate", "70k", "-crf", "50", "-deadline", "good", "-cpu-used", "2",
         "-row-mt", "1", "-g", str(FPS * 5), "-pix_fmt", "yuv420p",
         "-c:a", "libopus", "-b:a", "16k", "-ac", "1"],
    )


if __name__ == "__main__":
    main()
