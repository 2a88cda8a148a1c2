"""The colours of every chart, poster and map grid, declared once (components import them too).

Colour-blind-safe (Okabe–Ito) categories; a diverging scale for emotions (orange bad, purple good;
the neutral grey dark enough to show on paper and on white); pale stage bands.
"""

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
EMOTION_COLOURS = {-3: "#b35806", -2: "#e08214", -1: "#fdb863", 0: "#d9d9d9", 1: "#b2abd2", 2: "#8073ac", 3: "#542788"}
STAGE_COLOURS = ("#dbe9f6", "#fde2c8", "#d5efe3", "#ecdcf1", "#fbf3c6", "#d9eef5", "#f5d8dc", "#e4e4e4")
