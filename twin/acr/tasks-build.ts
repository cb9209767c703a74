import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildVolumes, contextFiles } from '../../scripts/images/app-images.ts';
import { ensureBaseImage } from '../../scripts/images/base-image.ts';
import { buildah, buildImage, imageInfo, removeImage } from '../../scripts/images/buildah.ts';
import { defaultStore } from '../../scripts/images/store.ts';

const SOURCE_LABEL = 'io.many-models.tasks-source';

/**
 * What an ACR Tasks quick run does with `az acr build <context> --file <Dockerfile> --build-arg ...`: the context,
 * filtered by its .dockerignore, is packed and uploaded, and the image is built from it ("Quick task",
 * https://learn.microsoft.com/azure/container-registry/container-registry-tasks-overview#quick-task). Here the
 * allow-listed files are copied (symlinks followed, as a packed upload has them) and built with buildah on the
 * local base image, which stands in for the Dockerfile's default base (it cannot be pulled here). The same
 * Dockerfile, files, base and build arguments were built before when the store has an image labelled with their
 * hash: that image is the build's result, as a rebuild would be byte for byte the same inputs.
 */
export async function tasksBuild(options: {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  log: (line: string) => void;
}): Promise<{ image: string; reused: boolean }> {
  const store = defaultStore();
  const base = await ensureBaseImage({ store, log: options.log });
  const dockerfile = path.resolve(options.context, options.dockerfile);
  const files = contextFiles(options.context);
  const hash = createHash('sha256');
  hash.update(readFileSync(dockerfile));
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(path.join(options.context, file)));
  hash.update(`\0base ${(await imageInfo(base, { store }))?.id ?? base}`);
  for (const [key, value] of Object.entries(options.buildArgs).sort()) hash.update(`\0arg ${key}=${value}`);
  const source = hash.digest('hex');
  const image = `localhost/acr-tasks:${source.slice(0, 16)}`;
  const existing = await imageInfo(image, { store });
  if (existing?.labels[SOURCE_LABEL] === source) return { image, reused: true };

  const upload = mkdtempSync(path.join(path.dirname(store.root), 'acr-upload-'));
  try {
    for (const file of [...files, path.relative(options.context, dockerfile)]) {
      mkdirSync(path.dirname(path.join(upload, file)), { recursive: true });
      copyFileSync(path.join(options.context, file), path.join(upload, file)); // follows symlinks
    }
    options.log(`Uploading ${files.length} files of the context; building ${options.dockerfile}`);
    await buildImage({
      dockerfile: path.join(upload, path.relative(options.context, dockerfile)),
      context: upload,
      tag: image,
      buildArgs: { ...options.buildArgs, BASE_IMAGE: base },
      labels: { [SOURCE_LABEL]: source },
      buildVolumes: buildVolumes(store),
      store,
      onLine: options.log,
    });
    // Earlier sources' images would pile up in the store run after run, but one younger than an hour may be another
    // rehearsal's on this machine (the store is shared) between its build and its push: only older ones go.
    try {
      const listed = JSON.parse(await buildah(['images', '--json'], { store })) as StoredImage[];
      for (const old of staleBuildResults(listed, image, Date.now() / 1000 - 3600))
        await removeImage(old, { store });
    } catch (error) {
      options.log(`(older build results left in the store: ${(error as Error).message})`);
    }
    return { image, reused: false };
  } finally {
    rmSync(upload, { recursive: true, force: true });
  }
}

interface StoredImage {
  names?: string[] | null;
  /** Unix seconds. */
  created?: number;
}

/** The tasks' build results other than `keep` created before `before` (unix seconds). */
export function staleBuildResults(images: readonly StoredImage[], keep: string, before: number): string[] {
  return images.flatMap((image) =>
    (image.created ?? 0) < before
      ? (image.names ?? []).filter((name) => name.startsWith('localhost/acr-tasks:') && name !== keep)
      : [],
  );
}
