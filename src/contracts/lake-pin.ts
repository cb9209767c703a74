import { z } from 'zod';

/**
 * `runs/<id>/lake[.<shard>].json`: the prepared lake's fingerprint a run (or shard) started on. A resumed run
 * reads it back and refuses another lake, so one run never holds models of two datasets.
 */
export const lakePinSchema = z.object({ dataFingerprint: z.string().min(1) });

export type LakePin = z.infer<typeof lakePinSchema>;
