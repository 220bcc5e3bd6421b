"""One recorded history and its built site, shared by the site's tests that only read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.app.site.build import SiteBuild
from tests.app.site.builders import INTERNAL_MIDDLE, history

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteBuild]:
    """Two incidents: one resolved, whose identified update went to internal channels only,
    and one open, with a `<script>` in its title and messages."""
    folder = tmp_path_factory.mktemp("site")
    with history(folder, INTERNAL_MIDDLE) as h:
        first = h.declare("Logins fail", ["api=major_outage", "portal=degraded_performance"])
        h.later(30)
        first = h.update(first, "Internal only: the cert on lb-3 expired", status="identified")
        h.later(30)
        h.resolve(first, "Logins work again.")
        h.later(60)
        second = h.declare(
            f"Slow portal {HOSTILE}",
            ["portal=partial_outage"],
            impact=f"Pages take 10 s {HOSTILE}",
            workaround="Use the mobile app",
            eta="about 15:00",
        )
        h.later(20)
        h.update(second, f"Still slow & {HOSTILE}")
        h.later(10)
        yield h.build(folder / "public")


@pytest.fixture(scope="module")
def site(built: SiteBuild) -> Path:
    return built.out
