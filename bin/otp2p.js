#!/usr/bin/env node
// The otp2p command. `npm ci` builds dist/ (the `prepare` script); `npm run cli` runs src/ directly.
import { main } from '../dist/src/cli/main.js';

process.exit(await main());
