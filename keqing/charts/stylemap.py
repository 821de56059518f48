"""The style map: an account's people on the 情感度 × 表达度 quadrant (knowledge/styles.yml axes):
老虎 支配型 (情感低, 表达高), 孔雀 表达型 (高, 高), 鸽子 和蔼型 (高, 低), 猫头鹰 分析型 (低, 低).

`render_png` draws it with matplotlib and a CJK font found by path (fonts-noto-cjk, scripts/system-deps.sh);
without the font it returns None and the caller sends `text_map` instead (fail soft).
"""
from __future__ import annotations

import io
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from keqing.taxonomy import ANIMALS

logger = logging.getLogger(__name__)

# style → quadrant centre (x = 情感度, y = 表达度, both 0..1)
QUADRANTS: Dict[str, Tuple[float, float]] = {"支配型": (0.25, 0.75), "表达型": (0.75, 0.75),
                                             "和蔼型": (0.75, 0.25), "分析型": (0.25, 0.25)}
FONT_PATHS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
Person = Tuple[str, Optional[str], Optional[str]]  # (name, role, style)


def find_cjk_font() -> Optional[Path]:
    """A font file with Simplified Chinese glyphs: the known Noto CJK paths, else fontconfig's answer."""
    for path in FONT_PATHS:
        if Path(path).is_file():
            return Path(path)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True,
                                 timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        cjk = any(k in out for k in ("CJK", "WenQuanYi", "wqy", "DroidSansFallback"))
        if out and cjk and Path(out).is_file():
            return Path(out)
    return None


def placed(people: Sequence[Person]) -> List[Tuple[str, Optional[str], str, float, float]]:
    """(name, role, style, x, y) of the people with a style; several in one quadrant are spread out."""
    out = []
    counts: Dict[str, int] = {}
    for name, role, style in people:
        if style not in QUADRANTS:
            continue
        i = counts[style] = counts.get(style, 0) + 1
        cx, cy = QUADRANTS[style]
        offsets = [(0.0, 0.0), (0.0, -0.12), (0.0, 0.12), (-0.1, -0.06), (0.1, 0.06), (-0.1, 0.06), (0.1, -0.06)]
        dx, dy = offsets[(i - 1) % len(offsets)]
        out.append((name, role, style, cx + dx, cy + dy))
    return out


def text_map(account: Optional[str], people: Sequence[Person]) -> str:
    """The quadrant as text (the shell, and wherever the picture cannot be made)."""
    by_style: Dict[str, List[str]] = {s: [] for s in QUADRANTS}
    unknown: List[str] = []
    for name, role, style in people:
        label = f"{name}({role})" if role else name
        (by_style[style] if style in by_style else unknown).append(label)

    def cell(style: str) -> str:
        return f"{ANIMALS[style]}{style}: " + ("、".join(by_style[style]) or "—")

    lines = [f"{account or '这家客户'}风格图(横:情感度 低→高,竖:表达度 低→高)",
             f"表达高 | {cell('支配型')} | {cell('表达型')}",
             f"表达低 | {cell('分析型')} | {cell('和蔼型')}",
             "        情感低 → 情感高"]
    if unknown:
        lines.append("风格还不清楚: " + "、".join(unknown))
    return "\n".join(lines)


def render_png(account: Optional[str], people: Sequence[Person], font: Optional[Path] = None) -> Optional[bytes]:
    """The style map as PNG bytes (about 800×800), or None when no CJK font or matplotlib is available."""
    font = font or find_cjk_font()
    if font is None:
        logger.warning("style map: no CJK font (install fonts-noto-cjk); sending the text map")
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import font_manager
        from matplotlib.figure import Figure
    except ImportError:
        logger.warning("style map: matplotlib missing; sending the text map")
        return None
    prop = font_manager.FontProperties(fname=str(font))
    fig = Figure(figsize=(8, 8), dpi=100)
    ax = fig.add_subplot(111)
    colours = {"支配型": "#fde2e1", "表达型": "#fff4d6", "和蔼型": "#e3f4e1", "分析型": "#e1ecfb"}
    for style, (cx, cy) in QUADRANTS.items():
        ax.add_patch(matplotlib.patches.Rectangle((cx - 0.25, cy - 0.25), 0.5, 0.5, color=colours[style], zorder=0))
        ax.text(cx, cy + 0.2, f"{ANIMALS[style]} · {style}", ha="center", va="center", fontproperties=prop,
                fontsize=17, color="#555555")
    ax.axhline(0.5, color="#888888", lw=1)
    ax.axvline(0.5, color="#888888", lw=1)
    for name, role, _style, x, y in placed(people):
        ax.scatter([x], [y], s=180, color="#c0392b", zorder=3)
        ax.text(x, y - 0.045, name + (f"({role})" if role else ""), ha="center", va="top", fontproperties=prop,
                fontsize=14, zorder=4)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([0.02, 0.98])
    ax.set_xticklabels(["低", "高"], fontproperties=prop, fontsize=13)
    ax.set_yticks([0.02, 0.98])
    ax.set_yticklabels(["低", "高"], fontproperties=prop, fontsize=13)
    ax.set_xlabel("情感度", fontproperties=prop, fontsize=15)
    ax.set_ylabel("表达度", fontproperties=prop, fontsize=15)
    ax.set_title(f"{account or '客户'} 风格图", fontproperties=prop, fontsize=20)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
