"""Synthetic data makers, kept out of the domain package (`telephony/`), which never needs them
to run: the app finds the bundled sample (data/sample/) by path.

* `samplegen.published`: files in every layout NHS England publishes (the bundled sample).
* `samplegen.call_logs`: two supplier call logs consistent with that sample, with profiles.
* `samplegen.call_log_year`: a year of calls for a large PCN, for the call-log benchmark.

`python -m telephony sample ...` writes the first two (it imports this package only when asked).
"""
