// `make assets` (npm run build:scan): bundle the scanner into registration/static/scan/.
// The output is committed, so `make run` and the tests need no Node.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "registration", "static", "scan");
const require = createRequire(import.meta.url);
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, target: ["chrome110", "safari16"],
  legalComments: "eof", logLevel: "info" };
await build({ ...common, entryPoints: [join(here, "main.js")], format: "esm",
  outfile: join(out, "scan.js") });
await build({ ...common, entryPoints: [join(here, "sw.js")], format: "iife",
  outfile: join(out, "sw.js") });
await build({ ...common, entryPoints: [join(here, "scan.css")], outfile: join(out, "scan.css") });
// zxing-cpp's decoder, served by the service (locateFile in camera.js), never from a CDN.
copyFileSync(require.resolve("zxing-wasm/reader/zxing_reader.wasm"),
  join(out, "zxing_reader.wasm"));
for (const icon of ["icon.svg", "icon-192.png", "icon-512.png"]) {
  copyFileSync(join(here, icon), join(out, icon));
}
