"""The Digital Inclusion Fund: grant rounds, applications, the panel, awards and their
monitoring, the 360Giving file, and other funders' opportunities."""

from flask import Blueprint

bp = Blueprint("funding", __name__)
