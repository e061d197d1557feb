"""The palette's text colours meet WCAG AA (4.5:1) on what they are drawn on, in both themes.

The contrast formula is WCAG 2.1's (relative luminance of sRGB), written here. The browser test
measures the same on the rendered page (computed styles in JupyterLab's light and dark themes).
"""
import pytest

from adlab import palette as C

JUPYTERLAB_BACKGROUNDS = {"light": "#FFFFFF", "dark": "#111111"}  # --jp-layout-color0


def luminance(colour: str) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_on_its_background_in_both_themes(theme):
    t = C.LIGHT if theme == "light" else C.DARK
    page = JUPYTERLAB_BACKGROUNDS[theme]
    pairs = {"node text": (t["node-text"], t["node-fill"]), "pending mark": (t["muted"], t["node-fill"]),
             "table text": (t["text"], page), "pending row": (t["muted"], page),
             "button": (t["button-text"], t["button"])}
    for name, (fg, bg) in pairs.items():
        assert contrast(fg, bg) >= 4.5, (theme, name, fg, bg, contrast(fg, bg))


def test_highlights_keep_dark_text_readable():
    """Current, read and result fills carry the same dark text (and the dark "?" mark) in both
    themes."""
    for fill in (C.CURRENT_FILL, C.READ_FILL, C.RESULT_FILL):
        assert contrast(C.TEXT_ON_FILL, fill) >= 7, fill
        assert contrast("#3D3D3D", fill) >= 4.5, fill   # a pending mark inside a highlight


def test_one_colour_per_meaning():
    fills = {C.CURRENT_FILL, C.READ_FILL, C.RESULT_FILL}
    assert len(fills) == 3 and len({C.CURRENT, C.READ, C.RESULT}) == 3
    neutral = {C.LIGHT["node-border"], C.LIGHT["node-fill"], C.DARK["node-border"]}
    assert not neutral & {C.CURRENT, C.READ, C.RESULT, *fills}
    css = C.css_variables()
    assert "[data-jp-theme-light=false] .adl-player" in css
    assert css.count("--adl-node-text") == 2  # light and dark
