/**
 * A pg.Client that reports Postgres `"char"` columns (OID 18) as `text` (OID 25).
 *
 * The schema engine describes a database through the system catalogs, whose `contype`, `relkind`,
 * `confdeltype`... columns are `"char"`. adapter-pg has no mapping for OID 18 and fails with
 * "Column type 'char' could not be deserialized". pg already parses the value as a string; only
 * the column's type id needs to say so. Used as the pool's `Client` class.
 */
import pg from 'pg';

const CHAR_OID = 18;
const TEXT_OID = 25;

type Fields = { fields?: { dataTypeID: number }[] } | undefined;

export function charColumnsAsText<T>(result: T): T {
  // A multi-statement simple query resolves to one result per statement.
  for (const one of (Array.isArray(result) ? result : [result]) as Fields[]) {
    for (const field of one?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

type Callback = (error: Error | null, result: unknown) => void;

export class CharAsTextClient extends pg.Client {
  // pg.Client#query has a dozen overloads (callback, promise, submittable): accept them all and
  // return whatever pg returns, hence `any`.
  override query(...args: unknown[]): any {
    const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    if (callbackAt !== -1) {
      const callback = args[callbackAt] as Callback;
      args[callbackAt] = (error: Error | null, result: unknown) =>
        callback(error, error ? result : charColumnsAsText(result));
      return query.apply(this, args);
    }
    const returned = query.apply(this, args);
    return returned instanceof Promise ? returned.then(charColumnsAsText) : returned;
  }
}
