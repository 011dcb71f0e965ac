#!/usr/bin/env node
// Entry point of the `fastsam-geo` command: the CLI lives in lib/engine/cli (built from src/engine/cli).
import { main } from '../lib/engine/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`fastsam-geo: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
