-- Run on: the many-models database.
-- The latest scoring run only, like latest_predictions in the local warehouse. The score stage refreshes the views
-- after it publishes a run, with that run's id, so filepath(1) (the folder the first wildcard matched) confines the
-- read to one run's folder: no scan of every run to find the newest, and none of the others read at all
-- (https://learn.microsoft.com/azure/synapse-analytics/sql/query-specific-files#filepath).
CREATE OR ALTER VIEW dbo.latest_predictions AS
SELECT {{select_columns:raw}}
FROM OPENROWSET(
  BULK 'predictions/run_id=*/*.parquet',
  DATA_SOURCE = {{data_source:literal}},
  FORMAT = 'PARQUET'
) WITH (
{{with_columns:raw}}
) AS rows
WHERE rows.filepath(1) = {{latest_run:literal}};
