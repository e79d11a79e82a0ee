"""Activity extraction, release model, waste mass balance and GHG, on pandas objects.

Imports of ours: :mod:`emission_factors` only. Inputs are the store's long DataFrame
(or survey data with the same meaning) and plain line parameters.
"""
