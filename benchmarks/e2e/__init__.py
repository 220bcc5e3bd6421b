"""Whole-process benchmarks of incidentctl against Apprise, curl and a bare httpx POST.

`python benchmarks/bench_e2e.py` runs them; each module here is one helper it is made of.
"""
