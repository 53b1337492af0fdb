'use client';
import type { VolumeView } from '@gantry/api-client';
import { ErrorBox, Loading } from '../../../../_components/session';
import { ago } from '../../../../_lib/format';
import type { Polled } from '../../../../_lib/hooks';

/** The app's volumes (GET /apps/:app/volumes): where each lives and which process type mounts it where. */
export function VolumesSection({ volumes }: { volumes: Polled<VolumeView[]> }) {
  const list = volumes.data;
  return (
    <section className="card flush" aria-labelledby="volumes-heading" data-testid="volumes">
      <h2 id="volumes-heading">Volumes</h2>
      <div style={{ padding: '0 20px' }}>
        <ErrorBox error={volumes.error} />
      </div>
      {!list ? (
        volumes.loading ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : null
      ) : list.length === 0 ? (
        <div className="empty">No volumes. Create one with gantry volumes:create NAME.</div>
      ) : (
        <div className="table-wrap">
          <table aria-label="Volumes">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Host</th>
                <th scope="col">Mounted by</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.name} data-volume={v.name}>
                  <td className="mono">{v.name}</td>
                  <td>{v.host ?? <span className="muted">not placed yet</span>}</td>
                  <td>
                    {v.addon ? (
                      <span className="muted">add-on {v.addon}</span>
                    ) : v.processType ? (
                      <span>
                        <b>{v.processType}</b> at <span className="mono">{v.mountPath}</span>
                      </span>
                    ) : (
                      <span className="muted">not mounted</span>
                    )}
                  </td>
                  <td className="muted">{ago(v.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
