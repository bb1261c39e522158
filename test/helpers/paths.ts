import {fileURLToPath} from 'node:url';

/** Tests run from dist/test/...; these point back at the repository and the built CLI. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../../bin/leaktop.js', import.meta.url));
export const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
