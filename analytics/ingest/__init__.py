"""Reading export files: decode → table → recognise → normalise into canonical frames."""
