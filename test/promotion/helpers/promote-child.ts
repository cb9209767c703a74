// Child process for the promotion crash test: evaluate-and-promote one run into a local prod registry.
// Usage: node promote-child.ts <root> <runDir>
import { promotionSchema } from '../../../src/config/schema.ts';
import { evaluateAndPromote } from '../../../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../../../src/registry/local.ts';

const [root, runDir] = process.argv.slice(2);
if (!root || !runDir) throw new Error('usage: promote-child.ts <root> <runDir>');
const prod = new LocalModelRegistry({ root, stage: 'prod', lock: { staleMs: 5000 } });
await evaluateAndPromote({ runDir, prod, rules: promotionSchema.parse({}), dryRun: false });
