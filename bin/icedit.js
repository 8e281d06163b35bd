#!/usr/bin/env node
// The icedit command. The TypeScript sources compile to dist/ (npm ci's prepare compiles src/; npm run build also test/ and bench/).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
