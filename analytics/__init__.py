"""ShopLens analytics: read → recognise → validate → store → query. Never imports streamlit."""
