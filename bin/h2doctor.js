#!/usr/bin/env node
// Thin launcher: the compiled CLI, bundled (scripts/bundle-cli.mjs), lives in dist/cli-bundle/
// (built by `npm ci` through the prepare script).
import { main } from '../dist/cli-bundle/main.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
