"""Reproductions of published tables and figures at CPU scale.

Run ``python -m paper_repro NAME --out DIR [--quick] [--seed S]`` or ``python -m paper_repro all``;
each artefact writes CSV, Markdown (the paper's numbers beside ours, with citations) and PNG files
into ``DIR``.  The registry of artefacts is :data:`paper_repro.__main__.ARTEFACTS`.
"""
