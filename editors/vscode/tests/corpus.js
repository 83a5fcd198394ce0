// Tokenizes `.gati` files with the TextMate grammar, as VS Code does
// (vscode-textmate with the Oniguruma regex engine), and fails on the first
// sign that the grammar lost its way in a valid spec:
//
// - a token scoped `invalid.*`;
// - text that is not whitespace but has no scope of its own (only
//   `source.gati` and `meta.*` scopes): a construct the grammar does not know;
// - a block still open where a top-level item, or the file, begins: a brace
//   the grammar did not pair.
//
// Usage: node corpus.js GRAMMAR FILE...
// vscode-textmate and vscode-oniguruma are loaded from the folder in
// $GATI_EDITORS_NODE_MODULES, else from target/gatic-editors/node_modules.

'use strict';

const fs = require('fs');
const path = require('path');

const modules =
  process.env.GATI_EDITORS_NODE_MODULES ||
  path.join(__dirname, '..', '..', '..', 'target', 'gatic-editors', 'node_modules');
const textmate = require(path.join(modules, 'vscode-textmate'));
const oniguruma = require(path.join(modules, 'vscode-oniguruma'));

// A line that starts an item, or documents one, at the top level.
const TOP_LEVEL =
  /^(?:(?:use|service|type|enum|union|error|route|versions)\b|\/\/\/|\/\/!)/;

async function main() {
  const [grammarPath, ...files] = process.argv.slice(2);
  if (!grammarPath || files.length === 0) {
    console.error('usage: node corpus.js GRAMMAR FILE...');
    process.exit(2);
  }
  const wasm = fs.readFileSync(path.join(modules, 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () =>
      textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.gati');
  if (!grammar) {
    throw new Error(`${grammarPath}: no grammar for source.gati`);
  }

  const failures = [];
  let lines = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    let stack = textmate.INITIAL;
    const fail = (row, column, message) => failures.push(`${file}:${row + 1}:${column + 1}: ${message}`);
    text.split(/\r?\n/).forEach((line, row) => {
      lines += 1;
      // The root rule and, at most, the item the line's start ends.
      if (TOP_LEVEL.test(line) && stack.depth > 2) {
        fail(row, 0, `a block is still open where this item begins (${stackNames(stack)})`);
      }
      const result = grammar.tokenizeLine(line, stack);
      if (result.stoppedEarly) {
        fail(row, 0, 'tokenizing stopped early');
      }
      for (const token of result.tokens) {
        const piece = line.slice(token.startIndex, token.endIndex);
        if (piece.trim() === '') {
          continue;
        }
        const invalid = token.scopes.find((s) => s.startsWith('invalid.'));
        if (invalid) {
          fail(row, token.startIndex, `${JSON.stringify(piece)} is ${invalid}`);
        } else if (token.scopes.every((s) => s === 'source.gati' || s.startsWith('meta.'))) {
          fail(row, token.startIndex, `${JSON.stringify(piece)} has no scope (${token.scopes.join(' ')})`);
        }
      }
      stack = result.ruleStack;
    });
    if (stack.depth > 2) {
      fail(text.split(/\r?\n/).length - 1, 0, `a block is still open at the end of the file (${stackNames(stack)})`);
    }
  }

  if (failures.length > 0) {
    console.error(failures.join('\n'));
    console.error(`${failures.length} problem(s) in ${files.length} file(s)`);
    process.exit(1);
  }
  console.log(`${files.length} file(s), ${lines} line(s): every token scoped, every block closed`);
}

// The names of the rules open on `stack`, innermost last.
function stackNames(stack) {
  const names = [];
  for (let s = stack; s && s.parent; s = s.parent) {
    const scopes = s.nameScopesList && s.nameScopesList.scopePath;
    names.unshift(scopes && scopes.scopeName ? scopes.scopeName : '?');
  }
  return names.join(' > ') || 'the root';
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
