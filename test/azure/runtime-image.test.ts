import { describe, expect, it } from 'vitest';
import { imageTag, pinnedRuntimeImage } from '../../src/azure/runtime-image.ts';
import { ConfigError } from '../../src/config/errors.ts';

describe('pinnedRuntimeImage (defect 1: the nodes run the image of the code that submitted them)', () => {
  it('given a repository only, as the environment file names it, tags it with the code version', () => {
    expect(pinnedRuntimeImage('mmdevacr.azurecr.io/mm-runtime', '3f6052c1a2b4')).toBe(
      'mmdevacr.azurecr.io/mm-runtime:3f6052c1a2b4',
    );
    // A registry with a port is not a tag.
    expect(pinnedRuntimeImage('localhost:5000/mm-runtime', 'v0.1.0')).toBe(
      'localhost:5000/mm-runtime:v0.1.0',
    );
  });

  it('keeps an explicit tag or digest', () => {
    expect(pinnedRuntimeImage('mmdevacr.azurecr.io/mm-runtime:r42', 'abc')).toBe(
      'mmdevacr.azurecr.io/mm-runtime:r42',
    );
    const digest = `mmdevacr.azurecr.io/mm-runtime@sha256:${'a'.repeat(64)}`;
    expect(pinnedRuntimeImage(digest, 'abc')).toBe(digest);
  });

  it('refuses :latest, naming the setting', () => {
    expect(() =>
      pinnedRuntimeImage('mmdevacr.azurecr.io/mm-runtime:latest', 'abc', 'environments/dev.yaml'),
    ).toThrow(
      /invalid configuration in environments\/dev.yaml:\n {2}- 'mmdevacr.azurecr.io\/mm-runtime:latest' is not pinned/,
    );
  });

  it('refuses a code version no image can hold: uncommitted changes, or not a tag', () => {
    expect(() => imageTag('3f6052c-dirty')).toThrow(ConfigError);
    expect(() => imageTag('3f6052c-dirty')).toThrow(/uncommitted changes/);
    expect(() => imageTag('feature/x')).toThrow(/not a valid image tag/);
    expect(imageTag('v0.1.0')).toBe('v0.1.0');
  });
});
