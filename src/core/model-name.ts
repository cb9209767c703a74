import { createHash } from 'node:crypto';

/**
 * Deterministic model names from partition keys: a readable slug plus a short hash of the exact key.
 * The slug keeps only [a-z0-9-], so names are safe as folder names, blob paths and Azure ML model names
 * (which allow letters, digits, '-', '_' and '.' up to 255 characters) whatever the key holds: dots, slashes,
 * '..', spaces, unicode or a kilobyte of text. The hash keeps keys that slug alike apart.
 */
const SLUG_MAX = 48;

export function keyHash(keyValues: readonly string[]): string {
  // JSON keeps ['a,b'] and ['a','b'] distinct.
  return createHash('sha256').update(JSON.stringify(keyValues)).digest('hex').slice(0, 12);
}

export function slugOf(keyValues: readonly string[]): string {
  const slug = keyValues
    .join('-')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug || 'p';
}

export function modelName(keyValues: readonly string[]): string {
  return `mm-${slugOf(keyValues)}-${keyHash(keyValues)}`;
}

const NAME_PATTERN = /^mm-[a-z0-9-]{1,48}-[0-9a-f]{12}$/;

export function isModelName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
