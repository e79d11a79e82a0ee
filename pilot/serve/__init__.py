"""``pilot serve``: the engineers' dashboard in the browser, read-only.

:mod:`pilot.serve.live` keeps the last minutes of every line in memory, fed from the
store; :mod:`pilot.serve.app` serves the pages, the JSON and the live stream;
:mod:`pilot.serve.auth` the login and the security headers; :mod:`pilot.serve.reports`
makes reports on request through the same pipeline as ``pilot report``.
"""
