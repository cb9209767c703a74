import path from 'node:path';
import type { LakeSession } from '../stages/ports.ts';
import { lakeLayout } from '../storage/layout.ts';

/** The embedded default: the lake is a folder, so stages read and write it in place and there is nothing to sync. */
export class LocalLakeSession implements LakeSession {
  readonly remote = false;
  readonly root: string;
  readonly layout: ReturnType<typeof lakeLayout>;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.layout = lakeLayout(this.root);
  }

  get location(): string {
    return this.root;
  }

  async pull(): Promise<void> {}
  async push(): Promise<void> {}
  async mirror(): Promise<void> {}
}
