"""Settings gunicorn reads from the working directory, whatever the command line says.

``post_worker_init``: once a worker has imported and built the app, the ~200,000 objects of
that start-up (modules, the ORM's mappers, templates, the URL map) go to the collector's
permanent generation (``gc.freeze``). They live as long as the worker; left in the oldest
generation, every full collection walked all of them — ~100–300 ms with the worker's
threads stopped, measured on the bench machine — which showed as the latency tail.
"""
import gc


def post_worker_init(worker):
    gc.freeze()
