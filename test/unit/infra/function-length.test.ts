import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/*
 * Issue 16: no function over 80 lines in workflows/, activities/ and api/, so each reads on
 * one screen. A function is a declaration, a method, an arrow or a function expression,
 * measured from its first to its last line (leading comments excluded).
 */

const ROOT = join(__dirname, '../../..');
const FOLDERS = ['workflows', 'activities', 'api'];
const MAX_LINES = 80;

interface FunctionSpan {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** The declared name, or the variable or property the function is assigned to. */
function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name)
    return parent.name.getText(source);
  return '(anonymous)';
}

/** Every function of a source text with its length in lines. */
export function functionSpans(file: string, text: string): FunctionSpan[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (isFunction(node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ file, name: nameOf(node, source), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

describe('function length', () => {
  it('measures declarations, methods, arrows and function expressions, first to last line', () => {
    const text = [
      '/** a comment is not counted */',
      'export function outer() {',
      '  const arrow = () => {',
      '    return 1;',
      '  };',
      '  return { method() { return function () {}; } };',
      '}',
    ].join('\n');
    const spans = functionSpans('sample.ts', text).map(({ name, line, lines }) => ({ name, line, lines }));
    expect(spans).toEqual([
      { name: 'outer', line: 2, lines: 6 },
      { name: 'arrow', line: 3, lines: 3 },
      { name: 'method', line: 6, lines: 1 },
      { name: '(anonymous)', line: 6, lines: 1 },
    ]);
  });

  it(`finds no function over ${MAX_LINES} lines in ${FOLDERS.join(', ')}`, () => {
    const files = FOLDERS.flatMap((folder) => tsFilesUnder(join(ROOT, folder)));
    expect(files.length).toBeGreaterThan(50);
    const tooLong = files
      .flatMap((file) => functionSpans(relative(ROOT, file), readFileSync(file, 'utf8')))
      .filter((span) => span.lines > MAX_LINES)
      .map((span) => `${span.file}:${span.line} ${span.name} (${span.lines} lines)`);
    expect(tooLong).toEqual([]);
  });
});
