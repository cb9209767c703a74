import { ConfigError } from '../config/errors.ts';

/**
 * The runtime image a cluster job runs, pinned: nodes must run the code that submitted them, so an image named by
 * repository only (`compute.image: <registry>/mm-runtime`, as infra/scripts/environment-file.ts writes it) takes
 * the code version as its tag, which is the tag ml.yml's Image stage builds (`az acr build`, pipelines/Dockerfile).
 * An explicit tag or digest is kept; `latest` is refused: it names whatever was pushed last, not this code.
 */
export function pinnedRuntimeImage(image: string, codeVersion: string, source = 'compute.image'): string {
  const slash = image.lastIndexOf('/');
  const name = image.slice(slash + 1);
  if (image.includes('@sha256:')) return image;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const tag = name.slice(colon + 1);
    if (tag === 'latest') {
      throw new ConfigError(source, [
        `'${image}' is not pinned: ':latest' is whatever was pushed last; name the repository only (the code ` +
          'version becomes the tag) or a tag or digest',
      ]);
    }
    return image;
  }
  return `${image}:${imageTag(codeVersion)}`;
}

/** A code version as an image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`); a dirty tree has no image. */
export function imageTag(codeVersion: string): string {
  if (codeVersion.endsWith('-dirty')) {
    throw new ConfigError('MM_CODE_VERSION', [
      `code version '${codeVersion}' has uncommitted changes, so no runtime image holds this code: commit and ` +
        'build the image (ml.yml does), or set MM_CODE_VERSION to the tag of an image that was built',
    ]);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(codeVersion)) {
    throw new ConfigError('MM_CODE_VERSION', [
      `code version '${codeVersion}' is not a valid image tag (letters, digits, '_', '.', '-'; at most 128)`,
    ]);
  }
  return codeVersion;
}
