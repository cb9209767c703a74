// Entry point of the policy pack. Pulumi's policy runtime `require`s this folder after registering ts-node,
// which cannot compile this repository's `.ts` import specifiers; importing the TypeScript entry from a plain
// ES module hands it to Node's own loader instead, which strips the types (Node >= 22.18).
import './pack.ts';
