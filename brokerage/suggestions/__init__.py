"""Suggestions: which offers fit which needs, why, and how much of each to propose.

facts.py        what matching knows of a listing, as plain values
scoring.py      the weights, the hard rules, one pair's score, reasons and allocation
ranking.py      the best offers for a need, needs for an offer, offers for every need
columns.py      listings as numpy columns, and the kernels ranking scores them with
loading.py      reading open listings into facts in a fixed number of queries
services.py     what the team's pages call: the three reads, fresh from the database
words.py        money, dates and device names in plain words
bulk.py         building many small objects without the cycle collector in the way
"""
