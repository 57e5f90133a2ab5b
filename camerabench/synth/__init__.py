"""Synthetic benchmark with exact ground truth (see `camerabench synth`)."""
