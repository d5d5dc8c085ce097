"""The auditkit Streamlit dashboard (``auditkit dashboard``).

``app.py`` is the router; ``app_pages/`` holds one layout script per page
(not ``pages/``, which Streamlit would also auto-discover as legacy pages);
``_data`` holds the cached loaders (the only place runs and models are read);
``_views`` and ``_charts`` hold rendering helpers. Metric logic lives in
``auditkit``; this package only arranges stored results.
"""
