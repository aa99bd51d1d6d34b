"""Performance and scale measurements of sjia-explore (``make bench`` runs ``benchmarks/run.py``).

Modules:

- :mod:`benchmarks.compute`: the app's update path without a browser (timings, chart size, profiles).
- :mod:`benchmarks.serving`: start and stop Voila exactly as ``sjia-explore app`` does; memory of its processes.
- :mod:`benchmarks.pages`: page timings in headless Chromium (first chart, redraw, bytes received).
- :mod:`benchmarks.load_test`: many viewers against one server.
"""
