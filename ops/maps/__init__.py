"""The operation map (no Streamlit here): layers over the region's boundaries, fitted to the screen, TPS grouped by
area above a marker budget, river legs along the waterway, names that do not collide, an optional basemap."""
from ops.maps.colouring import MODES, Context, Mode, Scale, available, register
from ops.maps.figure import LAYERS, Base, Layers, Style, View, operation_map
from ops.maps.layers import tps_names
from ops.maps.routes import COLOURINGS as ROUTE_COLOURINGS
from ops.maps.tiles import TileCheck, check

__all__ = ["MODES", "Context", "Mode", "Scale", "available", "register", "LAYERS", "Base", "Layers", "Style", "View",
           "operation_map", "tps_names", "ROUTE_COLOURINGS", "TileCheck", "check", "clicked"]


def clicked(points: list[dict]) -> tuple[str, str] | None:
    """What a click on the map chose: ("tps", code) or ("wilayah", area code); None for anything else."""
    for p in points or []:
        data = p.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) == 2 and data[0] in ("tps", "wilayah") and data[1]:
            return data[0], data[1]
    return None
