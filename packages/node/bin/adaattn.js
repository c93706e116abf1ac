#!/usr/bin/env node
// The `adaattn` command. A committed launcher rather than dist/cli/main.js itself, so npm links the bin at
// install time even in a fresh workspace checkout where dist/ is only built afterwards.
import { runAsProgram } from '../dist/cli/main.js';

await runAsProgram();
