#!/usr/bin/env node
// Runs the built CLI; `npm run build` (or `make build`) produces dist/.
import '../dist/src/cli/main.js';
