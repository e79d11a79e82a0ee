"""The pipeline: from the configured store to the numbers and pages each user needs.

Importable without the CLI; every ``pilot`` command that reads data is a thin adapter
over it (parse arguments, call the pipeline, print or write).

* :mod:`~pilot.pipeline.source`: the data source, i.e. the configured store, survey
  store and alarm log of a deployment (the demo's too, through the configuration it
  writes, ``demo-out/pilot.toml``);
* :mod:`~pilot.pipeline.windows`: windows of a period (which line over which stretch of
  time, as baseline or post) and local days;
* :mod:`~pilot.pipeline.activity`: activity per line and window, read and extracted
  once, per local day on request; the one place a configured line becomes the models'
  ``LineParameters``;
* :mod:`~pilot.pipeline.estimate`: releases with seeded Monte Carlo intervals;
* :mod:`~pilot.pipeline.evaluation` and :mod:`~pilot.pipeline.assumptions`: the
  evaluator report's data, and the assumptions behind an estimate with their sources;
* :mod:`~pilot.pipeline.household`: the monthly household pages' data;
* :mod:`~pilot.pipeline.daily`: the daily line report's data.

A typical use, as ``pilot estimate --period compare`` does it::

    config = load_config("demo-out/pilot.toml")
    windows = period_windows(config, COMPARED_KINDS)
    with DataSource(config) as source:
        activities = extract_windows(config, source, windows)
    result = estimate(activities, factor_library(config), MonteCarlo(seed=2019))
"""
