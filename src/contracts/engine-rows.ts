import { z } from 'zod';
import { describeZodIssues } from '../config/errors.ts';
import { ContractError } from './json-file.ts';
import { PREDICTION_STATUS } from './predictions.ts';
import { partitionRecordSchema } from './run-manifest.ts';

/**
 * The rows files a distributed step leaves, one JSON line per partition: the Azure ML parallel step's
 * `append_row_to` output and the Spark job's rows, read back by the merge (train) and the refresh (score). A line
 * is a partition's row, or a marker the entry script writes for a file that held no bucket (`ignored`) or a bucket
 * that answered no partition (`empty`).
 */
const markers = [z.object({ ignored: z.string() }), z.object({ empty: z.array(z.number()) })] as const;

/** A train row is the run manifest's partition record, as the engine host answered it. */
export const trainRowSchema = z.union([...markers, partitionRecordSchema]);

/** A score row: the scored partition's name and status (the rest is the engine's and passes through). */
export const scoredRowSchema = z.union([
  ...markers,
  z.looseObject({
    name: z.string().min(1),
    status: z.enum(PREDICTION_STATUS),
    usedFallback: z.boolean().default(false),
  }),
]);

/** One line of a rows file through its contract; a bad line is named by file and line number. */
export function parseRowLine<S extends z.ZodType>(
  file: string,
  lineNo: number,
  line: string,
  schema: S,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ContractError('rows file', `${file}:${lineNo}`, [], `is not a JSON row: ${line.slice(0, 80)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ContractError('rows file', `${file}:${lineNo}`, describeZodIssues(parsed.error));
  return parsed.data;
}
