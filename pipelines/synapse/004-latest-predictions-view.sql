-- Run on: the many-models database.
-- The latest scoring run only (the run with the newest scored_at), like latest_predictions in the local warehouse.
CREATE OR ALTER VIEW dbo.latest_predictions AS
SELECT p.*
FROM dbo.predictions AS p
WHERE p.run_id = (SELECT TOP 1 l.run_id FROM dbo.predictions AS l ORDER BY l.scored_at DESC);
