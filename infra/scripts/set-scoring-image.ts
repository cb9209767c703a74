// Sets the scoring service's image in a stack file (the change the image pipeline proposes by pull request):
//   node infra/scripts/set-scoring-image.ts --image mmprodacr.azurecr.io/many-models-serve:1.4.0 \
//     [--stack-file infra/Pulumi.prod.yaml] [--config-file configs/demo.yaml]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/util/atomic.ts';
import { withScoringImage } from '../scoring-image.ts';

try {
  const { values } = parseArgs({
    options: {
      image: { type: 'string' },
      'stack-file': { type: 'string', default: 'infra/Pulumi.prod.yaml' },
      'config-file': { type: 'string' },
    },
  });
  if (!values.image) throw new Error('usage: set-scoring-image.ts --image <registry>/<repository>:<tag>');
  const file = values['stack-file'];
  const next = withScoringImage(readFileSync(file, 'utf8'), values.image, values['config-file'], file);
  await writeFileAtomic(file, next);
  console.log(`${file}: aks.scoring.image = ${values.image}`);
} catch (error) {
  console.error(`set-scoring-image: ${(error as Error).message}`);
  process.exitCode = 2;
}
