'use client';
import { useEffect, useRef, useState } from 'react';
import type { BuildView, ReleaseView } from '@gantry/api-client';
import { ReleasePhaseOutput } from '../../../../_components/release-phase';
import { Badge, ErrorBox, Loading } from '../../../../_components/session';
import { appPath } from '../../../../_lib/api';
import { ago, duration } from '../../../../_lib/format';
import { usePoll, useStream } from '../../../../_lib/hooks';
import type { BuildOutputEntry } from '../../../../_lib/types';
import { useApp } from '../app-context';

/** Builds of the app; the chosen one's output, streamed live while it runs. */
export default function DeploysPage() {
  const { name, summary } = useApp();
  const builds = usePoll<BuildView[]>(appPath(name, '/builds'), 1500);
  const [chosen, setChosen] = useState<number | null>(null);
  const latest = builds.data?.[0]?.number ?? null;
  const shown = chosen ?? latest;
  return (
    <div className="stack">
      <ErrorBox error={builds.error} />
      {builds.data && builds.data.length === 0 ? (
        <div className="card stack">
          <h2>No builds yet</h2>
          <p className="muted">Push code to build and deploy it:</p>
          <pre className="plain">{`git remote add gantry ${summary.data?.gitUrl ?? '<git url>'}
git push gantry main`}</pre>
        </div>
      ) : null}
      <div className="grid split">
        <section className="card flush">
          <h2>Builds</h2>
          {builds.loading && !builds.data ? (
            <div style={{ padding: 16 }}>
              <Loading />
            </div>
          ) : (
            <div className="table-wrap">
              <table data-testid="builds">
                <tbody>
                  {(builds.data ?? []).map((b) => (
                    <tr key={b.number} onClick={() => setChosen(b.number)} style={{ cursor: 'pointer', background: b.number === shown ? 'var(--hover)' : undefined }} data-build={b.number}>
                      <td>
                        <b>#{b.number}</b> <span className="muted mono">{b.commit.slice(0, 7)}</span>
                        <div className="muted" style={{ fontSize: 12 }}>
                          {ago(b.createdAt)}
                          {b.startedAt && b.finishedAt ? ` · ${duration((Date.parse(b.finishedAt) - Date.parse(b.startedAt)) / 1000)}` : ''}
                        </div>
                      </td>
                      <td className="num">
                        <Badge state={b.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="stack" style={{ minWidth: 0 }}>
          {shown !== null ? <BuildOutput key={shown} app={name} build={shown} /> : null}
          {shown !== null ? <BuildReleases app={name} build={shown} /> : null}
        </section>
      </div>
    </div>
  );
}

/** The release phase of the releases made from a build (the push's, then config changes and rollbacks on it). */
function BuildReleases({ app, build }: { app: string; build: number }) {
  const releases = usePoll<ReleaseView[]>(appPath(app, '/releases'), 3000);
  const mine = (releases.data ?? []).filter((r) => r.buildNumber === build).slice(0, 3);
  return (
    <>
      {mine.map((r) => (
        <div className="card" key={r.version}>
          <ReleasePhaseOutput app={app} version={r.version} />
        </div>
      ))}
    </>
  );
}

function BuildOutput({ app, build }: { app: string; build: number }) {
  const [lines, setLines] = useState<string[]>([]);
  const [end, setEnd] = useState<{ ok: boolean; message: string } | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const stream = useStream<BuildOutputEntry>(
    end ? null : appPath(app, `/builds/${build}/output?follow=1`),
    (e) => {
      if (e.kind === 'end') setEnd({ ok: e.ok, message: e.message });
      else setLines((l) => [...l, e.text]);
    },
    { once: true },
  );
  useEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines, end]);
  return (
    <>
      <div className="spread">
        <h2 style={{ margin: 0 }}>Build #{build}</h2>
        {end ? <Badge state={end.ok ? 'succeeded' : 'failed'} label={end.ok ? 'finished' : 'failed'} /> : stream.live ? <Badge state="building" label="live" /> : null}
      </div>
      <ErrorBox error={stream.error} />
      <pre
        className="console"
        ref={pre}
        data-testid="build-output"
        data-ended={end ? '1' : '0'}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {lines.join('\n')}
        {end ? <span className={end.ok ? 'end-ok' : 'end-bad'}>{`\n${end.message || (end.ok ? 'Done.' : 'Failed.')}`}</span> : null}
        {!end && lines.length === 0 ? <span className="t">Waiting for output…</span> : null}
      </pre>
    </>
  );
}
