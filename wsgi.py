"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""
from core.app import create_app

app = create_app()
