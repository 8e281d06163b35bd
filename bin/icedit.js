#!/usr/bin/env node
// The icedit command. The TypeScript sources compile to dist/ (npm run build, run by npm ci's prepare).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
