import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInfraConfig, rawConfigFrom } from '../../infra/config.ts';
import { withScoringImage } from '../../infra/scoring-image.ts';
import { INFRA_DIR } from './harness.ts';

// Issue 18 item 3: the scoring image reaches prod by a reviewed change to the stack file, never by a
// `pulumi config set` on an agent that the next infra run would undo.
const prodFile = readFileSync(path.join(INFRA_DIR, 'Pulumi.prod.yaml'), 'utf8');
const IMAGE = 'mmprodacr.azurecr.io/many-models-serve:1.4.0';
const configOf = (text: string) =>
  parseInfraConfig(rawConfigFrom((parse(text) as { config: Record<string, unknown> }).config), 'x');

describe('withScoringImage (the edit the image pipeline proposes)', () => {
  it('given the committed prod stack, when an image is set, then the stack deploys the service with it', () => {
    const next = withScoringImage(prodFile, IMAGE, 'configs/demo.yaml');
    expect(configOf(next).aks.scoring).toMatchObject({ image: IMAGE, configFile: 'configs/demo.yaml' });
  });

  it('changes only that value: comments and every other key stay as they were', () => {
    const first = withScoringImage(prodFile, IMAGE, 'configs/demo.yaml');
    const second = withScoringImage(first, 'mmprodacr.azurecr.io/many-models-serve:1.5.0');
    const changed = second.split('\n').filter((line, i) => line !== first.split('\n')[i]);
    expect(changed).toEqual(['      image: mmprodacr.azurecr.io/many-models-serve:1.5.0']);
    for (const comment of prodFile.split('\n').filter((l) => l.trim().startsWith('#'))) {
      expect(second).toContain(comment);
    }
  });

  it('refuses an image reference the stack would reject, naming the key', () => {
    expect(() => withScoringImage(prodFile, 'many-models-serve', 'configs/demo.yaml')).toThrow(
      'many-models:aks.scoring.image: expected <registry>/<repository>:<tag>',
    );
  });

  it('asks for the dataset config the first time, when the stack has no scoring service yet', () => {
    expect(() => withScoringImage(prodFile, IMAGE)).toThrow('pass the dataset config the service reads');
  });
});
