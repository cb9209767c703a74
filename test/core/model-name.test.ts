import { describe, expect, it } from 'vitest';
import { isModelName, modelName } from '../../src/core/model-name.ts';

describe('modelName', () => {
  it('is readable and deterministic', () => {
    expect(modelName(['1000', 'dominicks'])).toMatch(/^mm-1000-dominicks-[0-9a-f]{12}$/);
    expect(modelName(['1000', 'dominicks'])).toBe(modelName(['1000', 'dominicks']));
  });

  it.each([
    [['../../etc', 'passwd']],
    [['a/b\\c', '..']],
    [['Café Zürich', '東京']],
    [['x'.repeat(1024)]],
    [['', ' ']],
    [['con', 'nul:']],
  ])('is a safe single path segment for %j', (key) => {
    const name = modelName(key);
    expect(isModelName(name)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(64);
  });

  it('keeps apart keys that slug alike', () => {
    expect(modelName(['a,b'])).not.toBe(modelName(['a', 'b']));
    expect(modelName(['A'])).not.toBe(modelName(['a']));
  });
});
