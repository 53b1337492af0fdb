'use client';
import type { AddonDetailsView } from '@gantry/api-client';
import { bytes } from '../../../../_lib/format';
import type { Polled } from '../../../../_lib/hooks';

/** GET /addons/:name/details as it is now: version, size, connections, tables (Postgres) or keys (Redis). */
export function LiveFigures({ details }: { details: Polled<AddonDetailsView> }) {
  const d = details.data;
  if (!d) return details.error ? <div className="bad">Live figures unavailable: {details.error.message}</div> : <div className="muted">Asking the server…</div>;
  return (
    <div className="stack" data-testid="addon-live">
      {d.problem ? (
        <div className="alert bad" role="alert">
          Live figures unavailable: {d.problem}
        </div>
      ) : null}
      <div className="stats">
        {/* "15.18 (Debian 15.18-0+deb12u1)": the number, the rest on hover. */}
        <Stat label="Version" value={d.version?.split(' ')[0] ?? '–'} title={d.version ?? undefined} testId="addon-version" />
        <Stat label={d.kind === 'redis' ? 'Memory used' : 'Data size'} value={bytes(d.sizeBytes)} testId="addon-size" />
        <Stat label="Connections" value={d.connections === null ? '–' : String(d.connections)} testId="addon-connections" />
        {d.kind === 'redis' ? <Stat label="Keys" value={d.keys === null ? '–' : String(d.keys)} testId="addon-keys" /> : null}
      </div>
      {d.tables && d.tables.length > 0 ? (
        <div className="table-wrap">
          <table aria-label={`Tables of ${d.name}`} data-testid="addon-tables">
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col" className="num">
                  Rows (estimate)
                </th>
              </tr>
            </thead>
            <tbody>
              {d.tables.map((t) => (
                <tr key={t.name} data-table={t.name}>
                  <td className="mono">{t.name}</td>
                  <td className="num">{t.rows.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : d.kind === 'postgres' && d.tables ? (
        <div className="muted">No tables yet.</div>
      ) : null}
    </div>
  );
}

function Stat({ label, value, testId, title }: { label: string; value: string; testId: string; title?: string }) {
  return (
    <div className="stat" title={title}>
      <span className="muted">{label}</span>
      <b data-testid={testId}>{value}</b>
    </div>
  );
}
