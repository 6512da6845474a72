"""The shared domain both apps stand on: catalog, geography, vocabulary, models, settings.

It imports neither `etl` nor `dashboard`.
"""
