/**
 * The README's props table is checked against the types: every prop `<ChatWidget>` accepts
 * has a row, and every row is a prop it accepts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The property names of the exported `ChatWidgetProps`, inherited ones included. */
function chatWidgetProps(): string[] {
  const entry = here('../src/index.ts');
  const program = ts.createProgram([entry], {
    strict: true,
    jsx: ts.JsxEmit.ReactJSX,
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error('src/index.ts not found');
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exported = checker.getExportsOfModule(moduleSymbol as ts.Symbol);
  const props = exported.find((symbol) => symbol.name === 'ChatWidgetProps');
  if (!props) throw new Error('ChatWidgetProps is not exported');
  const type = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(props));
  return checker
    .getPropertiesOfType(type)
    .map((property) => property.name)
    .sort();
}

/** The first column of the README's props table, without backticks. */
function readmeProps(): string[] {
  const readme = readFileSync(here('../README.md'), 'utf8');
  const table = readme.split('## Props')[1]?.split('\n\n')[1] ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((row) => row.split('|')[1]?.trim().replaceAll('`', '') ?? '')
    .filter((name) => name !== '')
    .sort();
}

// Building a TypeScript program of the whole source takes seconds on a busy 2-core machine.
it('documents exactly the props ChatWidget accepts', { timeout: 60_000 }, () => {
  expect(readmeProps()).toEqual(chatWidgetProps());
});
