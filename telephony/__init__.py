"""Cloud Based Telephony data: readers, store, metrics, disclosure gate and CLI.

This package imports no Streamlit, so the command line, tests and benchmarks use it directly.
"""
