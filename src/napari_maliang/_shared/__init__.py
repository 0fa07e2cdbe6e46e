"""What several tools share: option declarations, metrics, robust statistics (no napari, Qt or heavy imports)."""
