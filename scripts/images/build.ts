// Builds the runtime and/or serving image here (buildah, local base image) and prints each image's size.
//   node scripts/images/build.ts [base|runtime|serving ...] [--rebuild-base]
import { type AppImage, buildAppImage } from './app-images.ts';
import { ensureBaseImage, LOCAL_BASE_IMAGE } from './base-image.ts';
import { buildahUnavailable, imageSize } from './buildah.ts';

const args = process.argv.slice(2);
const force = args.includes('--rebuild-base');
const wanted = args.filter((a) => !a.startsWith('--'));
const targets = wanted.length > 0 ? wanted : ['runtime', 'serving'];
const log = (line: string) => process.stderr.write(`${line}\n`);

const unavailable = await buildahUnavailable();
if (unavailable) {
  log(`images: ${unavailable}`);
  process.exit(2);
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
await ensureBaseImage({ force, log });
for (const target of targets) {
  if (target === 'base') {
    process.stdout.write(`${LOCAL_BASE_IMAGE}\t${mib(await imageSize(LOCAL_BASE_IMAGE))}\n`);
    continue;
  }
  if (target !== 'runtime' && target !== 'serving') {
    log(`images: unknown image '${target}' (base, runtime or serving)`);
    process.exit(2);
  }
  const started = Date.now();
  const tag = await buildAppImage(target as AppImage, { log });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`${tag}\t${mib(await imageSize(tag))}\t(built in ${seconds} s)\n`);
}
