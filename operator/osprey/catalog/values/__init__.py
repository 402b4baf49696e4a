"""Pieces of chart values shared by every builder: merging and the shared facts."""
