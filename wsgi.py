"""Entry point for gunicorn: gunicorn wsgi:app"""

from brokerage import create_app

app = create_app()
