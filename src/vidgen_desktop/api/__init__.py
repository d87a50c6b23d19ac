"""The HTTP API: ``vidgen serve`` (FastAPI + uvicorn), API keys, tracked share links.

``server`` (the job log, the service and its queue), ``app`` (access and
errors), ``jobs_routes`` (``/api/v1``), ``ops`` (health, metrics, ``/s/``),
``documents`` and ``elements`` (a body into a ``Composition``), ``sources``
(media by URL, safely), ``keys``, ``links``, ``limits``.
"""
