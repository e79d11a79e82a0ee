"""Activity extraction, release model, waste mass balance and GHG, on pandas objects.

Imports of ours: :mod:`emission_factors` only. Inputs are the store's long DataFrame
(or survey data with the same meaning) and plain line parameters.

Map, in the order a reading travels:

* line state: :mod:`models.states` (thresholds, vectorised and streaming), on readings
  aligned by :mod:`models.alignment`;
* activity of a line over a period: :mod:`models.activity` (extraction), using
  :mod:`models.sensor_arrays` and :mod:`models.measures`, giving
  :mod:`models.line_activity` and the activity table of :mod:`models.activity_table`;
  survey data: :mod:`models.survey` (with ``survey_schema``, ``survey_files``,
  ``survey_validation``);
* releases: :mod:`models.mass_balance` (residue and its fates), :mod:`models.source_release`
  (activity × emission factor, the one release calculation), :mod:`models.releases` (the
  estimate with its Monte Carlo), :mod:`models.ghg` (CO2e), :mod:`models.avoided_burning`
  (one household's deliveries);
* before/after: :mod:`models.daily_indicators`, :mod:`models.comparison` with
  :mod:`models.two_sample_stats`;
* words written into the tables (period kinds, groups, sources): :mod:`models.vocabulary`.
"""
