"""Geometric baselines: trajectories to primitive scores; COLMAP, trajectory import, fast two-view."""
