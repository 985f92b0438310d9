"""Browser tests: the real pages in Chromium, served by a live server, checked with axe."""
