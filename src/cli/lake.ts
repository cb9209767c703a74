import type { Config } from '../config/schema.ts';
import { type LakeLayout, lakeLayout, workingRoot } from '../storage/layout.ts';

export function layoutFor(config: Config): LakeLayout {
  return lakeLayout(workingRoot(config));
}
