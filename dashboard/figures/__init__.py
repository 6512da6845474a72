"""Pure figures: DataFrame in, a Plotly figure as a plain dict out (`theme.Figure`), using
only scatter, bar and pie traces (the partial Plotly bundle served to the browser has no
geo or heatmap trace)."""

from dashboard.figures.breakdown import breakdown
from dashboard.figures.comparison import comparison
from dashboard.figures.geo_map import geo_map
from dashboard.figures.ranking import ranking
from dashboard.figures.sparkline import sparkline_svg
from dashboard.figures.theme import graph_config
from dashboard.figures.tile_map import tile_map
from dashboard.figures.trajectory import trajectory

__all__ = [
    "breakdown",
    "comparison",
    "geo_map",
    "graph_config",
    "ranking",
    "sparkline_svg",
    "tile_map",
    "trajectory",
]
