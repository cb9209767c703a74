// The promotion gate on the real path (issue 18 item 9): after EvaluateAndPromote, a separate stage running as the
// read-only `auditor` identity lists the prod registry and re-derives every version this run registered from its
// own promotion tags with the same rules module the step used. Any version the rules reject fails the run; the
// auditor cannot write, by design, so the ArchiveRejected stage (the promotion identity, the only prod writer)
// archives the offenders (archive-rejected.ts).
import { RUN_TAG } from '../../src/promotion/champion.ts';
import type { PromotionRules } from '../../src/promotion/rules.ts';
import { verifyPromotionTags } from '../../src/promotion/tags.ts';
import type { ModelRegistry } from '../../src/registry/types.ts';

export interface ProdVerdict {
  /** Versions this run registered in prod, checked. */
  checked: number;
  /** One line per rejected version: model, version and why. */
  rejected: string[];
  /** The rejected versions themselves, once each. */
  offenders: { name: string; version: number }[];
}

export async function verifyProdModels(
  registry: ModelRegistry,
  rules: PromotionRules,
  runId: string,
  signal?: AbortSignal,
): Promise<ProdVerdict> {
  if (registry.stage !== 'prod')
    throw new Error(`verify-prod reads the prod registry, not '${registry.stage}'`);
  const verdict: ProdVerdict = { checked: 0, rejected: [], offenders: [] };
  for await (const version of registry.list()) {
    signal?.throwIfAborted();
    if (version.tags[RUN_TAG] !== runId) continue;
    verdict.checked += 1;
    const { violations } = verifyPromotionTags(version.tags, rules);
    for (const violation of violations)
      verdict.rejected.push(`${version.name} v${version.version}: ${violation}`);
    if (violations.length > 0) verdict.offenders.push({ name: version.name, version: version.version });
  }
  return verdict;
}
