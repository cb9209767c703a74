-- Run on: master of the Synapse serverless SQL endpoint.
-- The database Power BI connects to. UTF-8 binary collation so Parquet strings read as VARCHAR without conversion.
-- Idempotent: refreshPredictionsView() runs every file on each scoring run.
IF DB_ID({{database:literal}}) IS NULL
  CREATE DATABASE {{database:ident}} COLLATE Latin1_General_100_BIN2_UTF8;
