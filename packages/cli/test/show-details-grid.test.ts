/**
 * The grid `llmops show-details` prints, against what Python's tabulate
 * (`tablefmt="grid"`, as `pf run show-details` uses it) prints for the same cells.
 * Expected tables were produced by tabulate itself.
 */
import { describe, expect, test } from '@jest/globals';
import { gridTable } from '../src/table.js';

const table = (...lines: string[]) => lines.join('\n');

describe('gridTable, as tabulate grid', () => {
  test('numbers right-aligned on the point with their headers; floats in "g" form; text stripped, multi-line cells split', () => {
    const rows = [
      ['0', '1.0', 'x', '12'],
      ['1', '0.333333333', '  two\nlines ', '3.5'],
      ['2', '1234567.0', 'True', '1e-7']
    ];
    expect(gridTable(['', 'f', 's', 'n'], rows)).toBe(
      table(
        '+----+-------------+-------+--------+',
        '|    |           f | s     |      n |',
        '+====+=============+=======+========+',
        '|  0 | 1           | x     | 12     |',
        '+----+-------------+-------+--------+',
        '|  1 | 0.333333    | two   |  3.5   |',
        '|    |             | lines |        |',
        '+----+-------------+-------+--------+',
        '|  2 | 1.23457e+06 | True  |  1e-07 |',
        '+----+-------------+-------+--------+'
      )
    );
  });

  test('what Python reads as a number: nan/inf, underscores, signs; booleans are text', () => {
    expect(gridTable(['', 'a', 'b', 'c', 'd'], [['0', 'nan', 'True', '1_000', '-3'], ['1', 'inf', 'False', '2', '+4']])).toBe(
      table(
        '+----+-----+-------+-------+-----+',
        '|    |   a | b     |     c |   d |',
        '+====+=====+=======+=======+=====+',
        '|  0 | nan | True  | 1_000 |  -3 |',
        '+----+-----+-------+-------+-----+',
        '|  1 | inf | False |     2 |  +4 |',
        '+----+-----+-------+-------+-----+'
      )
    );
  });

  test('widths count characters, not UTF-16 units; dict cells are text', () => {
    expect(gridTable(['', 'dict', 'outputs.ü'], [['0', "{'a': 1}", 'é']])).toBe(
      table(
        '+----+----------+-------------+',
        '|    | dict     | outputs.ü   |',
        '+====+==========+=============+',
        "|  0 | {'a': 1} | é           |",
        '+----+----------+-------------+'
      )
    );
  });

  test('no rows: the header and the closing line', () => {
    expect(gridTable(['', 'inputs.x'], [])).toBe(table('+----+------------+', '|    | inputs.x   |', '+====+============+', '+----+------------+'));
  });
});
