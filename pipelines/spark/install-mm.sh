#!/bin/bash
# Databricks cluster-scoped init script (docs/spark.md): installs the many-models Spark app bundle on this node.
# The job cluster's spec runs it from the runtime volume and sets MM_RUNTIME_VOLUME (spark_env_vars) to that
# volume folder, which holds mm-spark-app.tar.gz and its .sha256 ("You can also set environment variables using the
# spark_env_vars field", https://learn.microsoft.com/azure/databricks/init-scripts/environment-variables; the cluster
# runs in dedicated access mode, where the standard-mode limit on init-script variables does not apply). The bundle is checked before it is unpacked,
# unpacked beside the target and switched in with one rename, and its Node must run here, or the node fails to
# start (an init script that exits non-zero fails the cluster launch, with this script's stderr in its logs).
set -euo pipefail

runtime="${MM_RUNTIME_VOLUME:?MM_RUNTIME_VOLUME (the runtime folder on the Unity Catalog volume) is not set}"
target="${MM_APP_DIR:-/opt/mm}"
archive="$runtime/mm-spark-app.tar.gz"

for file in "$archive" "$archive.sha256"; do
  if [ ! -f "$file" ]; then
    echo "install-mm: $file not found; upload the runtime folder built by 'npm run spark:bundle'" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Copy first: the volume is FUSE over ADLS, and the bytes checked must be the bytes unpacked.
cp "$archive" "$work/app.tar.gz"
expected="$(cut -d' ' -f1 "$archive.sha256")"
actual="$(sha256sum "$work/app.tar.gz" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "install-mm: $archive has SHA-256 $actual but $archive.sha256 says $expected; not installing" >&2
  exit 1
fi

rm -rf "$target.new"
mkdir -p "$target.new"
tar -xzf "$work/app.tar.gz" -C "$target.new"
echo "install-mm: $("$target.new/node/bin/node" --version) and the app unpacked into $target" >&2
rm -rf "$target"
mv "$target.new" "$target"
