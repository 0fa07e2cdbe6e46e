"""Docked napari widgets: thin layers-in -> core call -> layers-out glue, one module per tool."""
