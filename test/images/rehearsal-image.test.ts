// Defect 1 of issue 13 on the twin: the cluster jobs run the environment version the Train stage registers, whose
// image only the Image stage builds and pushes. Without the Image stage the image does not exist, and Train fails
// pulling it, as a first real run did (`npm run rehearsal` shows the whole pipeline passing with it).
import { describe, expect, it } from 'vitest';
import { registryUnavailable } from '../../twin/acr/registry-process.ts';
import { rehearse } from '../../twin/rehearsal/run.ts';
import { imagesSkipReason } from './availability.ts';

const skip = (await imagesSkipReason()) ?? registryUnavailable();
if (skip && process.env.CI) throw new Error(`the rehearsal's registries cannot run under CI: ${skip}`);

describe.skipIf(skip)('the rehearsal without its Image stages', () => {
  it('fails Train: the job’s environment names <acr>/mm-runtime:<commit>, which no one pushed, and the nodes cannot pull it', async () => {
    const lines: string[] = [];
    const { reports, ok } = await rehearse({
      leaveOut: ['Image', 'ImageProd'],
      log: (line) => lines.push(line),
    });
    expect(ok).toBe(false);
    const byStage = new Map(reports.map((r) => [r.stage, r]));
    expect(byStage.get('Prepare')!.exitCode).toBe(0);
    expect(byStage.get('Image')!.notRun).toBe('left out by the caller');
    expect(byStage.get('Train')!.exitCode).not.toBe(0);
    expect(lines.join('\n')).toMatch(/cannot pull mmdevacr\.azurecr\.io\/mm-runtime:[0-9a-f]{40}/);
    expect(byStage.get('Score')!.notRun).toBe('an earlier step failed');
  }, 600_000);
});
