"""The one colour palette of every picture and table: Okabe & Ito's colour-blind-safe colours.

Okabe, M. & Ito, K. (2008), "Color Universal Design". One colour per meaning, the same in the graph,
the table and the legend:

- orange: what this step computes (the node, its row, the edges its values flow along);
- blue: what this step reads;
- green: a result (the output y and the derivatives read off at the end).

Highlights are light tints with dark text, so they read the same on JupyterLab's light and dark
themes. Everything else (node boxes, their text, "not yet computed" marks, edges) has a light and a
dark variant, chosen for WCAG AA contrast (4.5:1 for text) on that theme. Inputs and outputs are
told apart by their border (bold, double), never by a colour that could be mistaken for a state.
"""

# the eight Okabe–Ito colours
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"


def tint(colour: str, strength: float = 0.22) -> str:
    """``colour`` mixed with white: a light fill that keeps dark text readable."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * strength) for c in (r, g, b)]
    return "#" + "".join(f"{c:02X}" for c in mix)


# states: one colour per meaning (strong colour for borders and edges, tint for fills)
CURRENT = ORANGE             # computed in this step
READ = BLUE                  # read by this step
RESULT = BLUISH_GREEN        # a result: y, ẏ, x̄
CURRENT_FILL = tint(CURRENT, 0.5)
READ_FILL = tint(SKY_BLUE, 0.45)
RESULT_FILL = tint(RESULT, 0.35)
TEXT_ON_FILL = "#1A1A1A"     # text on any fill above, in both themes

# neutral colours, per theme (the static picture uses the light ones)
LIGHT = {"node-fill": "#F7F7F7", "node-border": "#5C5C5C", "node-text": "#1A1A1A",
         "muted": "#595959", "edge": "#8C8C8C", "current-edge": "#B77800",
         "read-border": BLUE, "result-border": "#007A5A", "panel": "#FFFFFF",
         "text": "#1A1A1A", "rule": "#C8C8C8", "button": "#F0F0F0", "button-text": "#1A1A1A"}
DARK = {"node-fill": "#2B2B2B", "node-border": "#B5B5B5", "node-text": "#F2F2F2",
        "muted": "#C2C2C2", "edge": "#9A9A9A", "current-edge": ORANGE,
        "read-border": SKY_BLUE, "result-border": "#3CC99F", "panel": "#1E1E1E",
        "text": "#F2F2F2", "rule": "#555555", "button": "#3A3A3A", "button-text": "#F2F2F2"}

# the picture dot draws (and the static view shows): the light theme
NODE_FILL = LIGHT["node-fill"]
OPERATION = LIGHT["node-border"]
EDGE = LIGHT["edge"]
TEXT = LIGHT["node-text"]
INPUT = OPERATION            # inputs: a bold border
OUTPUT = OPERATION           # outputs: a double border

# kept for callers of earlier versions
ACTIVE, ARGUMENT, DONE = CURRENT, READ, RESULT
ACTIVE_FILL, ARGUMENT_FILL = CURRENT_FILL, READ_FILL


def theme_variables(dark: bool = False) -> str:
    """The palette as CSS custom properties (``--adl-current-fill:#F3CF80;...``)."""
    states = {"current": CURRENT, "current-fill": CURRENT_FILL, "read": READ,
              "read-fill": READ_FILL, "result": RESULT, "result-fill": RESULT_FILL,
              "on-fill": TEXT_ON_FILL}
    values = DARK if dark else {**states, **LIGHT}
    return ";".join(f"--adl-{k}:{v}" for k, v in values.items())


def css_variables() -> str:
    """The palette for ``.adl-player``: light by default, dark under JupyterLab's dark theme
    (``data-jp-theme-light="false"``) and VS Code's dark themes."""
    return (f".adl-player{{{theme_variables()}}}"
            f"[data-jp-theme-light=false] .adl-player,.vscode-dark .adl-player,"
            f".vscode-high-contrast .adl-player{{{theme_variables(dark=True)}}}")
