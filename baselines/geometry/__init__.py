"""Geometric baselines: camera trajectories -> scores for the 15 primitives, and captions.

Modules (imported lazily by the method registry, so importing this package is cheap):

* :mod:`~camerabench.baselines.geometry.scoring`: trajectory -> camera-centric motion -> scores;
  scorers ``default`` (integrated motion) and ``camerabench`` (the published mapping).
* :mod:`~camerabench.baselines.geometry.describe`: trajectory -> caption from taxonomy phrases.
* :mod:`~camerabench.baselines.geometry.predictor`: what the three predictors share.
* :mod:`~camerabench.baselines.geometry.twoview`: two-view math ``fast`` and ``colmap`` share
  (the rotation + zoom fit on bearing vectors).
* :mod:`~camerabench.baselines.geometry.fast`: ``fast``, two-view geometry chained over frames.
* :mod:`~camerabench.baselines.geometry.colmap`: ``colmap``, incremental SfM with pycolmap.
* :mod:`~camerabench.baselines.geometry.importers`: ``trajectory``, files from other tools.
"""
