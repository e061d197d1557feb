"""The one colour palette of every picture and table: Okabe & Ito's colour-blind-safe colours.

Okabe, M. & Ito, K. (2008), "Color Universal Design". Each role has a strong colour (borders, edges,
text accents) and a light tint of it (fills). Node fills are light tints with dark text, so a node
reads the same on JupyterLab's light and dark themes; edges use a mid grey visible on both; table
highlights set their own text colour for the same reason.
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

# roles
INPUT = BLUE                 # independent variables v(1-n) .. v0
OUTPUT = VERMILLION          # the node(s) y
OPERATION = "#666666"        # intermediate nodes' border
EDGE = "#8C8C8C"             # mid grey: visible on white and on JupyterLab's dark background
TEXT = "#1A1A1A"             # text inside nodes and highlighted table rows (always on a light fill)
ACTIVE = ORANGE              # the node / row being computed in this step
ARGUMENT = SKY_BLUE          # the nodes this step reads
ADJOINT_FLOW = REDDISH_PURPLE  # an adjoint flowing back along an edge
DONE = BLUISH_GREEN          # a result read off at the end (the gradient, the output)


def tint(colour: str, strength: float = 0.22) -> str:
    """``colour`` mixed with white: a light fill that keeps dark text readable."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * strength) for c in (r, g, b)]
    return "#" + "".join(f"{c:02X}" for c in mix)


NODE_FILL = "#F7F7F7"
INPUT_FILL = tint(INPUT, 0.18)
OUTPUT_FILL = tint(OUTPUT, 0.18)
ACTIVE_FILL = tint(ACTIVE, 0.55)
ARGUMENT_FILL = tint(ARGUMENT, 0.45)
ADJOINT_FILL = tint(ADJOINT_FLOW, 0.35)
