"""Channel types: one module each behind the `Channel` interface, gathered in a registry."""

import sys

# httpx's package imports its own command-line client (rich, click, pygments) whenever those
# happen to be installed; incidentctl never runs it, and it costs every sending command about
# 0.1 s. A None entry makes that import fail, so httpx falls back to its stub `main`.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
