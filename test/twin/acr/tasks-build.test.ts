import { describe, expect, it } from 'vitest';
import { staleBuildResults } from '../../../twin/acr/tasks-build.ts';

describe('the ACR Tasks stand-in keeping its image store small', () => {
  const now = 1_800_000_000;
  const hourAgo = now - 3600;

  it('given older build results, removes them but never the one just built', () => {
    const images = [
      { names: ['localhost/acr-tasks:old'], created: now - 7200 },
      { names: ['localhost/acr-tasks:mine'], created: now - 9000 },
    ];
    expect(staleBuildResults(images, 'localhost/acr-tasks:mine', hourAgo)).toEqual([
      'localhost/acr-tasks:old',
    ]);
  });

  it("given another rehearsal's result built within the hour, leaves it for that rehearsal's push", () => {
    const images = [{ names: ['localhost/acr-tasks:theirs'], created: now - 60 }];
    expect(staleBuildResults(images, 'localhost/acr-tasks:mine', hourAgo)).toEqual([]);
  });

  it('given the base image, dangling layers and other tags, touches none of them', () => {
    const images = [
      { names: ['localhost/mm-base:bookworm-node24'], created: 0 },
      { names: null, created: 0 },
      { created: 0 },
    ];
    expect(staleBuildResults(images, 'localhost/acr-tasks:mine', hourAgo)).toEqual([]);
  });
});
