-- Run on: the many-models database.
-- The lake container as a data source. No credential: queries use the caller's Entra identity (pass-through), so
-- whoever reads the view (a Power BI dataset's identity, an analyst) needs Storage Blob Data Reader on the lake.
IF NOT EXISTS (SELECT * FROM sys.external_data_sources WHERE name = {{data_source:literal}})
  CREATE EXTERNAL DATA SOURCE {{data_source:ident}} WITH (LOCATION = {{lake_url:literal}});
