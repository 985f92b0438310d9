"""Entry point for gunicorn: gunicorn wsgi:app (ready before it takes a request)."""

from brokerage import create_app, ready_to_serve

app = ready_to_serve(create_app())
