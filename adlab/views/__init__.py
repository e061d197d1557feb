"""The Jupyter layers: the step-through player (``player.py``, ``ad.step``) and the ``%adtrace``
magic (``magic.py``, ``%load_ext adlab``). They read finished traces and never re-run the engine;
they are imported on first use, so ``import adlab`` stays light.
"""
