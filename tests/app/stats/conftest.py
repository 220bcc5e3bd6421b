"""The status site's headless Chromium, shared with the stats report's browser test."""

from tests.app.site.test_browser import browser  # noqa: F401
