"""The ceiling of `make bench`: a bare Flask app — no extensions, no hooks, no database —
answering ``GET /`` with ``hello``, served by gunicorn with the same settings as Duoshop.
What Flask and gunicorn cost on this machine before any of the app's own work."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
