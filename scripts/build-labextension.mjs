#!/usr/bin/env node
// Builds the JupyterLab extension from npm alone: compiles src/extension (tsconfig.extension.json) to
// lib/extension, then runs @jupyterlab/builder's build-labextension with --core-path pointing at
// build/jupyterlab-core, a folder whose package.json is a copy of @jupyterlab/core-meta's
// core.package.json (the JupyterLab 4.6 core this extension shares singletons with). Output:
// fastsam_geo/labextension (package.json "jupyterlab.outputDir").
// Usage: node scripts/build-labextension.mjs [--development]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`build-labextension: ${message}`);
  process.exit(1);
}

// Runtime dependencies of the engine must not be offered to the browser's share scope: the builder
// shares every "dependencies" entry unless package.json jupyterlab.sharedPackages marks it false.
const shared = pkg.jupyterlab?.sharedPackages ?? {};
const unmarked = Object.keys(pkg.dependencies ?? {}).filter((d) => !(d in shared));
if (unmarked.length > 0) {
  fail(`dependencies ${unmarked.join(', ')} are not listed in package.json jupyterlab.sharedPackages; ` +
    'add "NAME": false for engine-only packages (the browser bundle must not try to share them)');
}

let coreMeta;
try {
  coreMeta = require.resolve('@jupyterlab/core-meta/core.package.json');
} catch {
  fail('@jupyterlab/core-meta is not installed (run npm ci)');
}
const coreDir = join(root, 'build', 'jupyterlab-core');
mkdirSync(coreDir, { recursive: true });
copyFileSync(coreMeta, join(coreDir, 'package.json'));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.extension.json']);
const builder = join(root, 'node_modules', '@jupyterlab', 'builder', 'lib', 'build-labextension.js');
if (!existsSync(builder)) fail('@jupyterlab/builder is not installed (run npm ci)');
const extra = process.argv.includes('--development') ? ['--development'] : [];
run(process.execPath, [builder, ...extra, '--core-path', coreDir, root]);
console.log(`labextension built into ${pkg.jupyterlab.outputDir}`);
