// Runs before `npm start` and `npm test` (prestart/pretest). Plain JavaScript on purpose: it must run on the old
// Node it is there to reject, where the TypeScript sources fail with "Unknown file extension .ts".
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `many-models needs Node 24 (>= 22.18: it runs its TypeScript directly), and this is Node ${process.versions.node}.\n` +
      'Get Node 24 in one line (the same recipe .ci/run uses; no root needed):\n' +
      '  npm install --no-save --prefix ~/.cache/many-models/node24 node@24 && export PATH=~/.cache/many-models/node24/node_modules/node/bin:$PATH\n' +
      'or use nvm/fnm with the .nvmrc in this folder (nvm install && nvm use).\n',
  );
  process.exit(2);
}
