-- Run on: the many-models database.
-- Every scoring run's predictions, as written by `mm score`: predictions/run_id=<run>/predictions.parquet.
-- The WITH clause is the predictions table contract (src/scoring/types.ts): the dataset's partition columns, its
-- time column, then the fixed prediction columns; rendered from the dataset config by src/azure/synapse-sql.ts.
CREATE OR ALTER VIEW dbo.predictions AS
SELECT {{select_columns:raw}}
FROM OPENROWSET(
  BULK 'predictions/run_id=*/*.parquet',
  DATA_SOURCE = {{data_source:literal}},
  FORMAT = 'PARQUET'
) WITH (
{{with_columns:raw}}
) AS rows;
