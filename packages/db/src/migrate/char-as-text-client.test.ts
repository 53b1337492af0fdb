import { describe, expect, it } from 'vitest';
import { charColumnsAsText } from './char-as-text-client';

describe('charColumnsAsText', () => {
  it('reports "char" (OID 18) columns as text (OID 25), leaving the others alone', () => {
    const result = { fields: [{ name: 'contype', dataTypeID: 18 }, { name: 'conname', dataTypeID: 19 }], rows: [['p', 'x_pkey']] };
    expect(charColumnsAsText(result).fields.map((f) => f.dataTypeID)).toEqual([25, 19]);
    expect(result.rows).toEqual([['p', 'x_pkey']]);
  });

  it('handles the array of results of a multi-statement query, and results without fields', () => {
    const results = [{ fields: [{ dataTypeID: 18 }] }, { fields: [] }, {}];
    charColumnsAsText(results);
    expect(results[0]?.fields?.[0]?.dataTypeID).toBe(25);
    expect(charColumnsAsText(undefined)).toBeUndefined();
  });
});
