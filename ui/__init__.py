"""The Streamlit side of ShopLens: state, filters, cached queries, charts, formats, errors.

Only `app.py`, `pages/` and this package import streamlit; `analytics/` never does.
"""
