import { z } from 'zod';

/**
 * `registry/<stage>/<model name>/latest.json` in an Azure ML workspace's lake datastore: the model's latest version
 * as the registry registered it, with where its artifact is. Scoring and serving read this (two blob reads per
 * model: this and the artifact) instead of asking Azure Resource Manager (two GETs per model, against a budget of
 * about 25 reads a second per identity). Written by the registry after each version it registers; Azure ML stays
 * the record, and registration itself always decides against Azure ML's latest version.
 */
export const modelIndexEntrySchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string().min(1),
  version: z.number().int().min(1),
  /**
   * The artifact's key in the same datastore, and the SHA-256 of its bytes; in a model pack, `offset` is where its
   * `size` bytes start (a ranged read). Entries written before packs have no offset: the blob is the artifact.
   */
  artifact: z.object({
    key: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number(),
    offset: z.number().int().min(0).optional(),
  }),
  registeredAt: z.string(),
  tags: z.record(z.string(), z.string()),
});

export type ModelIndexEntry = z.infer<typeof modelIndexEntrySchema>;
